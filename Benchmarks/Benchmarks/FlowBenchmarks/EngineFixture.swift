import EdgeCore
import EdgeFlux
import Logging

/// A `FlowEngine` running one app on one `device` source with the rule's four points: every
/// reading is reported (`.every`) to a channel whose `log` actions each have a condition.
/// The inputs are chosen so no condition holds, so no action runs: the figure is the routing
/// and judging of a reading, which is what every sample pays.
enum EngineFixture {
    struct SetupError: Error, CustomStringConvertible {
        var description: String
    }

    /// An engine whose channel has one action per entry of `conditions`.
    static func engine(conditions: [String]) throws(SetupError) -> FlowEngine {
        let here = SourceLocation(file: "benchmark-app", line: 1, column: 1)
        func text(_ value: String, _ path: String) -> LocatedText { LocatedText(value, at: here, path: path) }
        let source = AppEventSource(
            id: "plc", kind: .device(source: "plc", report: .every), payload: .null,
            channelId: text("readings", "eventSources[0].channelId"))
        var actions: [AppAction] = []
        for (index, condition) in conditions.enumerated() {
            actions.append(AppAction(
                actionId: "alarm\(index)", channelId: text("readings", "actions[\(index)].channelId"),
                name: "alarm \(index)", enabled: true, condition: text(condition, "actions[\(index)].condition"),
                type: "log", config: .object(JSONObject()), configLocation: nil, output: nil))
        }
        let app = AppDocument(
            appId: "benchmark", name: "benchmark", dialect: 1,
            channels: [AppChannel(channelId: "readings", name: "readings")], eventSources: [source], actions: actions)
        let logger = Logger(label: "benchmark", factory: { _ in SwiftLogNoOpLogHandler() })
        let (flows, diagnostics) = FlowCompiler.compile(
            apps: [app], sources: [FlowSourceInfo(id: "plc", resourceType: "modbus", pointNames: rulePoints)],
            handlers: .builtIn(logger: logger))
        guard let flows else {
            throw SetupError(description: "the app does not compile: \(diagnostics.map(\.description))")
        }
        return FlowEngine(flows: flows, clock: SystemClock(), logger: logger)
    }

    /// Actions that ran since the engine started, over all actions.
    static func ran(_ engine: FlowEngine) -> UInt64 {
        engine.counters.actions.reduce(0) { $0 + $1.ran.value }
    }
}
