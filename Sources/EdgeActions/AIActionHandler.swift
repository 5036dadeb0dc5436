public import EdgeAI
public import EdgeConfig
public import EdgeCore
import EdgeFlux
import EdgePipeline
public import Logging
import Synchronization

/// What `ai` actions run on: the endpoints with their bounds, their own worker threads (so a
/// stalled endpoint holds up only AI calls, docs/safety.md S1) and the audit log (S11).
public struct AIResources: Sendable {
    /// The endpoints at run time; `snapshot()` is their status.
    public var endpoints: AIEndpoints
    /// Threads that make the calls.
    public var workers: BlockingWorkers
    /// Where each run is recorded; nil only in tests that do not audit.
    public var audit: AIAuditLog?
    /// The agent's data directory: the approval queue lives under it.
    public var dataDir: String
    /// Set when the agent stops: queued requests are not sent any more.
    let stopping = StopFlag()

    /// Bundles the resources.
    public init(endpoints: AIEndpoints, workers: BlockingWorkers, audit: AIAuditLog?, dataDir: String) {
        self.endpoints = endpoints
        self.workers = workers
        self.audit = audit
        self.dataDir = dataDir
    }

    /// Endpoints, workers and the audit log under `config.agent.dataDir`. One worker per allowed
    /// concurrent call, plus two, so that while every endpoint has its limit in flight a request
    /// over the limit still reaches its endpoint's check at once and is refused (the fallback
    /// applies) instead of waiting; at most 16 threads, 64 jobs queued.
    public static func make(config: AgentConfig, clock: any EdgeClock, logger: Logger) throws -> AIResources {
        let endpoints = AIEndpoints(config: config.ai, clock: clock, logger: logger)
        let threads = min(16, 2 + (config.ai?.endpoints ?? []).reduce(0) { $0 + $1.concurrency })
        return AIResources(
            endpoints: endpoints, workers: try BlockingWorkers(count: threads, limit: 64, name: "ai-worker"),
            audit: try AIAuditLog(directory: config.agent.dataDir), dataDir: config.agent.dataDir)
    }
}

/// The `ai` action (docs/ai.md): renders the prompt, calls the endpoint within its bounds on an
/// AI worker thread, checks the answer against the schema, and on any failure applies the
/// action's fallback. The result is `{"output", "source", "latencyMs", "reason", "endpoint"}`.
struct AIActionHandler: FlowActionHandler {
    let endpointNames: [String]
    /// Point names marked `redact` in any source (docs/safety.md S8).
    let redacted: Set<String>
    /// Per `app/action`: the outputs its result can reach, for `safe-state`.
    let reachableOutputs: [String: [String]]
    /// Per `app/action`: where its result is republished (`app/channel`), for approved results.
    let targets: [String: String]
    /// nil when only checking.
    let outputs: OutputController?
    /// nil when only checking.
    let ai: AIResources?
    let clock: any EdgeClock
    let logger: Logger
    let memory = AIActionMemory()

    init(config: AgentConfig, outputs: OutputController?, ai: AIResources?, clock: any EdgeClock, logger: Logger) {
        endpointNames = config.ai?.endpoints.map(\.name) ?? []
        redacted = Set(config.sources.flatMap(\.redactedPoints))
        var reachable: [String: [String]] = [:]
        for path in AIReachability.paths(apps: config.apps.filter(\.enabled).map(\.document)) {
            let key = "\(path.appId)/\(path.aiAction.actionId)"
            if let output = path.output, reachable[key]?.contains(output) != true { reachable[key, default: []].append(output) }
        }
        reachableOutputs = reachable
        var targets: [String: String] = [:]
        for app in config.apps where app.enabled {
            for action in app.document.actions where action.type == "ai" {
                if let out = action.output, out.enabled, let channel = out.channelId?.text {
                    targets["\(app.document.appId)/\(action.actionId)"] = "\(app.document.appId)/\(channel)"
                }
            }
        }
        self.targets = targets
        self.outputs = outputs
        self.ai = ai
        self.clock = clock
        self.logger = logger
    }

    func validate(config: JSONValue, path: String) -> [FlowConfigIssue] {
        AIActionSpec.parse(config, endpoints: endpointNames).problems.map { $0.under(path) }
    }

    func start(_ invocation: ActionInvocation, complete: @escaping @Sendable (ActionResult) -> Void) {
        let key = "\(invocation.appId)/\(invocation.actionId)"
        guard let spec = memory.spec(key, config: invocation.config, endpoints: endpointNames) else {
            complete(.failure(FlowActionFailure(kind: "invalid-config", message: "the ai config does not compile")))
            return
        }
        let started = clock.monotonicNanoseconds()
        let run = AIRun(handler: self, ai: ai, spec: spec, key: key, invocation: invocation, started: started)
        guard let ai else {
            // A dry run (`flow test` without --live): the model is not called, the fallback
            // shows what the app does without it.
            complete(run.conclude(.failure(AIFailure(.other, "dry run: the model is not called")), data: .null, onEngineThread: true))
            return
        }
        if !ai.workers.submit({ complete(run.perform()) }) {
            // Every AI worker is busy and the queue is full: the fallback applies at once.
            complete(run.conclude(.failure(AIFailure(.concurrency, "the ai worker queue is full")), data: .null, onEngineThread: true))
        }
    }

    /// `value` with every member named in `redacted` masked, at any depth.
    func redact(_ value: JSONValue) -> JSONValue { value.redacting(redacted) }
}

/// A flag set once, read from any thread.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .releasing) }
    var isSet: Bool { flag.load(ordering: .acquiring) }
}

extension AIResources {
    /// Stops the AI workers: requests still queued are concluded without being sent (their
    /// fallback is recorded), requests in flight finish within their timeout.
    public func stop() {
        stopping.set()
        workers.stop()
    }
}

/// Per-action state kept between runs: compiled specs and the last valid output (`hold`).
final class AIActionMemory: Sendable {
    private let specs = Mutex<[String: AIActionSpec]>([:])
    private let last = Mutex<[String: JSONValue]>([:])

    func spec(_ key: String, config: JSONValue, endpoints: [String]) -> AIActionSpec? {
        if let known = specs.withLock({ $0[key] }) { return known }
        guard let spec = AIActionSpec.parse(config, endpoints: endpoints).spec else { return nil }
        specs.withLock { $0[key] = spec }
        return spec
    }

    func remember(_ key: String, _ output: JSONValue) { last.withLock { $0[key] = output } }
    func lastOutput(_ key: String) -> JSONValue? { last.withLock { $0[key] } }
}
