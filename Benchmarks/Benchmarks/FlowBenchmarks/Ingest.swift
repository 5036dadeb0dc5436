import Benchmark
import EdgeCore
import EdgeFlux
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// P2: the ring between the ingest thread and the engine thread, at the agent's default size.
let ingestRingCapacity = 1 << 16

/// P2's ten conditions: the P1 rule with different constants, all on the same four points.
func ingestConditionSources() -> [String] {
    (0..<10).map { k in "(payload.a > \(10 + k) && payload.b < 5) || (payload.c == 1 && payload.d != \(k))" }
}

/// A compiled condition held so that evaluating it borrows it. Reading a `CompiledCondition` out
/// of an array (subscript, `for in`, unsafe buffer or span alike) copies it, some eight retains and
/// releases that cost several times the evaluation itself; a closure capturing it does not.
typealias Judge = (EvaluationEnvironment) -> Bool

/// The ten conditions compiled against `table`, as judges.
func ingestJudges(_ table: PointSlotTable) throws(ExpressionError) -> [Judge] {
    var judges: [Judge] = []
    for source in ingestConditionSources() {
        let condition = try CompiledCondition(source, options: CompileOptions(pointSlots: table))
        judges.append { environment in condition.evaluate(environment) }
    }
    return judges
}

/// What the consumer thread does with each sample.
enum IngestConsumer {
    /// Stores it in a slot frame and evaluates every judge on the frame.
    case conditions([Judge], PointSlotTable)
    /// Stores it in a slot frame and hands the frame to the engine (source 0).
    case engine(FlowEngine, PointSlotTable)
}

/// How the producer offers its samples.
enum IngestPace {
    /// As fast as the consumer takes them: the producer waits while the ring is nearly full, so
    /// nothing is dropped and the rate is what the consumer sustains.
    case consumerBound
    /// At a fixed rate whatever the consumer does, as a device poller would; a ring that
    /// overflows drops its oldest samples.
    case offered(samplesPerSecond: Double)
}

/// One producer/consumer run.
struct IngestRun {
    var offered: Int
    var processed: Int
    var dropped: UInt64
    var seconds: Double
    var samplesPerSecond: Double { seconds > 0 ? Double(processed) / seconds : 0 }
}

/// Set by the producer when its last sample is in the ring.
final class IngestControl: Sendable {
    let producerDone = Atomic<Bool>(false)
}

/// Pushes `count` samples into a fresh ring from a new thread while this thread consumes them.
func runIngest(count: Int, pace: IngestPace, consumer: IngestConsumer) throws -> IngestRun {
    let ring = try SampleRing(capacity: ingestRingCapacity)
    let control = IngestControl()
    let table: PointSlotTable
    switch consumer {
    case .conditions(_, let t), .engine(_, let t): table = t
    }
    let frame = DeviceFrame(points: table.count)
    defer { frame.deallocate() }
    let clock = SystemClock()
    let start = clock.monotonicNanoseconds()
    let producer = try OwnerThread(name: "ingest producer") {
        produce(ring: ring, count: count, pace: pace)
        control.producerDone.store(true, ordering: .releasing)
    }
    let processed: Int
    switch consumer {
    case .conditions(let judges, _):
        let environment = EvaluationEnvironment(slots: frame.readings(table), clock: SystemClock())
        let (taken, held) = consume(
            ring: ring, control: control, judges: judges, environment: environment, frame: frame)
        processed = taken
        blackHole(held)
    case .engine(let engine, _):
        processed = consume(ring: ring, control: control, engine: engine, frame: frame)
    }
    let seconds = Double(clock.monotonicNanoseconds() - start) / 1e9
    producer.join()
    return IngestRun(offered: count, processed: processed, dropped: ring.droppedCount, seconds: seconds)
}

/// The ingest thread: `count` samples over four points with varying values.
@inline(never)
func produce(ring: SampleRing, count: Int, pace: IngestPace) {
    let batch = 1024
    let clock = SystemClock()
    let start = clock.monotonicNanoseconds()
    var index = 0
    while index < count {
        switch pace {
        case .consumerBound:
            // Room for the whole batch before pushing it; `count` can only overstate what is
            // queued, since this is the only producer.
            while ring.count > ring.capacity - batch { sched_yield() }
        case .offered(let rate):
            while true {
                let elapsed = Double(clock.monotonicNanoseconds() - start) / 1e9
                if Double(index) < elapsed * rate { break }
                sched_yield()
            }
        }
        let end = min(index + batch, count)
        while index < end {
            let mixed = UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15
            let value = Double(Int((mixed >> 40) & 31))
            ring.push(Sample(source: 0, point: UInt16(index & 3), timestamp: Int64(index), value: value))
            index += 1
        }
    }
}

/// The consumer thread with bare conditions: pops until the producer is done and the ring is
/// empty. Returns the samples processed and how many condition evaluations held.
@inline(never)
func consume(
    ring: SampleRing, control: IngestControl, judges: [Judge], environment: EvaluationEnvironment, frame: DeviceFrame
) -> (processed: Int, held: Int) {
    var processed = 0
    var held = 0
    var idle = 0
    while true {
        if let sample = ring.pop() {
            idle = 0
            processed &+= 1
            guard frame.store(sample) else { continue }
            for index in 0..<judges.count where judges[index](environment) { held &+= 1 }
        } else if !waitForMore(ring, control, &idle) {
            break
        }
    }
    return (processed, held)
}

/// The consumer thread with the engine: the same loop, each sample's frame to `handleReading`.
@inline(never)
func consume(ring: SampleRing, control: IngestControl, engine: FlowEngine, frame: DeviceFrame) -> Int {
    let values = UnsafeBufferPointer(frame.values)
    let qualities = UnsafeBufferPointer(frame.qualities)
    var processed = 0
    var idle = 0
    while true {
        if let sample = ring.pop() {
            idle = 0
            processed &+= 1
            guard frame.store(sample) else { continue }
            engine.handleReading(
                source: Int(sample.source), timestampNanoseconds: sample.timestamp, values: values,
                qualities: qualities)
        } else if !waitForMore(ring, control, &idle) {
            break
        }
    }
    return processed
}

/// After an empty pop: false when the producer is done and everything it pushed was taken;
/// otherwise spins a little, then yields the core (two cores, shared with the producer).
@inline(__always)
func waitForMore(_ ring: SampleRing, _ control: IngestControl, _ idle: inout Int) -> Bool {
    // The acquiring load makes every push visible, so an empty ring after it means done.
    if control.producerDone.load(ordering: .acquiring) { return ring.count != 0 }
    idle &+= 1
    if idle >= 64 {
        idle = 0
        sched_yield()
    }
    return true
}
