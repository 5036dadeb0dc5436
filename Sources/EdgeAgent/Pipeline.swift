public import EdgeConfig
public import EdgeCore
public import EdgeFlux
public import Logging
import Synchronization

/// One device event: every point a source reported at one instant (a Modbus poll cycle, a GPIO edge).
public struct DeviceReading: Sendable, Equatable {
    /// Index of the source in the config.
    public var source: Int
    /// Wall time of the reading, ns since the epoch.
    public var timestamp: Int64
    /// Values by point index; nil where the point was not part of this reading.
    public var values: [Double?]
    /// Quality by point index.
    public var qualities: [SampleQuality]
}

/// The ring's single consumer: drains samples on its own thread, groups them into device
/// readings, shows them and appends them to the outbox. The flow engine plugs in here.
public final class Pipeline: @unchecked Sendable {
    private let config: AgentConfig
    private let ring: SampleRing
    private let wake: WakeSignal
    private let outbox: Outbox?
    private let logger: Logger
    private let onReading: @Sendable (DeviceReading) -> Void
    private let stopFlag = Atomic<Bool>(false)
    private var thread: OwnerThread?
    private let readingCount = Atomic<Int>(0)
    /// Owned by the consumer thread once started (the engine is single-threaded by design).
    private let engine: FlowEngine?
    private let outputs: OutputController?
    private let clock: any EdgeClock

    /// Creates the consumer. `onReading` runs on the consumer thread for every reading
    /// (the live view and, later, the flow engine).
    public init(
        config: AgentConfig, ring: SampleRing, wake: WakeSignal, outbox: Outbox?, logger: Logger,
        engine: FlowEngine? = nil, outputs: OutputController? = nil, clock: any EdgeClock = SystemClock(),
        onReading: @escaping @Sendable (DeviceReading) -> Void
    ) {
        self.engine = engine
        self.outputs = outputs
        self.clock = clock
        self.config = config
        self.ring = ring
        self.wake = wake
        self.outbox = outbox
        self.logger = logger
        self.onReading = onReading
    }

    /// Readings processed so far.
    public var readings: Int { readingCount.load(ordering: .relaxed) }

    /// Starts the consumer thread.
    public func start() throws(FileError) {
        thread = try OwnerThread(name: "pipeline") { [self] in run() }
    }

    /// Stops after draining what is in the ring, flushes the outbox durably, and waits.
    public func stop() {
        stopFlag.store(true, ordering: .releasing)
        wake.signal()
        thread?.join()
        thread = nil
    }

    private func run() {
        var grouper = ReadingGrouper(pointCounts: config.sources.map(\.pointNames.count))
        var lastLevels: [[Double?]] = config.sources.map { Array(repeating: nil, count: $0.pointNames.count) }
        while true {
            let stopping = stopFlag.load(ordering: .acquiring)
            var batch: [DeviceReading] = []
            _ = ring.drain(max: 4096) { sample in
                if let done = grouper.add(sample) { batch.append(done) }
            }
            batch += grouper.flushAll()
            for reading in batch {
                deliver(reading)
                feedEngine(reading, lastLevels: &lastLevels)
            }
            if !batch.isEmpty { flushOutbox(durable: false) }
            engine?.processCompletions()
            let now = clock.monotonicNanoseconds()
            var deadline = now + 200_000_000
            if let next = engine?.advance(nowMonotonic: now) { deadline = min(deadline, next) }
            if let next = outputs?.tick() { deadline = min(deadline, next) }
            if stopping && ring.count == 0 { break }
            wake.wait(timeoutNanoseconds: max(deadline - clock.monotonicNanoseconds(), 1_000_000))
        }
        // Let in-flight actions (an fsync'd harvest, a webhook) report before the final flush.
        for _ in 0..<50 {
            engine?.processCompletions()
            if !wake.wait(timeoutNanoseconds: 20_000_000) { break }
        }
        flushOutbox(durable: true)
    }

    /// Hands a reading to the flows: rows of numbers take the slot path; a GPIO line's change
    /// becomes an edge event `{"line", "name", "value", "edge"}` (its first level is not an edge).
    private func feedEngine(_ reading: DeviceReading, lastLevels: inout [[Double?]]) {
        guard let engine else { return }
        let source = config.sources[reading.source]
        if case .gpio(let inputs) = source.kind {
            for (p, value) in reading.values.enumerated() {
                guard let value else { continue }
                let previous = lastLevels[reading.source][p]
                lastLevels[reading.source][p] = value
                guard let previous, previous != value else { continue }
                let line = inputs.lines[p]
                let payload: JSONValue = [
                    "line": .string(line.line), "name": .string(line.name), "value": .number(value),
                    "edge": .string(value > previous ? "rising" : "falling"),
                ]
                engine.handleDeviceEvent(source: reading.source, timestampNanoseconds: reading.timestamp, payload: payload)
            }
            return
        }
        let values = reading.values.map { $0 ?? .nan }
        let qualities = zip(reading.values, reading.qualities).map { $0 == nil ? SampleQuality.invalid : $1 }
        values.withUnsafeBufferPointer { v in
            qualities.withUnsafeBufferPointer { q in
                engine.handleReading(source: reading.source, timestampNanoseconds: reading.timestamp, values: v, qualities: q)
            }
        }
    }

    private func deliver(_ reading: DeviceReading) {
        readingCount.add(1, ordering: .relaxed)
        outbox?.append(outboxLine(reading))
        onReading(reading)
    }

    private func flushOutbox(durable: Bool) {
        do {
            try outbox?.flush(durable: durable)
        } catch {
            logger.error("outbox write failed", metadata: ["error": "\(error)"])
        }
    }

    /// `{"source":"boiler","ts":1767225600000,"temp":81.5,"quality":{"pressure":"timeout"}}`
    func outboxLine(_ reading: DeviceReading) -> String {
        let source = config.sources[reading.source]
        var object = JSONObject([("source", .string(source.id)), ("ts", .number(Double(reading.timestamp / 1_000_000)))])
        var bad = JSONObject()
        for (i, value) in reading.values.enumerated() {
            guard let value else { continue }
            let quality = reading.qualities[i]
            if quality == .good {
                object[source.pointNames[i]] = .number(value)
            } else {
                bad[source.pointNames[i]] = .string(quality.name)
            }
        }
        if bad.count > 0 { object["quality"] = .object(bad) }
        return JSONValue.object(object).compactJSON
    }
}

/// Groups consecutive samples of one source with the same timestamp into one reading.
struct ReadingGrouper {
    let pointCounts: [Int]
    var pending: [DeviceReading?]

    init(pointCounts: [Int]) {
        self.pointCounts = pointCounts
        pending = Array(repeating: nil, count: pointCounts.count)
    }

    /// Adds a sample; returns the previous reading of its source when this one starts a new one.
    mutating func add(_ sample: Sample) -> DeviceReading? {
        let s = Int(sample.source)
        guard s < pointCounts.count, Int(sample.point) < pointCounts[s] else { return nil }
        var finished: DeviceReading?
        if let current = pending[s], current.timestamp != sample.timestamp {
            finished = current
            pending[s] = nil
        }
        if pending[s] == nil {
            pending[s] = DeviceReading(
                source: s, timestamp: sample.timestamp, values: Array(repeating: nil, count: pointCounts[s]),
                qualities: Array(repeating: .good, count: pointCounts[s]))
        }
        pending[s]?.values[Int(sample.point)] = sample.value
        pending[s]?.qualities[Int(sample.point)] = sample.quality
        return finished
    }

    /// Everything still pending, oldest first.
    mutating func flushAll() -> [DeviceReading] {
        let out = pending.compactMap { $0 }.sorted { $0.timestamp < $1.timestamp }
        pending = Array(repeating: nil, count: pointCounts.count)
        return out
    }
}
