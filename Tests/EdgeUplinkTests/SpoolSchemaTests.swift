import EdgeCore
import EdgeTestSupport
import EdgeUplink
import Testing

/// Typed records keep their names across restarts: the schema is in a file of the spool.
@Suite struct SpoolSchemaTests {
    @Test func aTypedRecordReadsWithItsSchemaAfterTheSpoolIsReopened() throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-spool-schema")
        let schema = RecordSchema([("boiler", ["temp", "pressure"])])
        var record: [UInt8] = []
        FrameRecord.begin(into: &record, schema: schema.id, source: 0, timestamp: 1_767_225_600_000_000_000)
        FrameRecord.appendNumber(81.5, point: 0, to: &record)
        FrameRecord.appendQuality(.commError, point: 1, to: &record)
        do {
            let spool = try Spool(directory: dir.path)
            try spool.storeSchema(schema)
            try spool.storeSchema(schema)  // a second time changes nothing
            _ = try spool.append(record)
            try spool.sync()
        }
        #expect(fileExists("\(dir.path)/\(RecordSchema.fileName(id: schema.id))"))
        let reopened = try Spool(directory: dir.path)
        #expect(reopened.schema(id: schema.id) == schema)
        #expect(reopened.schema(id: schema.id &+ 1) == nil)
        let read = try reopened.read(after: 0, maxRecords: 10, maxBytes: 1 << 20)
        #expect(read.count == 1)
        let members = try #require(reopened.jsonMembers(of: read[0].payload))
        #expect(
            String(decoding: members, as: UTF8.self)
                == #""kind":"frame","source":"boiler","ts":1767225600000,"points":{"temp":81.5},"quality":{"pressure":"comm-error"}"#
        )
        #expect(read[0].timestampMilliseconds == 1_767_225_600_000)
    }

    @Test func aRecordWhoseSchemaFileIsGoneIsUnreadableNotMisnamed() throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-spool-schema-lost")
        var record: [UInt8] = []
        FrameRecord.begin(into: &record, schema: 42, source: 0, timestamp: 0)
        FrameRecord.appendNumber(1, point: 0, to: &record)
        let spool = try Spool(directory: dir.path)
        #expect(spool.jsonMembers(of: record) == nil)
        #expect(spool.jsonMembers(of: Array(#""kind":"message","ts":0"#.utf8)) == Array(#""kind":"message","ts":0"#.utf8))
    }
}
