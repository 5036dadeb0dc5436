import EdgeCore
import Testing

/// The typed frame record: the documented layout byte for byte, reading it back, damage, and
/// the schema that carries its names.
@Suite struct FrameRecordTests {
    /// A boiler frame: temp 81.5, pressure failed with a timeout, serial the text `SN "7"`.
    func boilerRecord(schema: UInt64 = 0x0123_4567_89AB_CDEF) -> [UInt8] {
        var out: [UInt8] = [1, 2, 3]  // begin() empties whatever was there
        FrameRecord.begin(into: &out, schema: schema, source: 1, timestamp: 1_767_225_600_123_456_789)
        FrameRecord.appendNumber(81.5, point: 0, to: &out)
        FrameRecord.appendQuality(.timeout, point: 1, to: &out)
        FrameRecord.appendText(#"SN "7""#, point: 2, to: &out)
        return out
    }

    func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    @Test func theRecordHasTheDocumentedLayout() {
        // Python's struct, following the layout in FrameRecord.swift:
        // pack('<BBQHqH', 0xEF, 1, 0x0123456789ABCDEF, 1, 1767225600123456789, 3)
        // + pack('<HBd', 0, 0, 81.5) + pack('<HB', 1, 2) + pack('<HBI', 2, 0x80, 6) + b'SN "7"'
        let expected =
            "ef01efcdab8967452301010015cd55f5517286180300000000000000000060544001000202008006000000534e20223722"
        #expect(hex(boilerRecord()) == expected)
    }

    @Test func headerAndEntriesReadBackWhatWasWritten() throws {
        let record = boilerRecord()
        try record.withUnsafeBytes { bytes in
            #expect(FrameRecord.isFrameRecord(bytes))
            let header = try #require(FrameRecord.header(bytes))
            #expect(
                header
                    == FrameRecord.Header(
                        schema: 0x0123_4567_89AB_CDEF, source: 1, timestamp: 1_767_225_600_123_456_789, entries: 3))
            var seen: [String] = []
            let whole = FrameRecord.forEachEntry(bytes) { entry in
                let text = entry.text.map { String(decoding: $0, as: UTF8.self) }
                seen.append(
                    "\(entry.point) \(entry.quality.name) \(text ?? (entry.value.isNaN ? "-" : "\(entry.value)"))")
            }
            #expect(whole)
            #expect(seen == ["0 good 81.5", "1 timeout -", #"2 good SN "7""#])
        }
    }

    @Test func everyTruncationAndTrailingBytesAreDamage() {
        let record = boilerRecord()
        for length in 0..<record.count {
            Array(record[0..<length]).withUnsafeBytes { bytes in
                let whole = FrameRecord.header(bytes) != nil && FrameRecord.forEachEntry(bytes) { _ in }
                #expect(!whole, "cut at \(length)")
            }
        }
        (record + [0]).withUnsafeBytes { bytes in
            #expect(!FrameRecord.forEachEntry(bytes) { _ in }, "a byte left over")
        }
        var otherVersion = record
        otherVersion[1] = 2
        otherVersion.withUnsafeBytes { bytes in
            #expect(FrameRecord.isFrameRecord(bytes) && FrameRecord.header(bytes) == nil)
        }
    }

    @Test func aJSONRecordIsNotAFrameRecord() {
        Array(#""kind":"message","ts":1"#.utf8).withUnsafeBytes { bytes in
            #expect(!FrameRecord.isFrameRecord(bytes))
            #expect(FrameRecord.header(bytes) == nil)
        }
    }

    @Test func theSchemaIdIsTheFNV1aOfItsCanonicalText() throws {
        let schema = RecordSchema([("boiler", ["temp", "pressure"])])
        #expect(schema.canonicalJSON == #"{"v":1,"sources":[{"id":"boiler","points":["temp","pressure"]}]}"#)
        // FNV-1a 64 of that text, computed independently (Python: h ^= byte; h *= 0x100000001b3).
        #expect(schema.id == 0x98cb_3230_753e_9716)
        #expect(RecordSchema.fileName(id: schema.id) == "schema-98cb3230753e9716.json")
        let parsed = try #require(RecordSchema.parse(schema.canonicalJSON))
        #expect(parsed == schema)
        #expect(RecordSchema.parse(#"{"v":2,"sources":[]}"#) == nil)
        #expect(RecordSchema.parse(#"{"v":1,"sources":[{"id":"a","points":[1]}]}"#) == nil)
        #expect(RecordSchema([("boiler", ["temp"])]).id != schema.id, "other names, another schema")
    }

    @Test func membersAndHarvestEntriesAreWrittenWithTheSchemasNames() {
        let schema = RecordSchema([("door", ["open"]), ("boiler", ["temp", "pressure", "serial"])])
        let record = boilerRecord(schema: schema.id)
        record.withUnsafeBytes { bytes in
            var members: [UInt8] = []
            #expect(FrameRecordJSON.writeMembers(bytes, schema: schema, into: &members))
            #expect(
                String(decoding: members, as: UTF8.self)
                    == #""kind":"frame","source":"boiler","ts":1767225600123,"points":{"temp":81.5,"serial":"SN \"7\""},"quality":{"pressure":"timeout"}"#
            )
            var entry: [UInt8] = []
            #expect(FrameRecordJSON.writeHarvestEntry(bytes, schema: schema, into: &entry))
            #expect(
                String(decoding: entry, as: UTF8.self)
                    == #"{"timestamp":1767225600123,"source":"boiler","quality":{"pressure":"timeout"},"temp":81.5,"serial":"SN \"7\""}"#
            )
            // A schema without that source or point writes nothing.
            var none: [UInt8] = [42]
            #expect(!FrameRecordJSON.writeMembers(bytes, schema: RecordSchema([("door", ["open"])]), into: &none))
            #expect(
                !FrameRecordJSON.writeMembers(bytes, schema: RecordSchema([("a", []), ("boiler", ["t"])]), into: &none))
            #expect(none == [42])
        }
    }
}
