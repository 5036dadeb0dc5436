import EdgeCore

/// How a batch of spooled records becomes an HTTP body. Each spooled record's payload is the
/// JSON members written by the pipeline's `RecordEncoding` (`"kind":"frame","source":...`).
public enum UplinkEncoder: String, Sendable, CaseIterable {
    /// SORACOM Harvest Data's batch form: a JSON array of at most 100 entries
    /// `{"timestamp": <unix ms>, ...}`. A frame's entry carries its source and its points as
    /// members (failed reads under `quality`); a message's entry carries its payload's members
    /// (a payload that is not an object goes under `payload`).
    case harvest
    /// One JSON object per batch, `{"batch": "<first>-<last>", "records": [...]}`, each record
    /// as spooled plus its sequence number `seq`: for endpoints of your own.
    case json
    /// Per-series timestamps and values, delta-encoded, then gzip (docs/uplink-columnar.md):
    /// for endpoints of our own, well under a byte per point at 60 s batches.
    case columnarGzip = "columnar-gzip"

    /// The request's content headers for this encoding.
    public var contentHeaders: [(name: String, value: String)] {
        switch self {
        case .harvest, .json: [("Content-Type", "application/json")]
        case .columnarGzip: [("Content-Type", ColumnarEncoder.contentType), ("Content-Encoding", "gzip")]
        }
    }

    /// The most records one batch may carry with this encoder.
    public var maximumRecords: Int {
        switch self {
        case .harvest: 100
        case .json, .columnarGzip: 10_000
        }
    }

    /// Encodes a batch; records whose payload is not a JSON object are skipped (counted by
    /// the caller from the difference). Returns the body and how many records it carries.
    public func encode(_ records: [(sequence: UInt64, payload: [UInt8])]) -> (body: [UInt8], encoded: Int) {
        if self == .columnarGzip { return ColumnarEncoder.encode(records) }
        var entries: [JSONValue] = []
        entries.reserveCapacity(records.count)
        for record in records {
            let text = "{" + String(decoding: record.payload, as: UTF8.self) + "}"
            guard case .object(let object)? = try? JSONValue.parse(text) else { continue }
            switch self {
            case .harvest: entries.append(Self.harvestEntry(object))
            case .json, .columnarGzip:
                // Parsed members are unique; only a member called "seq" could collide.
                let members = [("seq", JSONValue.number(Double(record.sequence)))] + object.members.filter { $0.key != "seq" }
                entries.append(.object(JSONObject(uniqueMembers: members)))
            }
        }
        let body: JSONValue
        switch self {
        case .harvest:
            body = .array(entries)
        case .json, .columnarGzip:
            let id = records.isEmpty ? "" : "\(records[0].sequence)-\(records[records.count - 1].sequence)"
            body = .object(JSONObject([("batch", .string(id)), ("records", .array(entries))]))
        }
        return (Array(body.compactJSON.utf8), entries.count)
    }

    /// One Harvest entry. Built as a member list (a 100-point frame would otherwise search the
    /// entry for every point): the record's own members come first and win over a point or
    /// payload member of the same name.
    private static func harvestEntry(_ record: JSONObject) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [("timestamp", record["ts"] ?? .null)]
        if let source = record["source"] { members.append(("source", source)) }
        var reserved: Set<String> = ["timestamp", "source"]
        var body: [(key: String, value: JSONValue)] = []
        switch record["kind"] {
        case .string("frame")?:
            if let quality = record["quality"] {
                members.append(("quality", quality))
                reserved.insert("quality")
            }
            if case .object(let points)? = record["points"] { body = points.members }
        default:
            if let category = record["category"] {
                members.append(("category", category))
                reserved.insert("category")
            }
            if case .object(let payload)? = record["payload"] {
                body = payload.members
            } else if let payload = record["payload"] {
                body = [("payload", payload)]
            }
        }
        members += body.filter { !reserved.contains($0.key) }
        return .object(JSONObject(uniqueMembers: members))
    }
}
