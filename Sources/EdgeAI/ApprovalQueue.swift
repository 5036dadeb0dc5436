public import EdgeCore

/// An `ai` result held for a person's decision (docs/safety.md S7): what the model answered,
/// on which inputs, until when, and what applies instead if nobody approves in time.
public struct PendingDecision: Sendable, Equatable {
    /// Short random id people type (`edgeflow approve ID`).
    public var id: String
    /// The app and action that asked.
    public var app: String
    /// The action id.
    public var action: String
    /// Where the result goes (`app/channel`), nil when the action republishes nothing.
    public var target: String?
    /// When it was held and until when it may be approved (Unix ms, wall clock: survives restarts).
    public var createdMilliseconds: Int64
    /// The deadline.
    public var deadlineMilliseconds: Int64
    /// The data the model saw (after redaction).
    public var inputs: JSONValue
    /// The result to publish when approved (`{"output", "source": "model", ...}`).
    public var approved: JSONValue
    /// The result to publish when rejected or late (the fallback's), or null for none.
    public var fallback: JSONValue
    /// Outputs to drive to their safe values when rejected or late (`safe-state` fallback).
    public var safeOutputs: [String]

    /// Creates a decision.
    public init(
        id: String, app: String, action: String, target: String?, createdMilliseconds: Int64, deadlineMilliseconds: Int64,
        inputs: JSONValue, approved: JSONValue, fallback: JSONValue, safeOutputs: [String]
    ) {
        self.id = id
        self.app = app
        self.action = action
        self.target = target
        self.createdMilliseconds = createdMilliseconds
        self.deadlineMilliseconds = deadlineMilliseconds
        self.inputs = inputs
        self.approved = approved
        self.fallback = fallback
        self.safeOutputs = safeOutputs
    }

    /// As stored in `pending/<id>.json`.
    public var json: JSONValue {
        .object(JSONObject([
            ("id", .string(id)), ("app", .string(app)), ("action", .string(action)), ("target", target.map(JSONValue.string) ?? .null),
            ("created", .number(Double(createdMilliseconds))), ("deadline", .number(Double(deadlineMilliseconds))),
            ("inputs", inputs), ("approved", approved), ("fallback", fallback), ("safeOutputs", .array(safeOutputs.map(JSONValue.string))),
        ]))
    }

    /// Reads a stored decision; nil when a member is missing.
    public init?(json v: JSONValue) {
        guard let id = v["id"].stringValue, let app = v["app"].stringValue, let action = v["action"].stringValue,
            let created = v["created"].numberValue, let deadline = v["deadline"].numberValue
        else { return nil }
        var outputs: [String] = []
        if case .array(let items) = v["safeOutputs"] { outputs = items.compactMap(\.stringValue) }
        self.init(
            id: id, app: app, action: action, target: v["target"].stringValue, createdMilliseconds: Int64(created),
            deadlineMilliseconds: Int64(deadline), inputs: v["inputs"], approved: v["approved"], fallback: v["fallback"],
            safeOutputs: outputs)
    }
}

/// The file queue of decisions under `data_dir/approvals`: `pending/<id>.json` written by the
/// agent, `decisions/<id>.json` written by `edgeflow approve|reject`, both crash-safely
/// (write, fsync, rename). The running agent watches it; files outlive restarts.
public enum ApprovalQueue {
    /// A decision a person took.
    public enum Verdict: String, Sendable {
        /// Apply the model's result.
        case approve
        /// Apply the fallback.
        case reject
    }

    static func pendingDirectory(_ dataDir: String) -> String { dataDir + "/approvals/pending" }
    static func decisionDirectory(_ dataDir: String) -> String { dataDir + "/approvals/decisions" }

    /// Holds `decision`.
    public static func add(_ decision: PendingDecision, dataDir: String) throws(FileError) {
        try Files.makeDirectories(pendingDirectory(dataDir))
        try Files.writeAtomically(
            "\(pendingDirectory(dataDir))/\(decision.id).json", bytes: Array(decision.json.compactJSON.utf8))
    }

    /// Every held decision, oldest first; unreadable files are skipped.
    public static func pending(dataDir: String) -> [PendingDecision] {
        let dir = pendingDirectory(dataDir)
        return Files.list(dir).filter { $0.hasSuffix(".json") }.compactMap { name -> PendingDecision? in
            guard let text = try? Files.readText("\(dir)/\(name)", limit: 1 << 20), let value = try? JSONValue.parse(text) else {
                return nil
            }
            return PendingDecision(json: value)
        }.sorted { ($0.createdMilliseconds, $0.id) < ($1.createdMilliseconds, $1.id) }
    }

    /// Records a person's verdict on the held decision `id`; false when there is none.
    public static func decide(id: String, _ verdict: Verdict, dataDir: String, atMilliseconds: Int64) throws(FileError) -> Bool {
        guard isSafeID(id), Files.exists("\(pendingDirectory(dataDir))/\(id).json") else { return false }
        try Files.makeDirectories(decisionDirectory(dataDir))
        let record: JSONValue = ["verdict": .string(verdict.rawValue), "at": .number(Double(atMilliseconds))]
        try Files.writeAtomically("\(decisionDirectory(dataDir))/\(id).json", bytes: Array(record.compactJSON.utf8))
        return true
    }

    /// The verdict recorded for `id`, if any.
    public static func verdict(id: String, dataDir: String) -> Verdict? {
        guard let text = try? Files.readText("\(decisionDirectory(dataDir))/\(id).json", limit: 4096),
            let value = try? JSONValue.parse(text)
        else { return nil }
        return value["verdict"].stringValue.flatMap(Verdict.init(rawValue:))
    }

    /// Forgets a resolved decision and its verdict.
    public static func remove(id: String, dataDir: String) {
        Files.remove("\(decisionDirectory(dataDir))/\(id).json")
        Files.remove("\(pendingDirectory(dataDir))/\(id).json")
    }

    /// Ids are 12 lower-case hex digits; anything else (a path) is never looked up.
    static func isSafeID(_ id: String) -> Bool {
        id.count == 12 && id.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// A new id.
    public static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() & 0xFFFF_FFFF_FFFF
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 12 - hex.count) + hex
    }
}
