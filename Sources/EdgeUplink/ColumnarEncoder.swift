public import EdgeCore

/// The `columnar-gzip` batch encoder, for endpoints of your own on links billed per byte: a
/// batch becomes one JSON document laid out per series (each point's timestamps and values side
/// by side, delta-encoded where that is exact), compressed as a gzip stream.
///
/// The document, described for people writing a receiver in `docs/uplink-columnar.md`:
/// `{"v":1,"batch":"<first>-<last>","t0":<ms>,"sources":[...],"quality":[...],"messages":[...]}`.
/// Each source lists the timestamps of its frames once (`dt`, in ms, the first relative to `t0`,
/// each next one relative to the one before) and its points in order of first appearance, each
/// with its values in frame order: `"enc":"delta"` (integers, after scaling by `10^decimals`,
/// each relative to the one before) when that gives every value back exactly, else
/// `"enc":"plain"` (the values as JSON). A point missing from some of its source's frames
/// carries its own `dt`. Failed reads go to `quality` and every record that is not a frame
/// (messages) to `messages`, as they were spooled.
public enum ColumnarEncoder {
    /// The media type of the document inside the gzip stream: send the body with this
    /// `Content-Type` and `Content-Encoding: gzip`.
    public static let contentType = "application/vnd.edgeflow.columnar+json"

    /// The format version, the document's `v` member.
    public static let formatVersion = 1

    /// Encodes a batch of spooled records. Returns the body, a gzip stream of the JSON document
    /// (send it with `Content-Type: contentType` and `Content-Encoding: gzip`), and how many
    /// records it carries: records whose payload is not a JSON object are left out, counted by
    /// the caller from the difference.
    public static func encode(
        _ records: [(sequence: UInt64, payload: [UInt8])], schemas: (UInt64) -> RecordSchema? = { _ in nil }
    ) -> (body: [UInt8], encoded: Int) {
        encode(SpoolBatch(records), schemas: schemas)
    }

    /// `encode(_:schemas:)` over a batch read from the spool.
    public static func encode(_ batch: SpoolBatch, schemas: (UInt64) -> RecordSchema?) -> (body: [UInt8], encoded: Int) {
        let document = document(batch, schemas: schemas)
        return (Deflate.gzip(document.json), document.encoded)
    }

    /// The JSON document before compression, and how many records it carries.
    static func document(
        _ records: [(sequence: UInt64, payload: [UInt8])], schemas: (UInt64) -> RecordSchema? = { _ in nil }
    ) -> (json: [UInt8], encoded: Int) {
        document(SpoolBatch(records), schemas: schemas)
    }

    /// The document of `batch`. Typed frame records go into the columns straight from their
    /// bytes, with the names of their schema; JSON records are parsed.
    static func document(_ batch: SpoolBatch, schemas: (UInt64) -> RecordSchema?) -> (json: [UInt8], encoded: Int) {
        var columns = ColumnarBatch()
        var encoded = 0
        for index in 0..<batch.count {
            batch.withRecord(index) { _, bytes in
                if let header = FrameRecord.header(bytes) {
                    if let schema = schemas(header.schema), columns.addFrame(bytes, header: header, schema: schema) {
                        encoded += 1
                    }
                    return
                }
                guard !FrameRecord.isFrameRecord(bytes) else { return }  // a version this build cannot read
                let text = "{" + String(decoding: bytes, as: UTF8.self) + "}"
                guard case .object(let object)? = try? JSONValue.parse(text) else { return }
                encoded += 1
                if !columns.addFrame(object) { columns.messages.append(text) }
            }
        }
        let id = batch.firstSequence.map { "\($0)-\(batch.lastSequence ?? $0)" } ?? ""
        return (columns.write(batchID: id), encoded)
    }
}

/// Integers JSON readers that hold numbers as doubles still get exactly: below 2^53.
private let exactIntegerLimit: Double = 9_007_199_254_740_992

/// The most decimals a delta-encoded point may be scaled by, and the powers of ten up to it
/// (each exact in a double).
private let maximumDecimals = 9
private let powersOfTen: [Double] = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]

/// One point of one source: its values in frame order, and in which of the source's frames it
/// was reported when that is not every one of them.
private struct Column {
    let name: String
    /// The values while every one is a number.
    var numbers: [Double] = []
    /// Every value, once one is not a number (a string, null, ...); `numbers` is then empty.
    var values: [JSONValue]?
    /// The indices of the source's frames that reported this point; nil while it has been in
    /// every frame since the source's first.
    var frames: [Int]?

    init(name: String) { self.name = name }

    var count: Int { values?.count ?? numbers.count }

    mutating func append(_ value: JSONValue, frame: Int) {
        if frames == nil && count != frame { frames = Array(0..<count) }
        frames?.append(frame)
        if values != nil {
            values?.append(value)
        } else if case .number(let number) = value {
            numbers.append(number)
        } else {
            var all = numbers.map { JSONValue.number($0) }
            all.append(value)
            values = all
            numbers = []
        }
    }
}

/// One source's frames in the batch.
private struct SourceColumns {
    let name: String
    /// The timestamps (ms) of the source's frames that reported at least one good point.
    var timestamps: [Int64] = []
    /// The source's points (indices into the batch's columns), in order of first appearance.
    var columns: [Int] = []
    var columnIndex: [String: Int] = [:]
    /// The columns of the previous frame's points, in its order: a frame usually lists the same
    /// points in the same order, so comparing names finds them without hashing.
    var previousOrder: [Int] = []

    init(name: String) { self.name = name }
}

/// A batch being laid out.
private struct ColumnarBatch {
    var sources: [SourceColumns] = []
    var sourceIndex: [String: Int] = [:]
    /// Every point of every source.
    var columns: [Column] = []
    /// The timestamp of the first frame with a good point; what `dt`s start from.
    var t0: Int64?
    var quality: [(source: String, timestamp: Int64, quality: JSONValue)] = []
    /// Records carried whole (messages, and anything else that is not a frame), as JSON texts.
    var messages: [String] = []

    private static let frameMembers: Set<String> = ["kind", "source", "ts", "points", "quality"]

    /// Splits a frame's record into the columns; false when the record is not a frame this
    /// layout gives back exactly (it is then carried whole under `messages`).
    mutating func addFrame(_ record: JSONObject) -> Bool {
        guard case .string("frame")? = record["kind"], case .string(let source)? = record["source"],
            case .number(let ts)? = record["ts"], ts == ts.rounded(), abs(ts) < exactIntegerLimit,
            case .object(let points)? = record["points"],
            record.keys.allSatisfy({ Self.frameMembers.contains($0) })
        else { return false }
        var failed: JSONObject?
        if let quality = record["quality"] {
            guard case .object(let object) = quality, object.count > 0 else { return false }
            failed = object
        }
        guard points.count > 0 || failed != nil else { return false }
        add(source: source, timestamp: Int64(ts), points: points.members, failed: failed.map(JSONValue.object))
        return true
    }

    /// Splits a typed frame record into the columns; false when it is damaged or names a
    /// source or point its schema lacks (it is then left out and counted by the caller).
    mutating func addFrame(_ record: UnsafeRawBufferPointer, header: FrameRecord.Header, schema: RecordSchema) -> Bool {
        guard header.source < schema.sources.count else { return false }
        let source = schema.sources[header.source]
        var points: [(key: String, value: JSONValue)] = []
        var failed = JSONObject()
        var valid = true
        let whole = FrameRecord.forEachEntry(record) { entry in
            guard entry.point < source.points.count else {
                valid = false
                return
            }
            let name = source.points[entry.point]
            if entry.quality == .good {
                let value = entry.text.map { JSONValue.string(String(decoding: $0, as: UTF8.self)) } ?? .number(entry.value)
                points.append((name, value))
            } else if entry.quality != .absent {
                failed[name] = .string(entry.quality.name)
            }
        }
        guard whole, valid, !points.isEmpty || failed.count > 0 else { return false }
        add(
            source: source.id, timestamp: header.timestamp / 1_000_000, points: points,
            failed: failed.count > 0 ? .object(failed) : nil)
        return true
    }

    /// Adds one frame's good points to its source's columns and its failed ones to `quality`.
    private mutating func add(
        source: String, timestamp: Int64, points: [(key: String, value: JSONValue)], failed: JSONValue?
    ) {
        if let failed { quality.append((source, timestamp, failed)) }
        guard points.count > 0 else { return }
        if t0 == nil { t0 = timestamp }
        let s: Int
        if let known = sourceIndex[source] {
            s = known
        } else {
            s = sources.count
            sources.append(SourceColumns(name: source))
            sourceIndex[source] = s
        }
        let frame = sources[s].timestamps.count
        sources[s].timestamps.append(timestamp)
        var order: [Int] = []
        swap(&order, &sources[s].previousOrder)
        for (i, member) in points.enumerated() {
            let c: Int
            if i < order.count && columns[order[i]].name == member.key {
                c = order[i]
            } else {
                if let known = sources[s].columnIndex[member.key] {
                    c = known
                } else {
                    c = columns.count
                    columns.append(Column(name: member.key))
                    sources[s].columns.append(c)
                    sources[s].columnIndex[member.key] = c
                }
                if i < order.count { order[i] = c } else { order.append(c) }
            }
            columns[c].append(member.value, frame: frame)
        }
        if order.count > points.count { order.removeLast(order.count - points.count) }
        swap(&order, &sources[s].previousOrder)
    }

    /// The compact JSON document.
    func write(batchID: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4096 + columns.reduce(0) { $0 + $1.count * 3 + 32 })
        let origin = t0 ?? 0
        out.append(contentsOf: "{\"v\":\(ColumnarEncoder.formatVersion),\"batch\":".utf8)
        Self.writeString(batchID, into: &out)
        out.append(contentsOf: ",\"t0\":\(origin),\"sources\":[".utf8)
        for (i, source) in sources.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: "{\"source\":".utf8)
            Self.writeString(source.name, into: &out)
            out.append(contentsOf: ",\"dt\":".utf8)
            Self.writeDeltas(source.timestamps, from: origin, into: &out)
            out.append(contentsOf: ",\"points\":[".utf8)
            for (j, c) in source.columns.enumerated() {
                if j > 0 { out.append(UInt8(ascii: ",")) }
                Self.write(columns[c], of: source, origin: origin, into: &out)
            }
            out.append(contentsOf: "]}".utf8)
        }
        out.append(contentsOf: "],\"quality\":[".utf8)
        for (i, entry) in quality.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: "{\"source\":".utf8)
            Self.writeString(entry.source, into: &out)
            out.append(contentsOf: ",\"ts\":\(entry.timestamp),\"quality\":".utf8)
            out.append(contentsOf: entry.quality.compactJSON.utf8)
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: "],\"messages\":[".utf8)
        for (i, message) in messages.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: message.utf8)
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }

    private static func write(_ column: Column, of source: SourceColumns, origin: Int64, into out: inout [UInt8]) {
        out.append(contentsOf: "{\"point\":".utf8)
        writeString(column.name, into: &out)
        if column.frames != nil || column.count != source.timestamps.count {
            // Not in every frame of its source: the point's own timestamps.
            let frames = column.frames ?? Array(0..<column.count)
            out.append(contentsOf: ",\"dt\":".utf8)
            writeDeltas(frames.map { source.timestamps[$0] }, from: origin, into: &out)
        }
        if column.values == nil, let fixed = fixedPoint(column.numbers) {
            out.append(contentsOf: ",\"enc\":\"delta\"".utf8)
            if fixed.decimals > 0 { out.append(contentsOf: ",\"decimals\":\(fixed.decimals)".utf8) }
            out.append(contentsOf: ",\"v\":".utf8)
            writeDeltas(fixed.mantissas, from: 0, into: &out)
        } else {
            out.append(contentsOf: ",\"enc\":\"plain\",\"v\":[".utf8)
            if let values = column.values {
                for (i, value) in values.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: value.compactJSON.utf8)
                }
            } else {
                for (i, number) in column.numbers.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: JSONValue.formatNumber(number).utf8)
                }
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "}"))
    }

    /// The values as integers `m` with `value == Double(m) / 10^decimals` exactly (the division
    /// a receiver does), for the fewest decimals that fit all of them; nil when some value
    /// does not fit in at most `maximumDecimals`, or when a value or a difference between two
    /// consecutive values reaches 2^53 (receivers that sum in doubles would lose it).
    private static func fixedPoint(_ numbers: [Double]) -> (decimals: Int, mantissas: [Int64])? {
        var decimals = 0
        for number in numbers {
            guard let needed = fewestDecimals(number) else { return nil }
            decimals = max(decimals, needed)
        }
        let power = powersOfTen[decimals]
        var mantissas: [Int64] = []
        mantissas.reserveCapacity(numbers.count)
        var previous: Int64 = 0
        for number in numbers {
            let scaled = (number * power).rounded()
            guard abs(scaled) < exactIntegerLimit, scaled / power == number else { return nil }
            let mantissa = Int64(scaled)
            guard Double((mantissa - previous).magnitude) < exactIntegerLimit else { return nil }
            mantissas.append(mantissa)
            previous = mantissa
        }
        return (decimals, mantissas)
    }

    /// The fewest decimals that give `number` back exactly, or nil beyond `maximumDecimals`.
    private static func fewestDecimals(_ number: Double) -> Int? {
        guard number.isFinite else { return nil }
        for decimals in 0...maximumDecimals {
            let power = powersOfTen[decimals]
            let scaled = number * power
            guard abs(scaled) < exactIntegerLimit else { return nil }
            if scaled.rounded() / power == number { return decimals }
        }
        return nil
    }

    /// `[a - origin, b - a, c - b, ...]`.
    private static func writeDeltas(_ values: [Int64], from origin: Int64, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        var previous = origin
        for (i, value) in values.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            // Timestamps and mantissas are below 2^53 in magnitude, so the difference fits.
            out.append(contentsOf: String(value - previous).utf8)
            previous = value
        }
        out.append(UInt8(ascii: "]"))
    }

    private static func writeString(_ string: String, into out: inout [UInt8]) {
        var text = ""
        JSONValue.writeString(string, into: &text)
        out.append(contentsOf: text.utf8)
    }
}
