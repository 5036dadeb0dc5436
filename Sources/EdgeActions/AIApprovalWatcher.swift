public import EdgeAI
public import EdgeCore
public import EdgeFlux
public import EdgePipeline
public import Logging
import Synchronization

/// Applies people's decisions on held `ai` results (docs/safety.md S7): a thread of its own
/// looks at the approval queue in `data_dir/approvals` a few times a second; an approved result
/// is published to the action's output channel, a rejected or late one is replaced by the
/// fallback's result (or `safe-state`). Held decisions are files, so they survive a restart and
/// the next agent resolves them.
public final class AIApprovalWatcher: Sendable {
    private let dataDir: String
    private let postBox: FlowPostBox
    private let outputs: OutputController?
    private let audit: AIAuditLog?
    private let clock: any EdgeClock
    private let logger: Logger
    private let wake = WakeSignal()
    private let stopping = Atomic<Bool>(false)
    private let thread = Mutex<OwnerThread?>(nil)

    /// A watcher of the queue under `dataDir` that publishes through `postBox`.
    public init(
        dataDir: String, postBox: FlowPostBox, outputs: OutputController?, audit: AIAuditLog?, clock: any EdgeClock,
        logger: Logger
    ) {
        self.dataDir = dataDir
        self.postBox = postBox
        self.outputs = outputs
        self.audit = audit
        self.clock = clock
        self.logger = logger
    }

    /// Starts watching.
    public func start() throws(FileError) {
        let owner = try OwnerThread(name: "ai-approvals") { [self] in
            while !stopping.load(ordering: .acquiring) {
                scan()
                _ = wake.wait(timeoutNanoseconds: 200_000_000)
            }
        }
        thread.withLock { $0 = owner }
    }

    /// Stops watching (held decisions stay on disk for the next start).
    public func stop() {
        stopping.store(true, ordering: .releasing)
        wake.signal()
        let owner = thread.withLock { t -> OwnerThread? in
            defer { t = nil }
            return t
        }
        owner?.join()
    }

    /// One pass over the queue: resolves every decided or late decision.
    public func scan() {
        let now = clock.wallNanoseconds() / 1_000_000
        for decision in ApprovalQueue.pending(dataDir: dataDir) {
            if let verdict = ApprovalQueue.verdict(id: decision.id, dataDir: dataDir) {
                resolve(decision, approved: verdict == .approve, reason: verdict == .approve ? "approved" : "rejected by a person")
            } else if now >= decision.deadlineMilliseconds {
                resolve(decision, approved: false, reason: "approval deadline passed")
            }
        }
    }

    private func resolve(_ decision: PendingDecision, approved: Bool, reason: String) {
        var published: JSONValue = approved ? decision.approved : decision.fallback
        if case .object(var o) = published {
            if !approved { o["reason"] = .string(reason) }
            o["approval"] = ["id": .string(decision.id), "verdict": .string(approved ? "approved" : reason)]
            published = .object(o)
        }
        if let target = decision.target, published != .null { postBox.post(target: target, payload: published) }
        if !approved, let outputs {
            for id in decision.safeOutputs {
                guard let output = outputs.outputs.first(where: { $0.id == id }) else { continue }
                do {
                    try outputs.write(id: id, value: output.safeValue, holdNanoseconds: 0) { _ in }
                } catch {
                    logger.error("ai safe-state: write refused", metadata: ["output": "\(id)", "error": "\(error)"])
                }
            }
        }
        ApprovalQueue.remove(id: decision.id, dataDir: dataDir)
        logger.notice(
            "ai decision \(approved ? "approved" : "not approved")",
            metadata: ["id": "\(decision.id)", "app": "\(decision.app)", "action": "\(decision.action)", "reason": "\(reason)"])
        let record: JSONValue = .object(JSONObject([
            ("time", .number(Double(clock.wallNanoseconds() / 1_000_000))), ("app", .string(decision.app)),
            ("action", .string(decision.action)), ("approval", .string(decision.id)),
            ("inputDigest", .string("sha256:" + SHA256.hex(Array(decision.inputs.compactJSON.utf8)))),
            ("source", .string(approved ? "model" : (decision.fallback == .null ? "none" : "fallback"))),
            ("reason", .string(approved ? "approved" : reason + (decision.safeOutputs.isEmpty ? "" : "; outputs driven to their safe values"))),
            ("output", published == .null ? .null : published["output"]), ("latencyMs", 0),
        ]))
        do {
            try audit?.append(record)
        } catch {
            logger.error("ai audit record not written", metadata: ["error": "\(error)"])
        }
    }
}
