public import EdgeCore

/// How a batch of spooled records becomes an HTTP body (or an MQTT payload). A spooled record is
/// a typed frame record (`FrameRecord`) or the JSON members of `RecordEncoding`
/// (`"kind":"message",...`, and every frame spooled by builds before typed records).
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

    /// Encodes a batch. A record is a typed frame record (`FrameRecord`, written straight to
    /// JSON with the names of its schema from `schemas`, nothing parsed) or JSON members, as the
    /// pipeline spooled every record before typed records existed and still spools messages.
    /// Records that are neither (damaged, or of a schema `schemas` does not know) are skipped,
    /// counted by the caller from the difference. Returns the body and how many records it
    /// carries.
    public func encode(
        _ records: [(sequence: UInt64, payload: [UInt8])],
        schemas: (UInt64) -> RecordSchema? = { _ in nil }
    ) -> (body: [UInt8], encoded: Int) {
        var body: [UInt8] = []
        let encoded = encode(SpoolBatch(records), schemas: schemas, into: &body)
        return (body, encoded)
    }

    /// Encodes `batch` into `out` (emptied first, its storage kept, so an uplink that keeps one
    /// body buffer allocates nothing per batch once it has grown) and returns how many records
    /// the body carries; see `encode(_:schemas:)`.
    public func encode(_ batch: SpoolBatch, schemas: (UInt64) -> RecordSchema?, into out: inout [UInt8]) -> Int {
        out.removeAll(keepingCapacity: true)
        if self == .columnarGzip {
            let document = ColumnarEncoder.encode(batch, schemas: schemas)
            out.append(contentsOf: document.body)
            return document.encoded
        }
        out.reserveCapacity(batch.payloadBytes + batch.count * 16 + 64)
        if self == .json {
            let id = batch.firstSequence.map { "\($0)-\(batch.lastSequence ?? $0)" } ?? ""
            out.append(contentsOf: #"{"batch":"#.utf8)
            FrameRecordJSON.appendString(id.utf8, to: &out)
            out.append(contentsOf: #","records":["#.utf8)
        } else {
            out.append(UInt8(ascii: "["))
        }
        var encoded = 0
        for index in 0..<batch.count {
            let mark = out.count
            if encoded > 0 { out.append(UInt8(ascii: ",")) }
            let written = batch.withRecord(index) { sequence, bytes in
                append(sequence, bytes, schemas: schemas, to: &out)
            }
            if written {
                encoded += 1
            } else {
                out.removeSubrange(mark...)
            }
        }
        out.append(contentsOf: self == .json ? "]}".utf8 : "]".utf8)
        return encoded
    }

    /// Appends one record's entry; false when it cannot be encoded.
    private func append(
        _ sequence: UInt64, _ bytes: UnsafeRawBufferPointer, schemas: (UInt64) -> RecordSchema?,
        to out: inout [UInt8]
    ) -> Bool {
        if let header = FrameRecord.header(bytes) {
            guard let schema = schemas(header.schema) else { return false }
            switch self {
            case .harvest:
                return FrameRecordJSON.writeHarvestEntry(bytes, schema: schema, into: &out)
            case .json, .columnarGzip:
                out.append(contentsOf: "{\"seq\":\(sequence),".utf8)
                guard FrameRecordJSON.writeMembers(bytes, schema: schema, into: &out) else { return false }
                out.append(UInt8(ascii: "}"))
                return true
            }
        }
        guard !FrameRecord.isFrameRecord(bytes) else { return false }  // a version this build cannot read
        let text = "{" + String(decoding: bytes, as: UTF8.self) + "}"
        guard case .object(let object)? = try? JSONValue.parse(text) else { return false }
        let entry: JSONValue
        switch self {
        case .harvest:
            entry = Self.harvestEntry(object)
        case .json, .columnarGzip:
            // Parsed members are unique; only a member called "seq" could collide.
            let members = [("seq", JSONValue.number(Double(sequence)))] + object.members.filter { $0.key != "seq" }
            entry = .object(JSONObject(uniqueMembers: members))
        }
        out.append(contentsOf: entry.compactJSON.utf8)
        return true
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
