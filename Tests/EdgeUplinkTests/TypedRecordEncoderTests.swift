import EdgeCore
import EdgeUplink
import Testing

/// Every encoder gives the same body for a batch of typed frame records as for the same frames
/// spooled as JSON text by earlier builds, so receivers see no difference and a spool written
/// before an upgrade reads the same; a record of an unknown schema is left out and counted.
@Suite struct TypedRecordEncoderTests {
    static let schema = RecordSchema([("boiler", ["temp", "pressure", "serial"]), ("door", ["open"])])

    /// The same four frames and one message, as (typed or JSON payload, its JSON members).
    static func batch() -> (typed: [(sequence: UInt64, payload: [UInt8])], text: [(sequence: UInt64, payload: [UInt8])])
    {
        var typed: [(sequence: UInt64, payload: [UInt8])] = []
        var text: [(sequence: UInt64, payload: [UInt8])] = []
        let t0: Int64 = 1_767_225_600_000_000_000
        for i in 0..<4 {
            var record: [UInt8] = []
            let ts = t0 + Int64(i) * 1_000_000_000
            FrameRecord.begin(into: &record, schema: schema.id, source: 0, timestamp: ts)
            FrameRecord.appendNumber(80 + Double(i) / 2, point: 0, to: &record)
            if i == 2 {
                FrameRecord.appendQuality(.timeout, point: 1, to: &record)
            } else {
                FrameRecord.appendNumber(1.25 + Double(i) / 100, point: 1, to: &record)
            }
            FrameRecord.appendText("SN-\(i)", point: 2, to: &record)
            typed.append((UInt64(i + 1), record))
            let quality = i == 2 ? #","quality":{"pressure":"timeout"}"# : ""
            let pressure = i == 2 ? "" : #","pressure":\#(JSONValue.formatNumber(1.25 + Double(i) / 100))"#
            let members =
                #""kind":"frame","source":"boiler","ts":\#(ts / 1_000_000),"points":{"temp":\#(JSONValue.formatNumber(80 + Double(i) / 2))\#(pressure),"serial":"SN-\#(i)"}\#(quality)"#
            text.append((UInt64(i + 1), Array(members.utf8)))
        }
        let message = Array(
            #""kind":"message","source":"door","ts":1767225604000,"category":"alarms","payload":{"open":true}"#.utf8)
        typed.append((5, message))
        text.append((5, message))
        return (typed, text)
    }

    static func lookup(_ id: UInt64) -> RecordSchema? { id == schema.id ? schema : nil }

    @Test(arguments: [UplinkEncoder.harvest, .json])
    func typedAndTextRecordsGiveTheSameBody(_ encoder: UplinkEncoder) {
        let (typed, text) = Self.batch()
        let fromTyped = encoder.encode(typed, schemas: Self.lookup)
        let fromText = encoder.encode(text)
        #expect(fromTyped.encoded == 5 && fromText.encoded == 5)
        #expect(String(decoding: fromTyped.body, as: UTF8.self) == String(decoding: fromText.body, as: UTF8.self))
    }

    @Test func theHarvestBodyIsTheDocumentedArray() throws {
        let (typed, _) = Self.batch()
        let body = String(
            decoding: UplinkEncoder.harvest.encode(Array(typed[1...2]), schemas: Self.lookup).body, as: UTF8.self)
        #expect(
            body
                == #"[{"timestamp":1767225601000,"source":"boiler","temp":80.5,"pressure":1.26,"serial":"SN-1"},"#
                + #"{"timestamp":1767225602000,"source":"boiler","quality":{"pressure":"timeout"},"temp":81,"serial":"SN-2"}]"#
        )
    }

    @Test func theColumnarDocumentIsTheSameForTypedAndTextRecords() throws {
        let (typed, text) = Self.batch()
        let fromTyped = ColumnarEncoder.encode(typed, schemas: Self.lookup)
        let fromText = ColumnarEncoder.encode(text)
        #expect(fromTyped.encoded == 5)
        #expect(fromTyped.body == fromText.body, "the same document, compressed the same way")
    }

    @Test func aRecordOfAnUnknownSchemaOrANewerVersionIsLeftOut() {
        let (typed, _) = Self.batch()
        var newer = typed[0].payload
        newer[1] = 9
        for encoder in UplinkEncoder.allCases {
            #expect(encoder.encode(typed).encoded == 1, "without schemas only the message: \(encoder)")
            #expect(encoder.encode([(1, newer)] + Array(typed[1...]), schemas: Self.lookup).encoded == 4, "\(encoder)")
        }
    }
}
