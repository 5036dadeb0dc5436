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
        #expect(
            spool.jsonMembers(of: Array(#""kind":"message","ts":0"#.utf8)) == Array(#""kind":"message","ts":0"#.utf8))
    }
}

/// Reading into one reused batch gives each read's records, and the same as a plain read.
@Suite struct SpoolBatchReadTests {
    @Test func aReusedBatchHoldsExactlyEachReadsRecords() throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-spool-batch")
        let spool = try Spool(directory: dir.path)
        for i in 1...10 { _ = try spool.append(Array("record \(i) ".utf8) + Array(repeating: UInt8(i), count: i)) }
        var batch = SpoolBatch()
        var cursor: UInt64 = 0
        var seen: [SpoolRecord] = []
        while true {
            try spool.read(after: cursor, maxRecords: 3, maxBytes: 1 << 20, into: &batch)
            guard let last = batch.lastSequence else { break }
            #expect(batch.count <= 3)
            #expect(batch.records == (try spool.read(after: cursor, maxRecords: 3, maxBytes: 1 << 20)))
            seen += batch.records
            cursor = last
        }
        #expect(seen.map(\.sequence) == Array(1...10))
        #expect(seen.last?.payload == Array("record 10 ".utf8) + Array(repeating: 10, count: 10))
        #expect(batch.isEmpty && batch.payloadBytes == 0)
    }
}
