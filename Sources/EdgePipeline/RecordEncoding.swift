public import EdgeCore

/// The JSON members of a record, shared by every recorder (the local `records.jsonl` and the
/// uplink spool), so a frame reads the same wherever it is kept:
/// `"kind":"frame","source":"boiler","ts":1767225600000,"points":{"temp":81.5},"quality":{"pressure":"timeout"}`
/// and `"kind":"message","source":"boiler","ts":...,"category":"alarms","payload":{...}`.
/// Without the braces, so a recorder can put its own members (a sequence number) first.
public enum RecordEncoding {
    /// The members of a frame's record; nil when the frame has nothing to report (every point
    /// absent or held back by its deadband). Points whose flag in `omit` is set are left out
    /// (the uplink's redaction, docs/safety.md S8).
    public static func frame(_ frame: FrameView, source: (id: String, points: [String]), omit: [Bool] = []) -> String? {
        var points = ""
        var quality = ""
        for p in 0..<min(frame.count, source.points.count) where frame.reported[p] && !(p < omit.count && omit[p]) {
            let q = frame.qualities[p]
            if q == .good {
                if !points.isEmpty { points += "," }
                JSONValue.writeString(source.points[p], into: &points)
                points += ":"
                if let text = frame.text(at: p) {
                    JSONValue.writeString(text, into: &points)
                } else {
                    points += JSONValue.formatNumber(frame.values[p])
                }
            } else if q != .absent {
                if !quality.isEmpty { quality += "," }
                JSONValue.writeString(source.points[p], into: &quality)
                quality += ":"
                JSONValue.writeString(q.name, into: &quality)
            }
        }
        guard !points.isEmpty || !quality.isEmpty else { return nil }
        var out = "\"kind\":\"frame\",\"source\":"
        JSONValue.writeString(source.id, into: &out)
        out += ",\"ts\":\(frame.timestamp / 1_000_000),\"points\":{\(points)}"
        if !quality.isEmpty { out += ",\"quality\":{\(quality)}" }
        return out
    }

    /// Writes the typed record of `frame` (`FrameRecord`) into `out`, reusing its storage: the
    /// same points as `frame(_:source:omit:)` would name, by index. False when the frame has
    /// nothing to report (then `out` holds no record).
    public static func typedFrame(
        _ frame: FrameView, schema: UInt64, pointCount: Int, omit: [Bool] = [], into out: inout [UInt8]
    ) -> Bool {
        FrameRecord.begin(into: &out, schema: schema, source: frame.source, timestamp: frame.timestamp)
        for p in 0..<min(frame.count, pointCount) where frame.reported[p] && !(p < omit.count && omit[p]) {
            let q = frame.qualities[p]
            if q == .good {
                if let text = frame.text(at: p) {
                    FrameRecord.appendText(text, point: p, to: &out)
                } else {
                    FrameRecord.appendNumber(frame.values[p], point: p, to: &out)
                }
            } else if q != .absent {
                FrameRecord.appendQuality(q, point: p, to: &out)
            }
        }
        return FrameRecord.entryCount(out) > 0
    }

    /// The members of a harvested message's record.
    public static func message(_ message: RecordedMessage) -> String {
        var out = "\"kind\":\"message\""
        if let source = message.source {
            out += ",\"source\":"
            JSONValue.writeString(source, into: &out)
        }
        out += ",\"ts\":\(message.timestamp / 1_000_000)"
        if let category = message.category {
            out += ",\"category\":"
            JSONValue.writeString(category, into: &out)
        }
        out += ",\"payload\":"
        JSONValue.write(message.payload, into: &out)
        return out
    }
}
