import EdgeCore
import EdgeFlux

/// The P1/P3 rule of docs/performance.md: four comparisons over four points of one device source.
/// It is also valid JavaScript, which is how the Node.js reference evaluates the same text.
let ruleSource = "(payload.a > 10 && payload.b < 5) || (payload.c == 1 && payload.d != 0)"

/// The device source's points, in slot order.
let rulePoints = ["a", "b", "c", "d"]

/// The rule parsed once and handed to both evaluators, so they run the very same tree.
struct RuleFixture {
    let table: PointSlotTable
    let compiled: CompiledCondition
    let walker: TreeWalkInterpreter

    init() throws(ExpressionError) {
        table = PointSlotTable(names: rulePoints)
        let parsed = try ParsedExpression(ruleSource, options: CompileOptions(pointSlots: table))
        compiled = CompiledCondition(parsed)
        walker = TreeWalkInterpreter(parsed)
    }
}

/// SplitMix64: the same inputs on every run, without a random number generator that allocates.
struct InputSequence {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// A whole number in `range`, as a Double (sensor values here are small integers).
    mutating func next(in range: ClosedRange<Int>) -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let span = UInt64(range.upperBound - range.lowerBound + 1)
        return Double(range.lowerBound + Int(z % span))
    }
}

/// P3 inputs: `count` readings of a, b, c, d, each in its own slot frame, chosen so every
/// comparison and the rule as a whole change from one evaluation to the next (the rule holds
/// for about 40% of them), so the branch predictor cannot learn a constant answer.
/// The memory is allocated once and freed by `deallocate()`; the loops get plain buffers.
struct ConditionFrames {
    /// How many frames; a power of two so the loops pick one with a mask.
    static let count = 1024

    let values: UnsafeMutableBufferPointer<Double>
    let qualities: UnsafeMutableBufferPointer<SampleQuality>
    /// One reading per frame, over its four slots of `values` and `qualities`.
    let readings: UnsafeMutableBufferPointer<SlotReadings>

    init(table: PointSlotTable) {
        let slots = rulePoints.count
        values = .allocate(capacity: Self.count * slots)
        qualities = .allocate(capacity: Self.count * slots)
        readings = .allocate(capacity: Self.count)
        qualities.initialize(repeating: .good)
        var inputs = InputSequence(seed: 3)
        for frame in 0..<Self.count {
            let base = frame * slots
            values.initializeElement(at: base, to: inputs.next(in: 0...20))
            values.initializeElement(at: base + 1, to: inputs.next(in: 0...9))
            values.initializeElement(at: base + 2, to: inputs.next(in: 0...1))
            values.initializeElement(at: base + 3, to: inputs.next(in: 0...1))
            let frameValues = UnsafeBufferPointer(rebasing: values[base..<base + slots])
            let frameQualities = UnsafeBufferPointer(rebasing: qualities[base..<base + slots])
            readings.initializeElement(
                at: frame, to: SlotReadings(table: table, values: frameValues, qualities: frameQualities))
        }
    }

    /// The values as `a,b,c,d,a,b,...` for the Node.js script.
    var csv: String {
        values.map { String(Int($0)) }.joined(separator: ",")
    }

    func deallocate() {
        values.deallocate()
        qualities.deallocate()
        readings.deallocate()
    }
}

/// P1 inputs: the value each sample carries, by sample index (point = index & 3). Chosen so the
/// rule never holds while its parts still vary (`a > 10` and `c == 1` change, `b < 5` and
/// `d != 0` never hold): no action fires, as on a healthy device, and the short-circuit
/// branches are not constant.
struct SampleInputs {
    /// How many values; a power of two and a multiple of the point count.
    static let count = 4096

    let values: UnsafeMutableBufferPointer<Double>

    init() {
        values = .allocate(capacity: Self.count)
        var inputs = InputSequence(seed: 7)
        for index in 0..<Self.count {
            let value: Double
            switch index & 3 {
            case 0: value = inputs.next(in: 0...20)
            case 1: value = inputs.next(in: 5...9)
            case 2: value = inputs.next(in: 0...1)
            default: value = 0
            }
            values.initializeElement(at: index, to: value)
        }
    }

    func deallocate() { values.deallocate() }
}
