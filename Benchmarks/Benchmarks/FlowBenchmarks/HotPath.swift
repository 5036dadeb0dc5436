import EdgeCore
import EdgeFlux

/// The ring capacity of the single-threaded P1 loop: each sample is popped right after its push,
/// so the ring never holds more than one and a small one stays in L1 (as in the P-ring benchmark).
let hotPathRingCapacity = 1024

/// The slot frame of the one device source the P1 loop feeds: the latest value and quality of
/// each point, which a popped sample updates before the condition runs on the whole frame.
struct DeviceFrame {
    let values: UnsafeMutableBufferPointer<Double>
    let qualities: UnsafeMutableBufferPointer<SampleQuality>

    init(points: Int) {
        values = .allocate(capacity: points)
        qualities = .allocate(capacity: points)
        values.initialize(repeating: 0)
        qualities.initialize(repeating: .good)
    }

    /// Stores a sample's value in its point's slot; false when the point is not in the frame.
    @inline(__always)
    func store(_ sample: Sample) -> Bool {
        let point = Int(sample.point)
        guard point < values.count else { return false }
        values[point] = sample.value
        qualities[point] = sample.quality
        return true
    }

    func readings(_ table: PointSlotTable) -> SlotReadings {
        SlotReadings(table: table, values: UnsafeBufferPointer(values), qualities: UnsafeBufferPointer(qualities))
    }

    func deallocate() {
        values.deallocate()
        qualities.deallocate()
    }
}

/// The stand-in for the engine's routing, to show what the engine adds: per channel, one counter
/// for "condition held" and one for "did not", picked by the condition's result.
struct RouteCounters {
    static let channels = 1
    let counts: UnsafeMutableBufferPointer<Int>

    init() {
        counts = .allocate(capacity: Self.channels * 2)
        counts.initialize(repeating: 0)
    }

    @inline(__always)
    func route(channel: Int, held: Bool) {
        guard channel < Self.channels else { return }
        counts[channel &* 2 &+ (held ? 1 : 0)] &+= 1
    }

    /// Samples routed to "condition held" on any channel.
    var held: Int { (0..<Self.channels).reduce(0) { $0 + counts[$1 * 2 + 1] } }

    func deallocate() { counts.deallocate() }
}

/// Sample `index` of the P1 stream: point `index & 3` of source 0 with its input value.
@inline(__always)
func hotPathSample(_ index: Int, _ inputs: UnsafeMutableBufferPointer<Double>) -> Sample {
    Sample(
        source: 0, point: UInt16(truncatingIfNeeded: index & 3), timestamp: Int64(index),
        value: inputs[index & (inputs.count - 1)])
}

/// P1 without the engine (stand-in route): per sample, push into the `SampleRing`, pop, store into the
/// frame, evaluate the compiled rule on the frame's slots, route by the result.
/// Returns a checksum so nothing is optimized away.
@inline(never)
func hotPathStandIn(
    ring: SampleRing, condition: CompiledCondition, environment: EvaluationEnvironment, frame: DeviceFrame,
    routes: RouteCounters, inputs: UnsafeMutableBufferPointer<Double>, count: Int
) -> Int64 {
    var checksum: Int64 = 0
    for index in 0..<count {
        ring.push(hotPathSample(index, inputs))
        guard let sample = ring.pop(), frame.store(sample) else { continue }
        routes.route(channel: Int(sample.source), held: condition.evaluate(environment))
        checksum &+= sample.timestamp
    }
    return checksum
}

/// P1 through the engine: per sample, push into the `SampleRing`, pop, store into the frame,
/// and hand the frame to `FlowEngine.handleReading`, which applies the report policy, judges
/// the channel's action condition on the slots and routes (no action fires with these inputs).
@inline(never)
func hotPathEngine(
    ring: SampleRing, engine: FlowEngine, frame: DeviceFrame, inputs: UnsafeMutableBufferPointer<Double>, count: Int
) -> Int64 {
    let values = UnsafeBufferPointer(frame.values)
    let qualities = UnsafeBufferPointer(frame.qualities)
    var checksum: Int64 = 0
    for index in 0..<count {
        ring.push(hotPathSample(index, inputs))
        guard let sample = ring.pop(), frame.store(sample) else { continue }
        engine.handleReading(
            source: Int(sample.source), timestampNanoseconds: sample.timestamp, values: values, qualities: qualities)
        checksum &+= sample.timestamp
    }
    return checksum
}

/// The P1 reference: the same loop written by hand for this one rule. A single-threaded ring
/// in a local variable (no atomics), the four comparisons inline with the same reading rules
/// (a point counts only with good quality and a finite value), the same route.
@inline(never)
func hotPathHandWritten(
    ring: inout LocalRing, frame: DeviceFrame, routes: RouteCounters, inputs: UnsafeMutableBufferPointer<Double>,
    count: Int
) -> Int64 {
    var checksum: Int64 = 0
    for index in 0..<count {
        ring.push(hotPathSample(index, inputs))
        guard let sample = ring.pop(), frame.store(sample) else { continue }
        routes.route(channel: Int(sample.source), held: handWrittenRule(frame))
        checksum &+= sample.timestamp
    }
    return checksum
}

/// `(a > 10 && b < 5) || (c == 1 && d != 0)` on slots 0...3, an absent point reading as nil
/// (so `d != 0` holds for an absent `d`, as in the Flux value rules).
@inline(__always)
func handWrittenRule(_ frame: DeviceFrame) -> Bool {
    @inline(__always)
    func point(_ slot: Int) -> Double? {
        let value = frame.values[slot]
        return frame.qualities[slot] == .good && value.isFinite ? value : nil
    }
    if let a = point(0), a > 10, let b = point(1), b < 5 { return true }
    guard let c = point(2), c == 1 else { return false }
    return point(3) != 0
}

/// A single-threaded ring over unsafe storage, for the hand-written reference only.
struct LocalRing {
    private let storage: UnsafeMutableBufferPointer<Sample>
    private var head = 0
    private var tail = 0

    /// `capacity` must be a power of two.
    init(capacity: Int) {
        storage = .allocate(capacity: capacity)
        storage.initialize(repeating: Sample(source: 0, point: 0, timestamp: 0, value: 0))
    }

    /// Queues a sample; when full the new sample is dropped (false).
    @inline(__always)
    @discardableResult
    mutating func push(_ sample: Sample) -> Bool {
        guard tail &- head < storage.count else { return false }
        storage[tail & (storage.count - 1)] = sample
        tail &+= 1
        return true
    }

    /// The oldest sample, nil when empty.
    @inline(__always)
    mutating func pop() -> Sample? {
        guard head != tail else { return nil }
        let sample = storage[head & (storage.count - 1)]
        head &+= 1
        return sample
    }

    func deallocate() { storage.deallocate() }
}
