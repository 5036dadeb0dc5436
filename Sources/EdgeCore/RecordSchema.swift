/// The names typed frame records leave out: per source index its id and its point names, in
/// config order. Its `id` is a hash of its canonical JSON text, so the same config gives the same
/// id in every process, and a spool written before a restart or a reload is still read with the
/// names it was written with (the spool keeps each schema in a file named by its id).
public struct RecordSchema: Sendable, Equatable {
    /// One source.
    public struct Source: Sendable, Equatable {
        /// The source id.
        public var id: String
        /// Its point names, by point index.
        public var points: [String]

        /// Creates a source.
        public init(id: String, points: [String]) {
            self.id = id
            self.points = points
        }
    }

    /// The sources, by source index.
    public let sources: [Source]
    /// `{"v":1,"sources":[{"id":"boiler","points":["temp","pressure"]},...]}`, compact.
    public let canonicalJSON: String
    /// FNV-1a (64-bit) of `canonicalJSON`'s UTF-8 bytes.
    public let id: UInt64

    /// Creates the schema of `sources`.
    public init(sources: [Source]) {
        self.sources = sources
        var text = "{\"v\":1,\"sources\":["
        for (i, source) in sources.enumerated() {
            if i > 0 { text += "," }
            text += "{\"id\":"
            JSONValue.writeString(source.id, into: &text)
            text += ",\"points\":["
            for (j, point) in source.points.enumerated() {
                if j > 0 { text += "," }
                JSONValue.writeString(point, into: &text)
            }
            text += "]}"
        }
        text += "]}"
        canonicalJSON = text
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        id = hash
    }

    /// Creates the schema of `sources` given as (id, point names) pairs.
    public init(_ sources: [(id: String, points: [String])]) {
        self.init(sources: sources.map { Source(id: $0.id, points: $0.points) })
    }

    /// Reads a schema back from its canonical JSON; nil when the text is not one.
    public static func parse(_ text: String) -> RecordSchema? {
        guard case .object(let root)? = try? JSONValue.parse(text), root["v"]?.numberValue == 1,
            case .array(let list)? = root["sources"]
        else { return nil }
        var sources: [Source] = []
        for item in list {
            guard let id = item["id"].stringValue, case .array(let points) = item["points"] else { return nil }
            let names = points.compactMap(\.stringValue)
            guard names.count == points.count else { return nil }
            sources.append(Source(id: id, points: names))
        }
        return RecordSchema(sources: sources)
    }

    /// The file name the spool keeps it under: `schema-<16 hex digits>.json`.
    public static func fileName(id: UInt64) -> String {
        let hex = String(id, radix: 16)
        return "schema-" + String(repeating: "0", count: 16 - hex.count) + hex + ".json"
    }
}
