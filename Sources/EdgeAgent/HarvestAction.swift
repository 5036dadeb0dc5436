import EdgeCore
import Synchronization

/// The `harvest` action's stand-in for the durable uplink spool: each message becomes one
/// JSON line in `harvest.jsonl`, written and fsync'd before the action reports success, so a
/// queued message survives a crash. The uplink issue replaces this with the segment spool.
final class HarvestSpool: Sendable {
    private let file: Mutex<Outbox>
    private let nextId: Atomic<UInt64>

    /// Opens `directory/name` (normally `harvest.jsonl`).
    init(directory: String, name: String = "harvest.jsonl") throws(FileError) {
        file = Mutex(try Outbox(directory: directory, name: name))
        nextId = Atomic(1)
    }

    static let keys = ["format", "category"]

    /// Checks a harvest config.
    static func validate(_ config: JSONValue) -> [ConfigProblem] {
        guard case .object(let o) = config else { return [ConfigProblem(path: "", message: "config must be an object")] }
        var p: [ConfigProblem] = []
        for key in o.keys where !keys.contains(key) {
            p.append(ConfigProblem(path: key, message: "unknown key '\(key)'", hint: "harvest config takes format and category"))
        }
        if let f = o["format"], f.stringValue.map({ ["json", "columnar"].contains($0) }) != true {
            p.append(ConfigProblem(path: "format", message: "format must be json or columnar"))
        }
        if let c = o["category"], c.stringValue == nil { p.append(ConfigProblem(path: "category", message: "category must be a string")) }
        return p
    }

    /// Appends one message durably and returns the Flux result `{"queued": true, "spoolId": n}`.
    func append(payload: JSONValue, context: JSONValue, config: JSONValue, wallNanoseconds: Int64) -> Result<JSONValue, ActionFailureInfo> {
        let id = nextId.wrappingAdd(1, ordering: .relaxed).oldValue
        var record = JSONObject([("spoolId", .number(Double(id))), ("ts", .number(Double(wallNanoseconds / 1_000_000)))])
        if let category = config["category"].stringValue { record["category"] = .string(category) }
        if let resource = context["resource"]["resourceId"].stringValue { record["source"] = .string(resource) }
        record["payload"] = payload
        let line = JSONValue.object(record).compactJSON
        do {
            try file.withLock { (outbox: inout Outbox) throws(FileError) in
                outbox.append(line)
                try outbox.flush(durable: true)
            }
        } catch {
            return .failure(ActionFailureInfo(kind: "io", message: "\(error)"))
        }
        return .success(.object(JSONObject([("queued", true), ("spoolId", .number(Double(id)))])))
    }
}
