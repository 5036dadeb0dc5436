import EdgeCore
import EdgeFlux
import Logging
import Synchronization
import Testing

/// The built-in actions and the dry-run stand-in.
@Suite struct FlowActionTests {
    @Test func logWritesTheRenderedMessageThroughTheInjectedLogger() throws {
        let capture = CapturedLog()
        let logger = Logger(label: "flows", factory: { _ in capture })
        let app = try #require(loadApp(
            #"""
            {"appId": "logs", "channels": [{"channelId": "in"}, {"channelId": "out"}],
             "eventSources": [{"id": "m", "type": "manual", "channelId": "in"}],
             "actions": [{"actionId": "say", "channelId": "in", "type": "log",
                          "config": {"level": "warning", "message": "temp is ${payload.t}"},
                          "output": {"enabled": true, "channelId": "out"}},
                         {"actionId": "raw", "channelId": "in", "type": "log"},
                         {"actionId": "sink", "channelId": "out", "type": "harvest"}]}
            """#))
        var handlers = FlowActionRegistry.builtIn(logger: logger)
        let sink = RecordingHandler()
        handlers.register("harvest", sink)
        let flows = try #require(compileFlows([app], handlers: handlers))
        let engine = FlowEngine(flows: flows, clock: ManualClock(), logger: quietLogger)
        try engine.inject(target: "m", payload: ["t": 21.5])
        #expect(capture.lines == ["warning temp is 21.5 say", "info {\"t\":21.5} raw"])
        // `log` has no result, so its output republishes nothing.
        #expect(sink.invocations.isEmpty)
        #expect(engine.stats.action("say")?.ran == 1)
    }

    @Test func aDryRunStandsInForActionsThatTouchTheWorld() throws {
        let app = try #require(loadApp(
            #"""
            {"appId": "dry", "channels": [{"channelId": "in"}, {"channelId": "out"}],
             "eventSources": [{"id": "m", "type": "manual", "channelId": "in"}],
             "actions": [{"actionId": "hook", "channelId": "in", "type": "webhook",
                          "config": {"url": "http://x/${payload.id}"},
                          "output": {"enabled": true, "channelId": "out"}},
                         {"actionId": "relay", "channelId": "out", "type": "republish"}]}
            """#))
        let real = RecordingHandler()
        let dryRun = DryRunHandler()
        let handlers = registry(["webhook": real]).replacingForDryRun(dryRun)
        #expect(handlers.types == knownActionTypes.sorted())
        let flows = try #require(compileFlows([app], handlers: handlers))
        let (engine, log) = makeEngine(flows)
        try engine.inject(target: "m", payload: ["id": 7])
        #expect(real.invocations.isEmpty)
        #expect(dryRun.invocations.map(\.config) == [["url": "http://x/7"]])
        let expected: JSONValue = ["dryRun": true, "type": "webhook", "config": ["url": "http://x/7"]]
        #expect(log.republished(to: "out") == [expected])
        #expect(log.entries.contains { $0.actionId == "relay" && $0.outcome == .ran(result: expected) })
    }

    @Test func aDryRunStillValidatesWithTheRealHandler() throws {
        let app = try #require(loadApp(
            #"""
            {"appId": "dry", "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "m", "type": "manual", "channelId": "in"}],
             "actions": [{"actionId": "hook", "channelId": "in", "type": "webhook", "config": {"nope": 1}}]}
            """#))
        let strict = StrictHandler()
        let handlers = registry(["webhook": strict]).replacingForDryRun(DryRunHandler())
        let found = diagnostics([app], handlers: handlers)
        #expect(found.map(\.path) == ["actions[0].config.nope"])
    }
}

/// A handler whose config takes no fields.
struct StrictHandler: FlowActionHandler {
    func validate(config: JSONValue, path: String) -> [FlowConfigIssue] {
        FlowConfigCheck.fields(config, path, allowed: [])
    }

    func start(_ invocation: ActionInvocation, complete: @escaping @Sendable (ActionResult) -> Void) {
        complete(.success(nil))
    }
}

/// A log handler keeping `level message actionId` lines.
final class CapturedLog: LogHandler, @unchecked Sendable {
    private let storage = Mutex<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    var lines: [String] { storage.withLock { $0 } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let action = event.metadata?["actionId"].map { "\($0)" } ?? "-"
        storage.withLock { $0.append("\(event.level) \(event.message) \(action)") }
    }
}
