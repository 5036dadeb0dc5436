import EdgeConfig
import EdgeCore
import EdgeFlux
import EdgePipeline
import EdgeTestSupport
import Synchronization
import Testing

/// Records every invocation's payload and context.
final class SinkHandler: FlowActionHandler {
    private let seen = Mutex<[(payload: JSONValue, context: JSONValue)]>([])
    func start(_ invocation: ActionInvocation, complete: @escaping @Sendable (ActionResult) -> Void) {
        seen.withLock { $0.append((invocation.payload, invocation.context)) }
        complete(.success(nil))
    }
    var payloads: [JSONValue] { seen.withLock { $0.map(\.payload) } }
    var contexts: [JSONValue] { seen.withLock { $0.map(\.context) } }
}

/// The consumer thread for real: frames from the ring reach the recorder, `onFrame` and the
/// flow engine, and a GPIO source's level changes become edge events filtered by each line's `edge`.
struct PipelineTests {
    static let root = Files.directory(of: Files.directory(of: Files.directory(of: #filePath)))

    func makeConfig() throws -> AgentConfig {
        let text = """
            agent: {data_dir: /tmp}
            boards_dir: \(Self.root)/boards
            board: sim
            sources:
              - id: door
                type: gpio
                lines:
                  - {line: GPIO17, name: door, edge: rising}
                  - {line: GPIO22, name: window}
                  - {line: GPIO23, name: gate, edge: none}
            """
        let compilation = ConfigCompiler.compile(text: text, file: "\(Self.root)/config/pipeline-test.yaml")
        return try #require(compilation.config, "\(compilation.diagnostics.map(\.description))")
    }

    func engine(_ config: AgentConfig, sink: SinkHandler, wake: WakeSignal) throws -> FlowEngine {
        let (app, appDiagnostics) = AppLoader.parse(
            text: #"""
                {"appId": "edges", "channels": [{"channelId": "in"}],
                 "eventSources": [{"id": "gpio", "type": "device", "source": "door", "report": "every", "channelId": "in"}],
                 "actions": [{"actionId": "sink", "channelId": "in", "type": "harvest"}]}
                """#, file: "edges.json")
        let document = try #require(app, "\(appDiagnostics.map(\.description))")
        var registry = FlowActionRegistry.builtIn(logger: quietLogger)
        registry.register("harvest", sink)  // app files name known action types; the sink stands in
        // GPIO sources show flows their events' fields, not their lines.
        let sources = [FlowSourceInfo(id: "door", resourceType: "gpio", pointNames: ["line", "name", "value", "edge"])]
        let (flows, diagnostics) = FlowCompiler.compile(apps: [document], sources: sources, handlers: registry)
        let compiled = try #require(flows, "\(diagnostics.map(\.description))")
        return FlowEngine(flows: compiled, clock: SystemClock(), logger: quietLogger) { wake.signal() }
    }

    @Test func gpioLevelChangesBecomeEdgeEventsFilteredByEachLinesEdgeSetting() throws {
        let config = try makeConfig()
        let dir = try TemporaryDirectory(prefix: "edgeflow-pipeline")
        let ring = try SampleRing(capacity: 256)
        let wake = WakeSignal()
        let sink = SinkHandler()
        let recording = try FileRecording(directory: dir.path, sources: config.sources.map { ($0.id, $0.pointNames) }, logger: quietLogger)
        defer { recording.stop() }
        let recorder = recording.recorder
        let seenFrames = Atomic<Int>(0)
        let frameSignal = WakeSignal()
        let pipeline = Pipeline(
            config: config, ring: ring, wake: wake, recorder: recorder, logger: quietLogger,
            engine: try engine(config, sink: sink, wake: wake)
        ) { frame in
            // Counted here, checked on the test's thread.
            seenFrames.add(frame.source == 0 ? 1 : 1000, ordering: .relaxed)
            frameSignal.signal()
        }
        // door (rising only), window (both), gate (none); a frame holds the lines that changed.
        func s(_ p: UInt16, _ v: Double, _ q: SampleQuality = .good) -> Sample {
            Sample(source: 0, point: p, timestamp: 0, value: v, quality: q)
        }
        let second: Int64 = 1_000_000_000
        ring.pushFrame([s(0, 0), s(1, 0), s(2, 0)], timestamp: 1 * second)  // first levels: no edges
        ring.pushFrame([s(0, 1), s(1, 1)], timestamp: 2 * second)  // door rising, window rising
        ring.pushFrame([s(0, 0), s(2, 1)], timestamp: 3 * second)  // door falling (filtered), gate (none)
        ring.pushFrame([s(0, 1), s(1, 0)], timestamp: 4 * second)  // door rising, window falling
        ring.pushFrame([s(1, .nan, .deviceError), s(2, 0)], timestamp: 5 * second)  // failed read: no edge
        ring.pushFrame([s(1, 0)], timestamp: 6 * second)  // window still 0 after the failed read: no edge
        try pipeline.start()
        let deadline = MonotonicDeadline(after: 10_000_000_000)
        while pipeline.frames < 6 && deadline.remaining > 0 {
            frameSignal.wait(timeoutNanoseconds: deadline.remaining)
        }
        pipeline.stop()
        #expect(pipeline.frames == 6)
        #expect(seenFrames.load(ordering: .relaxed) == 6)
        #expect(pipeline.partialFrames == 0)
        #expect(sink.payloads == [
            ["line": "GPIO17", "name": "door", "value": 1, "edge": "rising"],
            ["line": "GPIO22", "name": "window", "value": 1, "edge": "rising"],
            ["line": "GPIO17", "name": "door", "value": 1, "edge": "rising"],
            ["line": "GPIO22", "name": "window", "value": 0, "edge": "falling"],
        ])
        #expect(sink.contexts.map { $0["timestamp"].numberValue } == [2000, 2000, 4000, 4000])
        // Every frame was recorded (GPIO lines have no deadband), durably by stop().
        let lines = try Files.readText(recording.file.path).split(separator: "\n").map(String.init)
        #expect(lines == [
            #"{"seq":1,"kind":"frame","source":"door","ts":1000,"points":{"door":0,"window":0,"gate":0}}"#,
            #"{"seq":2,"kind":"frame","source":"door","ts":2000,"points":{"door":1,"window":1}}"#,
            #"{"seq":3,"kind":"frame","source":"door","ts":3000,"points":{"door":0,"gate":1}}"#,
            #"{"seq":4,"kind":"frame","source":"door","ts":4000,"points":{"door":1,"window":0}}"#,
            #"{"seq":5,"kind":"frame","source":"door","ts":5000,"points":{"gate":0},"quality":{"window":"device-error"}}"#,
            #"{"seq":6,"kind":"frame","source":"door","ts":6000,"points":{"window":0}}"#,
        ])
    }

    @Test func stopDrainsWhatIsInTheRingAndDiscardsPartialFrames() throws {
        let config = try makeConfig()
        let ring = try SampleRing(capacity: 64)
        let pipeline = Pipeline(config: config, ring: ring, wake: WakeSignal(), recorder: nil, logger: quietLogger)
        // A frame whose start the ring dropped, then two whole ones.
        ring.push(Sample(source: 0, point: 1, timestamp: 5, value: 1, flags: .frameEnd))
        ring.pushFrame([Sample(source: 0, point: 0, timestamp: 0, value: 1)], timestamp: 6)
        ring.pushFrame([Sample(source: 0, point: 2, timestamp: 0, value: 1)], timestamp: 7)
        try pipeline.start()
        pipeline.stop()
        #expect(ring.count == 0)
        #expect(pipeline.frames == 2)
        #expect(pipeline.partialFrames == 1)
    }
}
