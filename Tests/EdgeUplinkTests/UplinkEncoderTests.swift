import EdgeCore
import EdgeUplink
import Testing

/// The batch bodies, checked against hand-written JSON (what SORACOM Harvest Data documents for
/// a batch write: an array of objects, each with a unix-ms `timestamp`).
struct UplinkEncoderTests {
    let frame = (sequence: UInt64(7), payload: Array(#""kind":"frame","source":"boiler","ts":1767225600000,"points":{"temp":81.5,"serial":"SN-1"},"quality":{"pressure":"timeout"}"#.utf8))
    let message = (sequence: UInt64(8), payload: Array(#""kind":"message","source":"boiler","ts":1767225601000,"category":"alarms","payload":{"temp":91,"timestamp":5}"#.utf8))
    let scalar = (sequence: UInt64(9), payload: Array(#""kind":"message","ts":1767225602000,"payload":42"#.utf8))

    @Test func harvestBodiesAreArraysOfTimestampedEntries() throws {
        let (body, encoded) = UplinkEncoder.harvest.encode([frame, message, scalar])
        #expect(encoded == 3)
        let expected = try JSONValue.parse(
            #"""
            [{"timestamp":1767225600000,"source":"boiler","temp":81.5,"serial":"SN-1","quality":{"pressure":"timeout"}},
             {"timestamp":1767225601000,"source":"boiler","category":"alarms","temp":91},
             {"timestamp":1767225602000,"payload":42}]
            """#)
        #expect(try JSONValue.parse(String(decoding: body, as: UTF8.self)) == expected)
    }

    @Test func jsonBodiesCarryTheBatchIdAndEachRecordWithItsSequence() throws {
        let (body, encoded) = UplinkEncoder.json.encode([frame, scalar])
        #expect(encoded == 2)
        let expected = try JSONValue.parse(
            #"""
            {"batch":"7-9","records":[
              {"seq":7,"kind":"frame","source":"boiler","ts":1767225600000,"points":{"temp":81.5,"serial":"SN-1"},
               "quality":{"pressure":"timeout"}},
              {"seq":9,"kind":"message","ts":1767225602000,"payload":42}]}
            """#)
        #expect(try JSONValue.parse(String(decoding: body, as: UTF8.self)) == expected)
    }

    @Test func aRecordThatIsNotAJSONObjectIsLeftOutAndCounted() {
        let broken = (sequence: UInt64(10), payload: Array("not json".utf8))
        let (_, encoded) = UplinkEncoder.harvest.encode([frame, broken])
        #expect(encoded == 1)
        #expect(UplinkEncoder.harvest.maximumRecords == 100)
    }
}
