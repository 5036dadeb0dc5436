import EdgeCore
@testable import EdgeUplink
import EdgeTestSupport
import Glibc
import Testing

/// The `columnar-gzip` encoder, checked against a decoder written independently from
/// docs/uplink-columnar.md in Python (gzip and json from its standard library), so neither the
/// gzip stream nor the layout is judged by the code that wrote it.
struct ColumnarEncoderTests {
    typealias Record = (sequence: UInt64, payload: [UInt8])

    static let repositoryRoot = Files.directory(of: Files.directory(of: Files.directory(of: #filePath)))

    /// Reads a body (gzip) and prints one JSON line per record it rebuilds: first
    /// `{"batch": ...}`, then `{"frame": ...}` for each frame (a source's points and failed
    /// reads at one timestamp), then `{"message": ...}` for each record carried as it was.
    static let decoder = #"""
        import gzip, json, sys

        doc = json.loads(gzip.decompress(open(sys.argv[1], "rb").read()).decode("utf-8"))
        if doc["v"] != 1:
            sys.exit("unknown version %r" % doc["v"])

        def running(start, steps):
            out, acc = [], start
            for step in steps:
                acc += step
                out.append(acc)
            return out

        frames, order = {}, []
        def frame(source, ts):
            key = (source, ts)
            if key not in frames:
                frames[key] = {"kind": "frame", "source": source, "ts": ts, "points": {}}
                order.append(key)
            return frames[key]

        t0 = doc["t0"]
        for src in doc["sources"]:
            shared = running(t0, src["dt"])
            for p in src["points"]:
                times = running(t0, p["dt"]) if "dt" in p else shared
                if p["enc"] == "delta":
                    power = 10 ** p.get("decimals", 0)
                    values = [m if power == 1 else m / power for m in running(0, p["v"])]
                elif p["enc"] == "plain":
                    values = p["v"]
                else:
                    sys.exit("unknown enc %r" % p["enc"])
                if len(times) != len(values):
                    sys.exit("%s/%s: %d times, %d values" % (src["source"], p["point"], len(times), len(values)))
                for t, v in zip(times, values):
                    points = frame(src["source"], t)["points"]
                    if p["point"] in points:
                        sys.exit("%s/%s twice at %d" % (src["source"], p["point"], t))
                    points[p["point"]] = v
        for q in doc["quality"]:
            frame(q["source"], q["ts"]).setdefault("quality", {}).update(q["quality"])

        print(json.dumps({"batch": doc["batch"]}))
        for key in order:
            print(json.dumps({"frame": frames[key]}, ensure_ascii=False))
        for m in doc["messages"]:
            print(json.dumps({"message": m}, ensure_ascii=False))
        """#

    /// What the independent decoder rebuilt from a body.
    struct Decoded {
        var batch: String
        /// Frames by `source|ts`.
        var frames: [String: JSONValue]
        /// Records carried whole, in order.
        var messages: [JSONValue]
    }

    static func decode(_ body: [UInt8]) async throws -> Decoded {
        let python = try requireExecutable("python3", install: "apt-get install python3")
        let directory = try TemporaryDirectory(prefix: "edgeflow-columnar")
        let script = try directory.write("decode.py", decoder)
        let bodyPath = directory.file("body.gz")
        try Files.writeAtomically(bodyPath, bytes: body)
        let (status, output) = try await runToCompletion(python, [script, bodyPath], in: directory)
        try #require(status == 0, "decoder failed:\n\(output)")
        var decoded = Decoded(batch: "", frames: [:], messages: [])
        for (i, line) in output.split(separator: "\n").enumerated() {
            let value = try JSONValue.parse(String(line))
            if i == 0 {
                decoded.batch = value["batch"].stringValue ?? "?"
            } else if case .object(let frame) = value["frame"] {
                decoded.frames[key(.object(frame))] = .object(frame)
            } else {
                decoded.messages.append(value["message"])
            }
        }
        return decoded
    }

    /// What the decoder must give back: the input's frames by source and timestamp (each test
    /// batch has one frame per source and instant) and every other object record in order.
    static func expected(_ records: [Record]) -> (frames: [String: JSONValue], messages: [JSONValue]) {
        var frames: [String: JSONValue] = [:]
        var messages: [JSONValue] = []
        for record in records {
            let text = "{" + String(decoding: record.payload, as: UTF8.self) + "}"
            guard let value = try? JSONValue.parse(text), case .object = value else { continue }
            if isPlainFrame(value) { frames[key(value)] = value } else { messages.append(value) }
        }
        return (frames, messages)
    }

    /// A frame as the recorder writes it (the members this format splits into columns).
    static func isPlainFrame(_ value: JSONValue) -> Bool {
        guard case .object(let object) = value, value["kind"] == "frame", case .string = value["source"],
            case .number(let ts) = value["ts"], ts == ts.rounded(), case .object(let points) = value["points"]
        else { return false }
        let quality: Int
        switch value["quality"] {
        case .null: quality = object["quality"] == nil ? 0 : -1
        case .object(let q): quality = q.count > 0 ? q.count : -1
        default: quality = -1
        }
        let known: Set<String> = ["kind", "source", "ts", "points", "quality"]
        return quality >= 0 && (points.count > 0 || quality > 0) && object.keys.allSatisfy { known.contains($0) }
    }

    static func key(_ frame: JSONValue) -> String {
        "\(frame["source"].stringValue ?? "?")|\(JSONValue.formatNumber(frame["ts"].numberValue ?? -1))"
    }

    static func record(_ sequence: UInt64, _ payload: String) -> Record {
        (sequence, Array(payload.utf8))
    }

    /// The members of a frame's record, written like `RecordEncoding.frame`.
    static func frame(_ source: String, _ ts: Int64, _ points: [(String, String)], quality: [(String, String)] = [])
        -> String
    {
        var out = "\"kind\":\"frame\",\"source\":"
        JSONValue.writeString(source, into: &out)
        out += ",\"ts\":\(ts),\"points\":{"
        out += points.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",")
        out += "}"
        if !quality.isEmpty {
            out += ",\"quality\":{" + quality.map { "\"\($0.0)\":\"\($0.1)\"" }.joined(separator: ",") + "}"
        }
        return out
    }

    /// Encodes, decodes with the independent decoder, and checks every frame, point, value,
    /// failed read and carried record came back exactly.
    @discardableResult
    static func roundTrip(_ records: [Record]) async throws -> Decoded {
        let (body, encoded) = ColumnarEncoder.encode(records)
        #expect(Array(body.prefix(3)) == [0x1F, 0x8B, 8], "a gzip stream (RFC 1952) with deflate")
        let decoded = try await decode(body)
        let want = expected(records)
        #expect(encoded == want.frames.count + want.messages.count)
        let batch = records.isEmpty ? "" : "\(records[0].sequence)-\(records[records.count - 1].sequence)"
        #expect(decoded.batch == batch)
        #expect(decoded.frames.count == want.frames.count)
        for (key, frame) in want.frames {
            #expect(decoded.frames[key] == frame, "frame \(key)")
        }
        #expect(decoded.messages == want.messages)
        return decoded
    }

    /// The uncompressed document, parsed.
    static func document(_ records: [Record]) throws -> JSONValue {
        try JSONValue.parse(String(decoding: ColumnarEncoder.document(records).json, as: UTF8.self))
    }

    /// The point entry named `point` of `source` in a document.
    static func entry(_ document: JSONValue, _ source: String, _ point: String) -> JSONValue {
        guard case .array(let sources) = document["sources"] else { return .null }
        for s in sources where s["source"].stringValue == source {
            guard case .array(let points) = s["points"] else { return .null }
            for p in points where p["point"].stringValue == point { return p }
        }
        return .null
    }

    // MARK: the documented example

    static let exampleRecords: [Record] = [
        record(41, #""kind":"frame","source":"boiler","ts":1767225600000,"#
            + #""points":{"temp":81.5,"pressure":1.2,"pump_hours":16,"state":"run"}"#),
        record(42, #""kind":"frame","source":"boiler","ts":1767225601000,"#
            + #""points":{"temp":81.7,"pump_hours":16,"state":"run"},"quality":{"pressure":"timeout"}"#),
        record(43, #""kind":"message","source":"boiler","ts":1767225601500,"category":"alarms","payload":{"temp":91}"#),
    ]

    static let exampleDocument =
        #"{"v":1,"batch":"41-43","t0":1767225600000,"sources":[{"source":"boiler","dt":[0,1000],"points":["#
        + #"{"point":"temp","enc":"delta","decimals":1,"v":[815,2]},"#
        + #"{"point":"pressure","dt":[0],"enc":"delta","decimals":1,"v":[12]},"#
        + #"{"point":"pump_hours","enc":"delta","v":[16,0]},"#
        + #"{"point":"state","enc":"plain","v":["run","run"]}]}],"#
        + #""quality":[{"source":"boiler","ts":1767225601000,"quality":{"pressure":"timeout"}}],"#
        + #""messages":[{"kind":"message","source":"boiler","ts":1767225601500,"category":"alarms","#
        + #""payload":{"temp":91}}]}"#

    @Test func theWorkedExampleIsExactlyWhatTheEncoderWrites() async throws {
        let (json, encoded) = ColumnarEncoder.document(Self.exampleRecords)
        #expect(encoded == 3)
        #expect(String(decoding: json, as: UTF8.self) == Self.exampleDocument)
        try await Self.roundTrip(Self.exampleRecords)
    }

    /// docs/uplink-columnar.md shows the example's records and document; both must be what the
    /// encoder takes and writes, so the documentation cannot drift from the code.
    @Test func theDocumentationShowsTheSameExample() throws {
        let text = try Files.readText(Self.repositoryRoot + "/docs/uplink-columnar.md")
        // The first fenced block after the marker, without its info string.
        func block(after marker: String) throws -> String {
            let start = try #require(text.firstRange(of: marker), "docs/uplink-columnar.md has \(marker)")
            let fences = text[start.upperBound...].split(separator: "```", omittingEmptySubsequences: false)
            try #require(fences.count >= 3)
            return String(fences[1].drop(while: { $0 != "\n" }).dropFirst())
        }
        let lines = try block(after: "<!-- example-records -->").split(separator: "\n")
        let records = try lines.map { line -> Record in
            let sequence = try #require(UInt64(line.prefix(while: { $0 != " " })))
            return (sequence, Array(line.drop(while: { $0 != " " }).dropFirst().utf8))
        }
        #expect(records.count == 3)
        let shown = try JSONValue.parse(try block(after: "<!-- example-document -->"))
        #expect(shown == (try Self.document(records)))
        #expect(shown == (try JSONValue.parse(Self.exampleDocument)))
    }

    // MARK: round trips

    /// 100 devices x 10 points x 6 readings: integer, fixed-point, free float, large integer,
    /// negative, string and on/off points, a point a deadband held back now and then, failed
    /// reads (one point, and a whole frame), and messages (one without a source, one with a
    /// payload that is not an object).
    @Test func aRealisticBatchComesBackExactly() async throws {
        var records: [Record] = []
        var sequence: UInt64 = 1000
        var random = SplitMix(seed: 7)
        let t0: Int64 = 1_767_225_600_000
        var temps = (0..<100).map { 200 + $0 }  // tenths of a degree
        for reading in 0..<6 {
            for device in 0..<100 {
                let ts = t0 + Int64(reading) * 10_000 + Int64(device) * 3 + Int64(random.next() % 5)
                temps[device] += Int(random.next() % 3) - 1
                var points: [(String, String)] = [
                    ("count", "\(reading * 60 + device)"),
                    ("status", "\(device % 4)"),
                    ("temp", JSONValue.formatNumber(Double(temps[device]) / 10)),
                    ("power", JSONValue.formatNumber(1000 * sin(Double(reading * 100 + device) / 7))),
                    ("energy", "\(1_234_567_890_123 + reading * 17 + device)"),
                    ("offset", "\(-40 + reading - device)"),
                    ("serial", "\"SN-\(device)-\(reading < 3 ? "a" : "b")\""),
                    ("ratio", JSONValue.formatNumber(Double(Float(device) / 7))),
                    ("flag", "\(reading % 2)"),
                ]
                // A deadband holds pressure back on odd readings of some devices.
                if !(device % 3 == 0 && reading % 2 == 1) {
                    points.append(("pressure", JSONValue.formatNumber(Double(100 + device % 7) / 100)))
                }
                var quality: [(String, String)] = []
                if device == 5 && reading == 2 {
                    points.removeAll { $0.0 == "temp" }
                    quality.append(("temp", "timeout"))
                }
                if device == 9 && reading == 4 {
                    quality = points.map { ($0.0, "exception") }
                    points = []
                }
                records.append(Self.record(sequence, Self.frame("dev\(device)", ts, points, quality: quality)))
                sequence += 1
            }
            let at = t0 + Int64(reading) * 10_000 + 500
            records.append(Self.record(sequence, #""kind":"message","source":"dev3","ts":\#(at),"#
                + #""category":"alarms","payload":{"temp":91.5,"note":"hot"}"#))
            sequence += 1
        }
        records.append(Self.record(sequence, #""kind":"message","ts":\#(t0 + 59_000),"payload":42"#))

        let decoded = try await Self.roundTrip(records)
        #expect(decoded.frames.count == 600)
        #expect(decoded.messages.count == 7)

        // The layout chose what it should, so the delta paths are exercised too.
        let document = try Self.document(records)
        #expect(Self.entry(document, "dev1", "count")["enc"] == "delta")
        #expect(Self.entry(document, "dev1", "count")["dt"] == .null, "in every frame: shares the source's dt")
        #expect(Self.entry(document, "dev1", "temp")["decimals"] == 1)
        #expect(Self.entry(document, "dev1", "energy")["enc"] == "delta")
        #expect(Self.entry(document, "dev1", "pressure")["decimals"] == 2)
        #expect(Self.entry(document, "dev3", "pressure")["dt"] != .null, "held back on odd readings: own dt")
        #expect(Self.entry(document, "dev5", "temp")["dt"] != .null, "failed once: own dt")
        #expect(Self.entry(document, "dev1", "power")["enc"] == "plain")
        #expect(Self.entry(document, "dev1", "serial")["enc"] == "plain")
        #expect(Self.entry(document, "dev1", "ratio")["enc"] == "plain")
        guard case .array(let quality) = document["quality"] else {
            Issue.record("no quality array")
            return
        }
        #expect(quality.count == 2)
    }

    /// Values the delta form cannot carry exactly fall back to plain; points that come and go,
    /// clocks that step back, records that only look like frames, and odd names all survive.
    @Test func edgeCasesFallBackAndStillComeBackExactly() async throws {
        let t: Int64 = 1_767_225_600_000
        let records: [Record] = [
            Self.record(1, Self.frame("a", t, [
                ("huge", "100000000000000000"), ("swing", "8000000000000000"), ("mixed", "1"), ("tiny", "0.000000001"),
                ("sum", "0.30000000000000004"), ("neg", "-2.5"), ("nothing", "null"), ("big", "9007199254740991"),
                ("e", "1.5e-7"),
            ])),
            Self.record(2, Self.frame("a", t + 1000, [
                ("huge", "100000000000000001"), ("swing", "-8000000000000000"), ("mixed", "\"one\""),
                ("tiny", "0.000000002"), ("sum", "0.1"), ("neg", "-2.25"), ("nothing", "null"),
                ("big", "9007199254740990"), ("e", "2.5e-7"), ("late", "true"),
            ])),
            // The clock stepped back: negative dt.
            Self.record(3, Self.frame("a", t - 5000, [("neg", "-3"), ("late", "false")])),
            Self.record(4, Self.frame("kessel \"ü\"\\1", t + 3, [("temp\\n", "1"), ("€", "\"\\u0000x\"")])),
            // Only look like frames: carried whole.
            Self.record(5, #""kind":"frame","source":"a","ts":1767225600000.5,"points":{"x":1}"#),
            Self.record(6, #""kind":"frame","source":"a","ts":1767225600000,"points":{"x":1},"unit":"degC""#),
            Self.record(7, #""kind":"frame","source":"a","ts":1767225600000,"points":{}"#),
            Self.record(8, #""kind":"frame","source":"a","ts":1767225600000,"points":{"x":1},"quality":{}"#),
            Self.record(9, #""kind":"frame","source":7,"ts":1767225600000,"points":{"x":1}"#),
            Self.record(10, ""),
            Self.record(11, #""kind":"message","ts":1767225600000,"payload":[1,{"a":null}]"#),
            // Quality only.
            Self.record(12, Self.frame("b", t, [], quality: [("x", "timeout"), ("y", "crc")])),
        ]
        try await Self.roundTrip(records)
        let document = try Self.document(records)
        for point in ["huge", "swing", "mixed", "sum", "nothing"] {
            #expect(Self.entry(document, "a", point)["enc"] == "plain", "\(point)")
        }
        #expect(Self.entry(document, "a", "big")["enc"] == "delta")
        #expect(Self.entry(document, "a", "tiny")["decimals"] == 9)
        #expect(Self.entry(document, "a", "e")["decimals"] == 8)
        #expect(Self.entry(document, "a", "neg")["decimals"] == 2)
        #expect(Self.entry(document, "a", "neg")["v"] == [-250, 25, -75])
        #expect(Self.entry(document, "a", "late")["dt"] == [1000, -6000])
        #expect(document["sources"][0]["dt"] == [0, 1000, -6000])
    }

    @Test func aRecordThatIsNotAJSONObjectIsLeftOutAndCounted() async throws {
        let records: [Record] = [
            Self.record(10, Self.frame("a", 1_767_225_600_000, [("x", "1")])),
            Self.record(11, "not json"),
            Self.record(12, #""kind":"frame","source":"a","ts":"#),
            Self.record(13, Self.frame("a", 1_767_225_601_000, [("x", "2")])),
        ]
        let (_, encoded) = ColumnarEncoder.encode(records)
        #expect(encoded == 2)
        let decoded = try await Self.roundTrip(records)
        #expect(decoded.batch == "10-13")
        #expect(decoded.frames.count == 2)
        #expect(decoded.messages.isEmpty)
    }

    @Test func anEmptyBatchIsAValidDocument() async throws {
        let (json, encoded) = ColumnarEncoder.document([])
        #expect(encoded == 0)
        let empty = #"{"v":1,"batch":"","t0":0,"sources":[],"quality":[],"messages":[]}"#
        #expect(String(decoding: json, as: UTF8.self) == empty)
        try await Self.roundTrip([])
    }

    /// zlib's streams at both levels and the hand-written stored fallback (several 64 KiB
    /// blocks, and empty) are gzip as Python reads it.
    @Test func gzipStreamsAreValidForAnIndependentReader() async throws {
        let python = try requireExecutable("python3", install: "apt-get install python3")
        let directory = try TemporaryDirectory(prefix: "edgeflow-deflate")
        var random = SplitMix(seed: 3)
        let inputs: [[UInt8]] = [
            [],
            Array("hello".utf8),
            (0..<200_000).map { _ in UInt8(truncatingIfNeeded: random.next()) },
            (0..<150_000).map { UInt8(truncatingIfNeeded: $0 % 251) },
        ]
        let check = "import gzip, sys; sys.exit(0 if gzip.decompress(open(sys.argv[1], 'rb').read()) "
            + "== open(sys.argv[2], 'rb').read() else 'differs')"
        for (i, input) in inputs.enumerated() {
            let raw = directory.file("\(i).raw")
            try Files.writeAtomically(raw, bytes: input)
            let streams: [(String, [UInt8])] = [
                ("level 6", Deflate.gzip(input)), ("level 9", Deflate.gzip(input, level: 9)),
                ("stored", Deflate.stored(input)),
            ]
            for (name, stream) in streams {
                let path = directory.file("\(i)-\(name).gz")
                try Files.writeAtomically(path, bytes: stream)
                let (status, output) = try await runToCompletion(python, ["-c", check, path, raw], in: directory)
                #expect(status == 0, "input \(i), \(name): \(output)")
            }
        }
        #expect(Deflate.compressed([1, 2, 3], level: 42) == nil, "zlib refuses a bad level; gzip() then stores")
        #expect(Deflate.gzip([1, 2, 3], level: 42) == Deflate.stored([1, 2, 3]))
    }

    // MARK: bytes per point (docs/performance.md P7)

    /// 100 devices x 100 uint16 points at 1 Hz, as the whole-agent benchmark polls them; values
    /// static, or each point a random walk of +-1 around 1000. Timestamps are the poll burst's
    /// (device d about d ms after the second) with a few ms of jitter, or exact.
    static func field(seconds: Int, walk: Bool, jitter: Bool) -> [Record] {
        var random = SplitMix(seed: 11)
        var values = (0..<100).map { device in (0..<100).map { walk ? 1000 : (device * 7 + $0) % 1000 } }
        var records: [Record] = []
        records.reserveCapacity(seconds * 100)
        let t0: Int64 = 1_767_225_600_000
        for second in 0..<seconds {
            for device in 0..<100 {
                let ts = t0 + Int64(second) * 1000 + Int64(device) + (jitter ? Int64(random.next() % 7) - 3 : 0)
                var text = "\"kind\":\"frame\",\"source\":\"dev\(device)\",\"ts\":\(ts),\"points\":{"
                for point in 0..<100 {
                    if walk && second > 0 { values[device][point] += Int(random.next() % 3) - 1 }
                    if point > 0 { text += "," }
                    text += "\"r\(point)\":\(values[device][point])"
                }
                text += "}"
                records.append((UInt64(records.count + 1), Array(text.utf8)))
            }
        }
        return records
    }

    /// Sizes are deterministic, so P7 (at most 4 bytes per point at 60 s batches, 10 at 10 s)
    /// is asserted for columnar-gzip. `EDGEFLOW_PRINT_FIGURES=1` prints the whole table:
    /// harvest (in bodies of at most 100 records), json, json gzipped (the reference), and
    /// columnar-gzip at level 6 (what is sent) and 9.
    @Test func bytesPerPointFigures() {
        let printing = getenv("EDGEFLOW_PRINT_FIGURES") != nil
        if printing {
            Swift.print("values  timestamps batch  harvest   json  json+gz  columnar-gz(6)  (9)    document")
        }
        for (walk, jitter) in [(false, false), (false, true), (true, true)] {
            for seconds in [10, 60] {
                let records = Self.field(seconds: seconds, walk: walk, jitter: jitter)
                let points = Double(records.count * 100)
                let columnar = ColumnarEncoder.encode(records)
                #expect(columnar.encoded == records.count)
                let perPoint = Double(columnar.body.count) / points
                #expect(perPoint <= (seconds == 60 ? 4 : 10), "P7, \(seconds) s, walk \(walk)")
                guard printing else { continue }
                var harvest = 0
                for start in stride(from: 0, to: records.count, by: UplinkEncoder.harvest.maximumRecords) {
                    let chunk = Array(records[start..<min(start + UplinkEncoder.harvest.maximumRecords, records.count)])
                    harvest += UplinkEncoder.harvest.encode(chunk).body.count
                }
                let json = UplinkEncoder.json.encode(records).body
                let clock = ContinuousClock()
                var document: [UInt8] = []
                let layout = clock.measure { document = ColumnarEncoder.document(records).json }
                var level9 = 0
                let deflate6 = clock.measure { _ = Deflate.gzip(document, level: 6) }
                let deflate9 = clock.measure { level9 = Deflate.gzip(document, level: 9).count }
                func f(_ bytes: Int, _ width: Int = 7) -> String {
                    let text = String(Double(Int(Double(bytes) / points * 1000)) / 1000)
                    return String(repeating: " ", count: max(0, width - text.count)) + text
                }
                Swift.print(
                    (walk ? "walk    " : "static  ") + (jitter ? "jitter     " : "exact      ") + "\(seconds) s "
                        + f(harvest, 8) + f(json.count) + f(Deflate.gzip(json).count, 9) + f(columnar.body.count, 16)
                        + f(level9) + f(document.count, 11)
                        + "   (layout \(layout), deflate 6 \(deflate6), 9 \(deflate9); debug build)")
            }
        }
    }
}

/// A small deterministic generator (SplitMix64), so test data is the same on every run.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
