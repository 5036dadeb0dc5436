public import EdgeConfig
public import EdgeCore
public import EdgeFlux
public import Logging
import Synchronization

/// The ring's single consumer: on its own thread it rebuilds frames from the ring and hands
/// each complete frame, once, to the flow engine, the recorder and the live view. It also runs
/// the engine's timers and completions and the outputs' hold timers.
public final class Pipeline: @unchecked Sendable {
    // @unchecked: `thread` is touched only by start/stop (the lifecycle, one caller at a time);
    // everything the consumer thread owns is used by that thread alone.
    private let config: AgentConfig
    private let ring: SampleRing
    private let wake: WakeSignal
    private let recorder: (any Recorder)?
    private let texts: FrameTexts
    private let logger: Logger
    private let onFrame: (FrameView) -> Void
    private let stopFlag = Atomic<Bool>(false)
    private var thread: OwnerThread?
    private let frameCount = Atomic<Int>(0)
    private let partialCount = Atomic<Int>(0)
    private let loopCount = Atomic<Int>(0)
    private let engine: FlowEngine?
    private let outputs: OutputController?
    private let clock: any EdgeClock
    private let gpio: [GPIOInputs?]
    /// Per source: where each counted line's `_count` point is.
    private let counterPoints: [[Int: Int]]
    private let hasText: [Bool]
    /// Per source (config order): what the pipeline saw of it, for status and health.
    public let activity: [SourceActivity]

    /// Creates the consumer. `onFrame` runs on the consumer thread for every frame (the live
    /// view); the view it gets is valid only during the call. `texts` carries string points'
    /// text from the owner threads.
    public init(
        config: AgentConfig, ring: SampleRing, wake: WakeSignal, recorder: (any Recorder)?, logger: Logger,
        engine: FlowEngine? = nil, outputs: OutputController? = nil, clock: any EdgeClock = SystemClock(),
        texts: FrameTexts = FrameTexts(), onFrame: @escaping @Sendable (FrameView) -> Void = { _ in }
    ) {
        self.engine = engine
        self.outputs = outputs
        self.clock = clock
        self.config = config
        self.ring = ring
        self.wake = wake
        self.recorder = recorder
        self.texts = texts
        self.logger = logger
        self.onFrame = onFrame
        gpio = config.sources.map { if case .gpio(let g) = $0.kind { g } else { nil } }
        counterPoints = gpio.map { $0?.counterPoints ?? [:] }
        hasText = config.sources.map(\.hasStringPoints)
        activity = config.sources.map { _ in SourceActivity() }
    }

    /// Frames delivered so far.
    public var frames: Int { frameCount.load(ordering: .relaxed) }
    /// Frames discarded because the ring's drop policy took part of them.
    public var partialFrames: Int { partialCount.load(ordering: .relaxed) }

    /// Turns of the consumer loop so far. The loop wakes at least every 200 ms even when idle,
    /// so a counter that stops moving means the consumer is stuck (systemd's watchdog uses it).
    public var heartbeat: Int { loopCount.load(ordering: .relaxed) }

    /// Starts the consumer thread.
    public func start() throws(FileError) {
        thread = try OwnerThread(name: "pipeline") { [self] in run() }
    }

    /// Stops after draining what is in the ring, lets in-flight actions report, flushes the
    /// recorder durably, and waits for the thread.
    public func stop() {
        stopFlag.store(true, ordering: .releasing)
        wake.signal()
        thread?.join()
        thread = nil
    }

    private func run() {
        let ring = ring
        let assembler = FrameAssembler(pointCounts: config.sources.map(\.pointNames.count)) { ring.droppedCount }
        let deadbands = DeadbandFilter(bands: config.sources.map(\.pointDeadbands))
        var levels: [[Double?]] = config.sources.map { Array(repeating: nil, count: $0.pointNames.count) }
        var edgeLatency = LatencyHistogram()
        while true {
            loopCount.add(1, ordering: .relaxed)
            let stopping = stopFlag.load(ordering: .acquiring)
            var delivered = false
            _ = ring.drain(max: 4096) { sample in
                guard let source = assembler.add(sample) else { return }
                let text = hasText[source] ? (texts.take(source: source, timestamp: sample.timestamp) ?? []) : []
                assembler.withFrame(source: source, texts: text, deadbands: deadbands) { frame in
                    deliver(frame, levels: &levels, edgeLatency: &edgeLatency)
                }
                delivered = true
            }
            partialCount.store(Int(assembler.partialFrames), ordering: .relaxed)
            if delivered { flushRecorder(durable: false) }
            engine?.processCompletions()
            let now = clock.monotonicNanoseconds()
            var deadline = now + 200_000_000
            if let next = engine?.advance(nowMonotonic: now) { deadline = min(deadline, next) }
            if let next = outputs?.tick() { deadline = min(deadline, next) }
            if stopping && ring.count == 0 { break }
            wake.wait(timeoutNanoseconds: max(deadline - clock.monotonicNanoseconds(), 1_000_000))
        }
        // Let in-flight actions (a harvest append, a webhook) report before the final flush.
        let settle = MonotonicDeadline(after: 1_000_000_000)
        while engine?.hasPendingWork == true && settle.remaining > 0 {
            engine?.processCompletions()
            wake.wait(timeoutNanoseconds: min(settle.remaining, 20_000_000))
        }
        engine?.processCompletions()
        flushRecorder(durable: true)
        if let p50 = edgeLatency.percentile(0.5), let p99 = edgeLatency.percentile(0.99) {
            logger.info(
                "gpio edge to flow engine",
                metadata: ["edges": "\(edgeLatency.count)", "p50_us": "\(Int(p50))", "p99_us": "\(Int(p99))"])
        }
    }

    private func deliver(_ frame: FrameView, levels: inout [[Double?]], edgeLatency: inout LatencyHistogram) {
        frameCount.add(1, ordering: .relaxed)
        if frame.source < activity.count {
            activity[frame.source].note(frame, monotonicNow: clock.monotonicNanoseconds())
        }
        recorder?.record(frame)
        onFrame(frame)
        feedEngine(frame, levels: &levels, edgeLatency: &edgeLatency)
    }

    /// Hands a frame to the flows: rows of numbers take the slot path; a GPIO line's change
    /// becomes an edge event `{"line", "name", "value", "edge"}` (its first level is not an edge,
    /// and the line's `edge` setting picks which edges are events); a source with string points
    /// takes the JSON path so its texts arrive as strings.
    private func feedEngine(_ frame: FrameView, levels: inout [[Double?]], edgeLatency: inout LatencyHistogram) {
        guard let engine else { return }
        if let inputs = gpio[frame.source] {
            // Points past the lines are pulse counts and rates: they ride along with their
            // line's edge event, and a frame holding only them is recorded but is no event.
            for p in 0..<min(frame.count, inputs.lines.count) where frame.qualities[p] == .good {
                let value = frame.values[p]
                let previous = levels[frame.source][p]
                levels[frame.source][p] = value
                guard let previous, previous != value else { continue }
                let line = inputs.lines[p]
                let rising = value > previous
                switch line.edge {
                case "rising" where !rising, "falling" where rising, "none": continue
                default: break
                }
                var payload = JSONObject([
                    ("line", .string(line.line)), ("name", .string(line.name)), ("value", .number(value)),
                    ("edge", .string(rising ? "rising" : "falling")),
                ])
                if let c = counterPoints[frame.source][p], c + 1 < frame.count, frame.qualities[c] == .good {
                    payload["count"] = .number(frame.values[c])
                    payload["rate"] = .number(frame.values[c + 1])
                }
                // The frame carries the kernel's edge time: how long the edge took to reach the
                // engine (performance.md P11), less the debounce wait the line asked for,
                // recorded without allocating, logged at stop.
                edgeLatency.record(nanoseconds: clock.wallNanoseconds() - frame.timestamp - line.debounceNanoseconds)
                engine.handleDeviceEvent(source: frame.source, timestampNanoseconds: frame.timestamp, payload: .object(payload))
            }
            return
        }
        if hasText[frame.source] {
            let names = config.sources[frame.source].pointNames
            var payload = JSONObject()
            var quality = JSONObject()
            for p in 0..<frame.count {
                switch frame.qualities[p] {
                case .good:
                    payload[names[p]] = frame.text(at: p).map(JSONValue.string) ?? .number(frame.values[p])
                case .absent:
                    continue
                default:
                    quality[names[p]] = .string(frame.qualities[p].name)
                }
            }
            engine.handleDeviceEvent(
                source: frame.source, timestampNanoseconds: frame.timestamp, payload: .object(payload), quality: quality)
            return
        }
        engine.handleReading(
            source: frame.source, timestampNanoseconds: frame.timestamp, values: frame.values, qualities: frame.qualities)
    }

    private func flushRecorder(durable: Bool) {
        do {
            try recorder?.flush(durable: durable)
        } catch {
            logger.error("recording failed", metadata: ["error": "\(error)"])
        }
    }
}
