/// JSON written straight from typed frame records, byte for byte what the text records of
/// earlier builds held, so every reader (`records.jsonl`, the uplink's encoders) gives the same
/// output whichever form a record was spooled in. Nothing is parsed and no JSON value is built.
public enum FrameRecordJSON {
    /// The members a Harvest entry has of its own, which a point of the same name cannot take.
    private static let harvestMembers: Set<String> = ["timestamp", "source", "quality"]
    private static let noMembers: Set<String> = []

    /// Appends the record's members without braces:
    /// `"kind":"frame","source":"boiler","ts":1767225600000,"points":{"temp":81.5},"quality":{"pressure":"timeout"}`
    /// (`quality` only when a point failed). False, with nothing appended, when the record is
    /// damaged or refers to a source or point the schema lacks.
    public static func writeMembers(
        _ record: UnsafeRawBufferPointer, schema: RecordSchema, into out: inout [UInt8]
    ) -> Bool {
        guard let header = FrameRecord.header(record), header.source < schema.sources.count else { return false }
        let source = schema.sources[header.source]
        let mark = out.count
        out.append(contentsOf: #""kind":"frame","source":"#.utf8)
        appendString(source.id.utf8, to: &out)
        out.append(contentsOf: #","ts":"#.utf8)
        out.append(contentsOf: String(header.timestamp / 1_000_000).utf8)
        out.append(contentsOf: #","points":{"#.utf8)
        guard writePoints(record, names: source.points, reserved: noMembers, into: &out, qualityFirst: false) else {
            out.removeSubrange(mark...)
            return false
        }
        return true
    }

    /// Appends the record as one SORACOM Harvest Data entry:
    /// `{"timestamp":<ms>,"source":"boiler","quality":{...},"temp":81.5}`, the entry's own members
    /// first and winning over points of the same name. False, with nothing appended, when the
    /// record is damaged or refers to a source or point the schema lacks.
    public static func writeHarvestEntry(
        _ record: UnsafeRawBufferPointer, schema: RecordSchema, into out: inout [UInt8]
    ) -> Bool {
        guard let header = FrameRecord.header(record), header.source < schema.sources.count else { return false }
        let source = schema.sources[header.source]
        let mark = out.count
        out.append(contentsOf: #"{"timestamp":"#.utf8)
        out.append(contentsOf: String(header.timestamp / 1_000_000).utf8)
        out.append(contentsOf: #","source":"#.utf8)
        appendString(source.id.utf8, to: &out)
        guard
            writePoints(
                record, names: source.points, reserved: harvestMembers, into: &out,
                qualityFirst: true)
        else {
            out.removeSubrange(mark...)
            return false
        }
        return true
    }

    /// Writes the points, and the failed ones under `quality`. With `qualityFirst` (a Harvest
    /// entry) they are members of the entry itself: `,"quality":{...},"temp":81.5}`; without,
    /// the caller opened `"points":{` and gets `"temp":81.5},"quality":{...}`. Two passes over
    /// the record write each part straight into `out`, so nothing is buffered per record.
    private static func writePoints(
        _ record: UnsafeRawBufferPointer, names: [String], reserved: Set<String>, into out: inout [UInt8],
        qualityFirst: Bool
    ) -> Bool {
        if qualityFirst {
            guard writeQuality(record, names: names, into: &out) else { return false }
            guard writeGood(record, names: names, reserved: reserved, leadingComma: true, into: &out) else {
                return false
            }
            out.append(UInt8(ascii: "}"))
        } else {
            guard writeGood(record, names: names, reserved: reserved, leadingComma: false, into: &out) else {
                return false
            }
            out.append(UInt8(ascii: "}"))
            guard writeQuality(record, names: names, into: &out) else { return false }
        }
        return true
    }

    /// `"temp":81.5,"serial":"SN 7"` for the good points (each after a comma with
    /// `leadingComma`), leaving out names in `reserved`.
    private static func writeGood(
        _ record: UnsafeRawBufferPointer, names: [String], reserved: Set<String>, leadingComma: Bool,
        into out: inout [UInt8]
    ) -> Bool {
        var valid = true
        var first = !leadingComma
        let whole = FrameRecord.forEachEntry(record) { entry in
            guard entry.point < names.count else {
                valid = false
                return
            }
            guard entry.quality == .good, !reserved.contains(names[entry.point]) else { return }
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            appendString(names[entry.point].utf8, to: &out)
            out.append(UInt8(ascii: ":"))
            if let text = entry.text {
                appendString(text, to: &out)
            } else {
                out.append(contentsOf: JSONValue.formatNumber(entry.value).utf8)
            }
        }
        return whole && valid
    }

    /// `,"quality":{"pressure":"timeout"}` when a point failed, else nothing.
    private static func writeQuality(_ record: UnsafeRawBufferPointer, names: [String], into out: inout [UInt8]) -> Bool
    {
        let mark = out.count
        out.append(contentsOf: #","quality":{"#.utf8)
        var failures = 0
        var valid = true
        let whole = FrameRecord.forEachEntry(record) { entry in
            guard entry.point < names.count else {
                valid = false
                return
            }
            guard entry.quality != .good, entry.quality != .absent else { return }
            if failures > 0 { out.append(UInt8(ascii: ",")) }
            failures += 1
            appendString(names[entry.point].utf8, to: &out)
            out.append(UInt8(ascii: ":"))
            appendString(entry.quality.name.utf8, to: &out)
        }
        if failures == 0 {
            out.removeSubrange(mark...)
        } else {
            out.append(UInt8(ascii: "}"))
        }
        return whole && valid
    }

    /// Appends UTF-8 `bytes` as a quoted JSON string with the escapes JSON requires (the same
    /// escapes as `JSONValue.writeString`).
    public static func appendString<Bytes: Sequence>(_ bytes: Bytes, to out: inout [UInt8])
    where Bytes.Element == UInt8 {
        out.append(UInt8(ascii: "\""))
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
