import EdgeConfig
import EdgeCore
import EdgeFlux
import Logging
import Synchronization
import Testing

/// A logger that drops everything, so tests do not write to stderr.
let quietLogger = Logger(label: "flow-test", factory: { _ in SwiftLogNoOpLogHandler() })

/// Loads one app document written in a test (JSON or YAML); a structural error is a test bug.
func loadApp(
    _ text: String, file: String = "app.json", sourceLocation: Testing.SourceLocation = #_sourceLocation
) -> AppDocument? {
    let (document, diagnostics) = AppLoader.parse(text: text, file: file)
    if document == nil {
        Issue.record("test app does not load: \(diagnostics.map(\.description))", sourceLocation: sourceLocation)
    }
    return document
}

/// A device source with the given points.
func modbusSource(_ id: String, _ points: [String]) -> FlowSourceInfo {
    FlowSourceInfo(id: id, resourceType: "modbus", pointNames: points)
}

/// Built-in handlers plus `extra` ones by type.
func registry(_ extra: [String: any FlowActionHandler] = [:]) -> FlowActionRegistry {
    var registry = FlowActionRegistry.builtIn(logger: quietLogger)
    for (type, handler) in extra { registry.register(type, handler) }
    return registry
}

/// Compiles apps expected to compile; errors are recorded as test failures.
func compileFlows(
    _ apps: [AppDocument], sources: [FlowSourceInfo] = [], handlers: FlowActionRegistry = registry(),
    options: FlowOptions = FlowOptions(), sourceLocation: Testing.SourceLocation = #_sourceLocation
) -> CompiledFlows? {
    let (flows, diagnostics) = FlowCompiler.compile(apps: apps, sources: sources, handlers: handlers, options: options)
    if flows == nil {
        Issue.record("apps do not compile: \(diagnostics.map(\.description))", sourceLocation: sourceLocation)
    }
    return flows
}

/// Diagnostics of apps expected to have problems.
func diagnostics(
    _ apps: [AppDocument], sources: [FlowSourceInfo] = [], handlers: FlowActionRegistry = registry()
) -> [Diagnostic] {
    FlowCompiler.compile(apps: apps, sources: sources, handlers: handlers).diagnostics
}

/// A handler that completes at once with a fixed result and records what it was given.
final class RecordingHandler: FlowActionHandler {
    private let recorded = Mutex<[ActionInvocation]>([])
    private let result: @Sendable (ActionInvocation) -> ActionResult

    init(result: @escaping @Sendable (ActionInvocation) -> ActionResult = { .success($0.payload) }) {
        self.result = result
    }

    var invocations: [ActionInvocation] { recorded.withLock { $0 } }
    var payloads: [JSONValue] { invocations.map(\.payload) }

    func start(_ invocation: ActionInvocation, complete: @escaping @Sendable (ActionResult) -> Void) {
        recorded.withLock { $0.append(invocation) }
        complete(result(invocation))
    }
}

/// A handler that holds every invocation until the test completes it, like a slow webhook.
final class HeldHandler: FlowActionHandler {
    struct Held {
        var invocation: ActionInvocation
        var complete: @Sendable (ActionResult) -> Void
    }

    private let held = Mutex<[Held]>([])

    var pending: [ActionInvocation] { held.withLock { $0.map(\.invocation) } }

    func start(_ invocation: ActionInvocation, complete: @escaping @Sendable (ActionResult) -> Void) {
        held.withLock { $0.append(Held(invocation: invocation, complete: complete)) }
    }

    /// Completes the oldest held invocation (as the handler's own thread would); false if none.
    @discardableResult
    func completeOldest(with result: ActionResult? = nil) -> Bool {
        let next = held.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        guard let next else { return false }
        next.complete(result ?? .success(next.invocation.payload))
        return true
    }
}

/// Counts `wake` calls.
final class WakeCounter: Sendable {
    private let count = Atomic<Int>(0)
    var value: Int { count.load(ordering: .relaxed) }
    func wake() { count.add(1, ordering: .relaxed) }
}

/// Collects traces.
final class TraceLog {
    var entries: [FlowTrace] = []

    /// The payloads republished to `channel`, in order.
    func republished(to channel: String) -> [JSONValue] {
        entries.compactMap { entry in
            guard entry.outputChannelId == channel, case .republished(let payload, _) = entry.outcome else {
                return nil
            }
            return payload
        }
    }
}

/// An engine on a manual clock with traces collected.
func makeEngine(_ flows: CompiledFlows, clock: ManualClock = ManualClock(), wake: WakeCounter? = nil) -> (
    FlowEngine, TraceLog
) {
    let engine = FlowEngine(flows: flows, clock: clock, logger: quietLogger, wake: { wake?.wake() })
    let log = TraceLog()
    engine.onTrace = { log.entries.append($0) }
    return (engine, log)
}

/// Feeds one reading through `handleReading`.
func feed(
    _ engine: FlowEngine, source: Int = 0, at timestamp: Int64 = 1_767_225_600_000_000_000, _ values: [Double],
    qualities: [SampleQuality]? = nil
) {
    let qualities = qualities ?? Array(repeating: .good, count: values.count)
    values.withUnsafeBufferPointer { v in
        qualities.withUnsafeBufferPointer { q in
            engine.handleReading(source: source, timestampNanoseconds: timestamp, values: v, qualities: q)
        }
    }
}
