import EdgeConfig
import EdgePipeline
public import EdgeCore
public import EdgeFlux
public import Logging
import Synchronization

/// `edgeflow flow test`: runs a config's apps once on injected messages and reports, hop by
/// hop, which actions ran, what they returned and what was republished where. Actions that
/// act on the world (webhook, outputs, spool) are replaced by a dry run unless `live`.
public enum FlowTester {
    /// What to print and the exit code.
    public struct Report: Sendable {
        /// Standard output.
        public var output: String
        /// Standard error.
        public var errors: String
        /// 0 ran, 2 bad config or injection.
        public var exitCode: Int32
        /// The same outcome for `--json`: each injection with its hops, and the totals (null when
        /// nothing ran).
        public var json: JSONValue = .null
    }

    /// Parses `TARGET=JSON` (the first `=` splits).
    public static func parseInjection(_ text: String) -> Result<(target: String, payload: JSONValue), FlowInjectError> {
        guard let equals = text.firstIndex(of: "=") else {
            return .failure(FlowInjectError(message: "--inject '\(text)' has no '='", hint: "write TARGET=JSON, e.g. boiler='{\"temp\": 95}'"))
        }
        let target = String(text[..<equals])
        let json = String(text[text.index(after: equals)...])
        guard !target.isEmpty else {
            return .failure(FlowInjectError(message: "--inject '\(text)' names no target", hint: "an event source, channel or source id"))
        }
        do {
            return .success((target, try JSONValue.parse(json)))
        } catch {
            return .failure(FlowInjectError(message: "--inject \(target): the payload is not valid JSON: \(error)", hint: nil))
        }
    }

    /// Compiles `file`, injects each message, waits (bounded by `waitSeconds`) for actions to
    /// finish, and renders the trace.
    public static func run(file: String, injections: [String], live: Bool, waitSeconds: Double = 10, logger: Logger) -> Report {
        var errors: [String] = []
        let (plan, diagnostics) = AgentCompiler.compile(file: file, logger: logger)
        errors += diagnostics.map(\.description)
        guard let plan else {
            return Report(output: "", errors: errors.joined(separator: "\n"), exitCode: 2)
        }
        var parsed: [(target: String, payload: JSONValue)] = []
        var bad: [String] = []
        for text in injections {
            switch parseInjection(text) {
            case .success(let p): parsed.append(p)
            case .failure(let e): bad.append("error: \(e)")
            }
        }
        if injections.isEmpty { bad.append("error: nothing to inject; pass --inject TARGET=JSON") }
        guard bad.isEmpty else {
            return Report(output: "", errors: (errors + bad).joined(separator: "\n"), exitCode: 2)
        }
        let config = plan.config
        let clock = SystemClock()
        let dryRun = DryRunHandler()
        var resources: ActionResources?
        var fileRecording: FileRecording?
        if live {
            do {
                // No hardware is opened here: an output write fails honestly instead of pretending.
                let refusing = RefusingDriver(reason: "flow test does not drive outputs; run the agent to drive them")
                let drivers = Dictionary(uniqueKeysWithValues: config.outputs.map { ($0.id, refusing as any OutputDriver) })
                let outputs = OutputController(outputs: config.outputs, drivers: drivers, clock: clock, logger: logger)
                outputs.assumeSafeValuesConfirmed()
                let recording = try FileRecording(
                    directory: config.agent.dataDir, sources: config.sources.map { ($0.id, $0.pointNames) },
                    logger: logger)
                fileRecording = recording
                let recorder = recording.recorder
                let ai = config.ai == nil ? nil : try AIResources.make(config: config, clock: clock, logger: logger)
                resources = ActionResources(workers: try BlockingWorkers(count: 2), recorder: recorder, outputs: outputs, ai: ai)
            } catch {
                return Report(output: "", errors: "error: \(error)", exitCode: 1)
            }
        }
        defer {
            resources?.workers.stop()
            resources?.ai?.stop()
            fileRecording?.stop()
        }
        var registry = AgentCompiler.actionRegistry(config: config, resources: resources, clock: clock, logger: logger)
        // Without --live an ai action answers with its fallback and never calls the model.
        if !live { registry = registry.replacingForDryRun(dryRun, keeping: ["republish", "log", "ai"]) }
        let inFlight = InFlight()
        registry = inFlight.wrapping(registry)
        let (flows, flowDiagnostics) = AgentCompiler.compileFlows(config: config, registry: registry)
        guard let flows else {
            return Report(output: "", errors: flowDiagnostics.map(\.description).joined(separator: "\n"), exitCode: 2)
        }
        let wake = WakeSignal()
        let engine = FlowEngine(flows: flows, clock: clock, logger: logger) { wake.signal() }
        let lines = Mutex<[String]>([])
        engine.onTrace = { trace in lines.withLock { $0.append(render(trace)) } }
        var out: [String] = []
        var injected: [JSONValue] = []
        for (target, payload) in parsed {
            out.append("inject \(target) = \(payload.compactJSON)")
            let before = lines.withLock { $0.count }
            do {
                let named = config.apps.contains { app in
                    app.document.eventSources.contains { $0.id == target }
                        || app.document.channels.contains { $0.channelId == target }
                }
                if named || target.contains("/") {
                    try engine.inject(target: target, payload: payload)
                } else if let index = config.sources.firstIndex(where: { $0.id == target }) {
                    engine.handleDeviceEvent(source: index, timestampNanoseconds: clock.wallNanoseconds(), payload: payload)
                } else {
                    try engine.inject(target: target, payload: payload)
                }
            } catch {
                return Report(output: out.joined(separator: "\n"), errors: "error: \(error)", exitCode: 2)
            }
            // Asynchronous handlers report through the inbox; wait until the trace stops growing.
            let deadline = clock.monotonicNanoseconds() + Int64(waitSeconds * 1e9)
            // Asynchronous handlers report through the inbox: wait (bounded) until none is in flight.
            engine.processCompletions()
            while clock.monotonicNanoseconds() < deadline && inFlight.count > 0 {
                wake.wait(timeoutNanoseconds: 20_000_000)
                engine.processCompletions()
            }
            engine.processCompletions()  // a completion posted just before the count reached zero
            if inFlight.count > 0 { out.append("  (\(inFlight.count) action(s) still running after \(JSONValue.formatNumber(waitSeconds))s)") }
            let produced = lines.withLock { Array($0[before...]) }
            out += produced.isEmpty ? ["  (no action ran)"] : produced
            injected.append(.object(JSONObject([
                (key: "target", value: .string(target)), (key: "payload", value: payload),
                (key: "hops", value: .array(produced.map { .string($0.trimmingSpaces()) })),
                (key: "stillRunning", value: .number(Double(inFlight.count))),
            ])))
        }
        let stats = engine.stats
        let ran = stats.actions.reduce(0) { $0 + $1.ran }
        let failed = stats.actions.reduce(0) { $0 + $1.failed }
        out.append("\(ran) action run\(ran == 1 ? "" : "s"), \(failed) failed\(live ? "" : " (dry run: webhook, slack, harvest, gpio-write and modbus-write did not act and ai answered with its fallback; --live runs them)")")
        let json = JSONValue.object(JSONObject([
            (key: "injections", value: .array(injected)), (key: "actionsRan", value: .number(Double(ran))),
            (key: "actionsFailed", value: .number(Double(failed))), (key: "dryRun", value: .bool(!live)),
        ]))
        return Report(
            output: out.joined(separator: "\n"), errors: errors.joined(separator: "\n"), exitCode: 0, json: json)
    }

    static func short(_ value: JSONValue) -> String {
        let text = value.compactJSON
        return text.count > 200 ? String(text.prefix(197)) + "..." : text
    }

    static func render(_ trace: FlowTrace) -> String {
        let head = "  hop \(trace.hop + 1)  \(trace.appId)/\(trace.actionId)  [\(trace.inputChannelId)]"
        switch trace.outcome {
        case .ran(let result): return "\(head) ran" + (result.map { ": \(short($0))" } ?? "")
        case .failed(let f): return "\(head) failed (\(f.kind)): \(f.message)"
        case .republished(let payload, let delay):
            return "\(head) -> [\(trace.outputChannelId ?? "?")]\(delay > 0 ? " after \(delay)s" : ""): \(short(payload))"
        case .refused(let reason): return "\(head) refused: \(reason)"
        case .dropped: return "\(head) dropped: queue full"
        case .conditionError(let value): return "\(head) condition is \(value.compactJSON), not a boolean"
        }
    }
}

/// Counts invocations that have started but not completed, so `flow test` waits exactly as
/// long as the actions take (bounded by its deadline).
final class InFlight: Sendable {
    private let value = Atomic<Int>(0)

    var count: Int { value.load(ordering: .acquiring) }

    func wrapping(_ registry: FlowActionRegistry) -> FlowActionRegistry {
        var out = FlowActionRegistry()
        for type in registry.types {
            if let handler = registry.handler(for: type) { out.register(type, Counting(inner: handler, inFlight: self)) }
        }
        return out
    }

    struct Counting: FlowActionHandler {
        let inner: any FlowActionHandler
        let inFlight: InFlight

        func validate(config: JSONValue, path: String) -> [FlowConfigIssue] { inner.validate(config: config, path: path) }

        func start(_ invocation: ActionInvocation, complete: @escaping @Sendable (ActionResult) -> Void) {
            inFlight.value.add(1, ordering: .acquiringAndReleasing)
            let counter = inFlight
            inner.start(invocation) { result in
                complete(result)
                counter.value.subtract(1, ordering: .acquiringAndReleasing)
            }
        }
    }
}

/// An output driver that drives nothing and says why.
struct RefusingDriver: OutputDriver {
    let reason: String

    func drive(
        _ output: OutputConfig, value: Double, completion: @escaping @Sendable (Result<Void, OutputDriveError>) -> Void
    ) {
        completion(.failure(OutputDriveError(reason)))
    }
}
