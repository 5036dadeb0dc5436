import EdgeCore
import EdgePipeline
import Testing

/// A typed frame record says what the JSON record of the same frame said: for thousands of
/// frames drawn by a seeded generator (good values, failures, absent and held-back points,
/// texts that need escapes, redacted points, negative timestamps), the JSON written from the
/// typed record equals the JSON members the text encoding writes, byte for byte.
@Suite struct TypedRecordEncodingTests {
    /// xorshift64*: the same frames on every run.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 0x2545_F491_4F6C_DD1D
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    static let sources: [(id: String, points: [String])] = [
        ("boiler", ["temp", "pressure", "serial", "note"]), ("door \"7\"", ["open", "timestamp", "source"]),
    ]

    @Test func typedRecordsWriteTheSameJSONAsTheTextEncodingForEveryFrame() {
        let schema = RecordSchema(Self.sources)
        var random = Generator(state: 0x9E37_79B9_7F4A_7C15)
        let qualities: [SampleQuality] = [.good, .good, .good, .timeout, .commError, .deviceError, .invalid, .absent]
        let numbers: [Double] = [
            0, -0.0, 81.5, 29.9, 1e-7, 123_456_789_012, -3, .nan, 0.1 + 0.2, 9_007_199_254_740_993,
        ]
        let texts = ["SN \"7\"\\x", "line\nbreak\u{1}", "", "Grüße", "tab\there"]
        var buffer: [UInt8] = []
        var compared = 0
        for _ in 0..<5000 {
            let source = random.below(Self.sources.count)
            let count = Self.sources[source].points.count
            var values: [Double] = []
            var quality: [SampleQuality] = []
            var reported: [Bool] = []
            var frameTexts: [String?] = []
            var omit: [Bool] = []
            for _ in 0..<count {
                values.append(numbers[random.below(numbers.count)])
                quality.append(qualities[random.below(qualities.count)])
                reported.append(random.below(5) != 0)
                frameTexts.append(random.below(3) == 0 ? texts[random.below(texts.count)] : nil)
                omit.append(random.below(6) == 0)
            }
            let timestamp = Int64(bitPattern: random.next() >> 1) * (random.below(10) == 0 ? -1 : 1)
            withFrame(
                source: source, timestamp: timestamp, values: values, qualities: quality, reported: reported,
                texts: frameTexts
            ) { frame in
                let text = RecordEncoding.frame(frame, source: Self.sources[source], omit: omit)
                let typed = RecordEncoding.typedFrame(
                    frame, schema: schema.id, pointCount: count, omit: omit, into: &buffer)
                #expect(typed == (text != nil), "a frame is recorded in both forms or in neither")
                guard let text, typed else { return }
                var members: [UInt8] = []
                let written = buffer.withUnsafeBytes {
                    FrameRecordJSON.writeMembers($0, schema: schema, into: &members)
                }
                #expect(written)
                #expect(String(decoding: members, as: UTF8.self) == text)
                compared += 1
            }
        }
        #expect(compared > 3000)
    }
}
