import EdgeCore

/// A condition as a flat branch program: its `&&`, `||`, `!` and boolean literals become jumps
/// between tests, so evaluation is one loop over a few small structs instead of a closure per
/// node. A test of a slot-backed `payload.<point>` against a number, `null` or another point
/// reads the slot's `Double` in place; any other test is a compiled `BoolCode` closure.
///
/// No test has side effects, so which tests run does not change the outcome: jumps skip the
/// tests a short-circuit skips, and a program of a few slot tests runs them all and looks the
/// outcome up in a truth table instead.
struct BranchProgram: Sendable {
    /// Tests in evaluation order; the first one run is `entry`.
    private let tests: ContiguousArray<BranchTest>
    /// The closures of `.general` tests, by `BranchTest.operand`.
    private let general: ContiguousArray<BoolCodeBox>
    /// The first test, or `exitTrue`/`exitFalse` when the condition is constant.
    private let entry: Int32
    /// The jump target meaning "the condition holds": one past the last test.
    private let exitTrue: Int32
    /// When every test reads slots and there are at most `maxTruthTableTests` of them: bit `n`
    /// tells whether the condition holds when the tests that hold are the set bits of `n`.
    private let truthTable: UInt64?
    /// The raw quality a slot must have to count.
    private let good = SampleQuality.good.rawValue

    /// Six tests give 64 combinations, one bit each of a `UInt64`.
    static let maxTruthTableTests = 6

    /// Compiles `node` as a condition; slot tests only when `compiler` has a table.
    init(_ node: Node, compiler: ClosureCompiler) {
        var builder = BranchBuilder(compiler: compiler)
        let entry = builder.emit(node, onTrue: BranchBuilder.exitTrue, onFalse: BranchBuilder.exitFalse)
        let (tests, entryIndex) = builder.finish(entry: entry)
        self.tests = tests
        general = builder.general
        self.entry = entryIndex
        exitTrue = Int32(tests.count)
        truthTable =
            tests.count <= Self.maxTruthTableTests && tests.allSatisfy({ $0.kind == .slot })
            ? Self.truthTable(tests, entry: entryIndex) : nil
    }

    /// Runs the jumps once per combination of test outcomes.
    private static func truthTable(_ tests: ContiguousArray<BranchTest>, entry: Int32) -> UInt64 {
        var table: UInt64 = 0
        let exitTrue = Int32(tests.count)
        for outcomes in 0..<(1 << tests.count) {
            var next = entry
            while next < exitTrue {
                let test = tests[Int(next)]
                next = test.next(outcomes >> Int(next) & 1 != 0)
            }
            if next == exitTrue { table |= 1 << UInt64(outcomes) }
        }
        return table
    }

    /// How many tests the program has (for tests of the compiler).
    var testCount: Int { tests.count }
    /// How many of the tests call a closure.
    var generalCount: Int { general.count }
    /// Whether every test runs and a truth table gives the outcome.
    var usesTruthTable: Bool { truthTable != nil }

    /// Whether the condition holds on a JSON message (the program has no slot tests).
    @inline(__always)
    func evaluate(_ env: EvaluationEnvironment) -> Bool {
        let none = UnsafeBufferPointer<Double>(start: nil, count: 0)
        return evaluate(env, values: none, qualities: UnsafeBufferPointer(start: nil, count: 0))
    }

    /// Whether the condition holds on slot frames: `values` and `qualities` are the environment's
    /// slots, which the caller checked follow the compiled table and cover it. They come as two
    /// buffers, not as `SlotReadings`: copying that struct whole read it back in pieces that
    /// straddled the caller's stores, and the stalled loads cost more than the tests.
    @inline(__always)
    func evaluate(
        _ env: EvaluationEnvironment, values: UnsafeBufferPointer<Double>, qualities: UnsafeBufferPointer<SampleQuality>
    ) -> Bool {
        if let truthTable { return evaluateAll(truthTable, values, qualities) }
        return tests.withUnsafeBufferPointer { tests in
            var next = entry
            while next < exitTrue {
                let test = tests[Int(next)]
                let holds: Bool
                switch test.kind {
                case .slot: holds = BranchProgram.bit(test, values, qualities, good) != 0
                case .pair: holds = BranchProgram.pair(test, values, qualities, good)
                case .general: holds = general[Int(test.operand)].code(env)
                }
                next = test.next(holds)
            }
            return next == exitTrue
        }
    }

    /// Runs every test and looks the outcome up in the truth table. Each test is the same few
    /// loads, compares and `&`s whatever its operator, so nothing branches on the reading: the
    /// jumps of a short-circuit mispredict on readings that vary, which cost more than the tests
    /// they skip.
    @inline(__always)
    private func evaluateAll(
        _ truthTable: UInt64, _ values: UnsafeBufferPointer<Double>, _ qualities: UnsafeBufferPointer<SampleQuality>
    ) -> Bool {
        tests.withUnsafeBufferPointer { tests in
            var outcomes: UInt64 = 0
            for index in tests.indices {
                outcomes |= BranchProgram.bit(tests[index], values, qualities, good) &<< UInt64(index)
            }
            return truthTable &>> outcomes & 1 != 0
        }
    }

    /// 1 when a `.slot` test holds, else 0. A point counts only with good quality and a finite
    /// value. Its value is placed below, at or above the constant, and the test holds when the
    /// point is present and that relation is one of the test's, flipped for `!=` and `== null`;
    /// so an absent point fails `<`, `<=`, `>`, `>=`, `== k` and `!= null`, and passes the rest.
    @inline(__always)
    private static func bit(
        _ test: BranchTest, _ values: UnsafeBufferPointer<Double>, _ qualities: UnsafeBufferPointer<SampleQuality>,
        _ good: UInt8
    ) -> UInt64 {
        let slot = Int(test.slot)
        let v = values[slot]
        let k = test.constant
        let present = bit(qualities[slot].rawValue == good) & bit(v.isFinite)
        // 0 below, 1 equal, 2 above (for a present point exactly one holds); arithmetic rather
        // than a compare of the masked bits, which the optimizer turned back into a branch.
        let relation = bit(v == k) &+ bit(v > k) &<< 1
        return present & (UInt64(test.relations) &>> relation) ^ UInt64(test.invert)
    }

    /// `payload.<slot> op payload.<operand>` with the value rules for absent points.
    @inline(__always)
    private static func pair(
        _ test: BranchTest, _ values: UnsafeBufferPointer<Double>, _ qualities: UnsafeBufferPointer<SampleQuality>,
        _ good: UInt8
    ) -> Bool {
        ClosureCompiler.compare(
            test.op, read(values, qualities, Int(test.slot), good), read(values, qualities, Int(test.operand), good))
    }

    @inline(__always)
    private static func bit(_ condition: Bool) -> UInt64 { condition ? 1 : 0 }

    @inline(__always)
    private static func read(
        _ values: UnsafeBufferPointer<Double>, _ qualities: UnsafeBufferPointer<SampleQuality>, _ slot: Int,
        _ good: UInt8
    ) -> Double? {
        guard qualities[slot].rawValue == good else { return nil }
        let v = values[slot]
        return v.isFinite ? v : nil
    }
}

/// One test of a `BranchProgram` and where to go after it: a trivial value, so reading one
/// from the program's storage retains nothing.
struct BranchTest: Sendable {
    enum Kind: UInt8, Sendable {
        /// `payload.<slot>` against `constant` (or `null`), by `relations` and `invert`.
        case slot
        /// `payload.<slot> op payload.<operand>`.
        case pair
        /// `general[operand]`.
        case general
    }

    /// The relations of a present point's value to the constant, as bits of `relations`.
    static let below: UInt8 = 1
    static let equal: UInt8 = 2
    static let above: UInt8 = 4

    var kind: Kind
    var op: ComparisonOperator
    /// `.slot`: the relations for which the test holds on a present point (`below | equal`
    /// for `<=`, all three for `!= null`), and 1 to flip the outcome (`!=`, `== null`).
    var relations: UInt8
    var invert: UInt8
    var slot: Int32
    /// The second slot of `.pair`, the closure of `.general`.
    var operand: Int32
    var constant: Double
    /// The next test when this one does not hold (low half) and when it does (high half);
    /// `exitTrue` and `exitTrue + 1` end. One word picked by a shift, because a jump on the
    /// outcome mispredicts whenever readings vary.
    private var targets: UInt64 = 0

    /// The next test when this one holds.
    var onTrue: Int32 {
        get { Int32(truncatingIfNeeded: targets &>> 32) }
        set { targets = targets & 0xFFFF_FFFF | UInt64(UInt32(bitPattern: newValue)) &<< 32 }
    }

    /// The next test when this one does not hold.
    var onFalse: Int32 {
        get { Int32(truncatingIfNeeded: targets) }
        set { targets = targets & 0xFFFF_FFFF_0000_0000 | UInt64(UInt32(bitPattern: newValue)) }
    }

    /// `onTrue` when `holds`, else `onFalse`, without a branch.
    @inline(__always)
    func next(_ holds: Bool) -> Int32 {
        Int32(truncatingIfNeeded: targets &>> ((holds ? 1 : 0) &* 32 as UInt64))
    }

    private init(
        kind: Kind, op: ComparisonOperator, relations: UInt8, invert: UInt8, slot: Int32, operand: Int32,
        constant: Double
    ) {
        self.kind = kind
        self.op = op
        self.relations = relations
        self.invert = invert
        self.slot = slot
        self.operand = operand
        self.constant = constant
    }

    /// A `.slot` test that holds when the point is present and its relation to `constant` is
    /// one of `relations`, or the opposite when `invert`.
    static func slot(_ slot: Int, _ constant: Double, relations: UInt8, invert: Bool) -> BranchTest {
        BranchTest(
            kind: .slot, op: .equal, relations: relations, invert: invert ? 1 : 0, slot: Int32(slot), operand: 0,
            constant: constant)
    }

    /// A `.pair` test.
    static func pair(_ op: ComparisonOperator, _ slot: Int, _ other: Int) -> BranchTest {
        BranchTest(
            kind: .pair, op: op, relations: 0, invert: 0, slot: Int32(slot), operand: Int32(other), constant: 0)
    }

    /// A `.general` test.
    static func general(_ index: Int) -> BranchTest {
        BranchTest(
            kind: .general, op: .equal, relations: 0, invert: 0, slot: 0, operand: Int32(index), constant: 0)
    }
}

/// A `BoolCode` in a concrete struct, so an array of them stores each closure at its own
/// abstraction: an array of bare closures stores them generically, and every call through one
/// then went through two reabstraction thunks.
struct BoolCodeBox: Sendable {
    let code: BoolCode
}
