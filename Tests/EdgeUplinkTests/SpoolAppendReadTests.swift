import EdgeCore
@testable import EdgeUplink
import EdgeTestSupport
import Testing

/// Appending, reading, segment rolling and numbering across reopen.
@Suite struct SpoolAppendReadTests {
    @Test func appendThenReadRoundTripsPayloadsInOrderStartingAtOne() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        let spool = try openSpool(directory.path)
        let payloads: [[UInt8]] = [Array("first".utf8), [], [0, 255, 0], payload(3, count: 1000)]
        var sequences: [UInt64] = []
        for item in payloads { sequences.append(try spool.append(item)) }
        #expect(sequences == [1, 2, 3, 4])
        let records = try readAll(spool)
        #expect(records == zip(sequences, payloads).map { SpoolRecord(sequence: $0, payload: $1) })
        #expect(segmentFiles(directory.path) == [1])
        #expect(try fileSize(directory.file(segmentFileName(1))) == recordBoundaries(payloads.map(\.count)).last)
    }

    @Test func numberingContinuesAfterReopen() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        do {
            let spool = try openSpool(directory.path)
            for index in 0..<5 { _ = try spool.append(payload(index, count: 10)) }
            try spool.sync()
        }
        do {
            let spool = try openSpool(directory.path)
            #expect(spool.stats.lastSequence == 5)
            #expect(try spool.append(payload(5, count: 10)) == 6)
            #expect(try readAll(spool).map(\.sequence) == [1, 2, 3, 4, 5, 6])
            #expect(try readAll(spool).map(\.payload) == (0..<6).map { payload($0, count: 10) })
        }
        do {
            let spool = try openSpool(directory.path)
            #expect(try spool.append([]) == 7)
        }
    }

    @Test func createsMissingParentDirectories() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        let nested = directory.file("a/b/spool")
        let spool = try openSpool(nested)
        #expect(try spool.append([1]) == 1)
        #expect(Files.isDirectory(nested))
    }

    @Test func segmentsRollWhenTheNextRecordWouldExceedSegmentBytes() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        let segmentBytes = 1000
        let spool = try openSpool(directory.path, testSettings(segmentBytes: segmentBytes))
        var generator = SeededRandom(seed: 11)
        let sizes = (0..<120).map { _ in Int.random(in: 0...300, using: &generator) } + [2000, 5]
        for (index, size) in sizes.enumerated() { _ = try spool.append(payload(index, count: size)) }

        // The expected layout, from the rule alone: a record starts a new segment when the
        // current one is non-empty and would grow beyond segmentBytes.
        var expected: [(first: UInt64, bytes: Int64)] = []
        for (index, size) in sizes.enumerated() {
            let bytes = recordSize(size)
            if let last = expected.last, last.bytes == 0 || last.bytes + bytes <= Int64(segmentBytes) {
                expected[expected.count - 1].bytes += bytes
            } else {
                expected.append((UInt64(index + 1), bytes))
            }
        }
        #expect(segmentFiles(directory.path) == expected.map(\.first))
        for segment in expected {
            #expect(try fileSize(directory.file(segmentFileName(segment.first))) == segment.bytes)
        }
        // The 2000-byte record is larger than a segment and sits alone in its own.
        #expect(expected.contains { $0.first == 121 && $0.bytes == recordSize(2000) })
        #expect(spool.stats.segments == expected.count)
        #expect(spool.stats.bytes == expected.reduce(0) { $0 + $1.bytes })

        let records = try readAll(spool)
        #expect(records.map(\.sequence) == Array(1...UInt64(sizes.count)))
        #expect(records.map(\.payload) == sizes.enumerated().map { payload($0, count: $1) })
        // Read from the middle of a middle segment.
        let middle = try spool.read(after: 60, maxRecords: 30, maxBytes: Int.max)
        #expect(middle.map(\.sequence) == Array(61...90))
    }

    @Test func readHonoursRecordAndByteLimitsButAlwaysReturnsOneRecord() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        let spool = try openSpool(directory.path, testSettings(segmentBytes: 200))
        let sizes = [10, 500, 10, 10, 10, 10]
        for (index, size) in sizes.enumerated() { _ = try spool.append(payload(index, count: size)) }

        #expect(try spool.read(after: 0, maxRecords: 10, maxBytes: 100).map(\.sequence) == [1])
        #expect(try spool.read(after: 1, maxRecords: 10, maxBytes: 100).map(\.sequence) == [2])
        #expect(try spool.read(after: 1, maxRecords: 10, maxBytes: 0).map(\.sequence) == [2])
        #expect(try spool.read(after: 2, maxRecords: 10, maxBytes: 30).map(\.sequence) == [3, 4, 5])
        #expect(try spool.read(after: 2, maxRecords: 2, maxBytes: Int.max).map(\.sequence) == [3, 4])
        #expect(try spool.read(after: 0, maxRecords: 10, maxBytes: 520).map(\.sequence) == [1, 2, 3])
        #expect(try spool.read(after: 0, maxRecords: 0, maxBytes: Int.max).isEmpty)
        #expect(try spool.read(after: 6, maxRecords: 10, maxBytes: Int.max).isEmpty)
        #expect(try spool.read(after: 1000, maxRecords: 10, maxBytes: Int.max).isEmpty)
        #expect(try spool.read(after: UInt64.max, maxRecords: 10, maxBytes: Int.max).isEmpty)
    }

    @Test func batchedReadsWalkTheWholeSpoolLikeOneRead() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        let spool = try openSpool(directory.path, testSettings(segmentBytes: 700))
        var generator = SeededRandom(seed: 3)
        for index in 0..<300 { _ = try spool.append(payload(index, count: Int.random(in: 0...90, using: &generator))) }
        let whole = try readAll(spool)
        #expect(whole.count == 300)
        for batch in [1, 7, 64] {
            var collected: [SpoolRecord] = []
            var cursor: UInt64 = 0
            for _ in 0..<400 {
                let records = try spool.read(after: cursor, maxRecords: batch, maxBytes: 300)
                guard let last = records.last else { break }
                collected += records
                cursor = last.sequence
            }
            #expect(collected == whole, "batches of \(batch)")
        }
        // Reads that jump backwards and forwards do not depend on where the last one stopped.
        for after: UInt64 in [250, 3, 299, 0, 120, 121, 119] {
            let expected = Array(whole.dropFirst(Int(after)).prefix(5))
            #expect(try spool.read(after: after, maxRecords: 5, maxBytes: Int.max) == expected)
        }
    }

    @Test func largestPayloadIsAcceptedAndOneByteMoreIsRefused() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        let spool = try openSpool(directory.path)
        let big = payload(1, count: 16 << 20)
        #expect(try spool.append(big) == 1)
        #expect(throws: SpoolError.self) { try spool.append([UInt8](repeating: 0, count: (16 << 20) + 1)) }
        #expect(try spool.append([9]) == 2)
        let records = try spool.read(after: 0, maxRecords: 10, maxBytes: 1)
        #expect(records.count == 1)
        #expect(records.first?.payload == big)
        #expect(try spool.read(after: 1, maxRecords: 10, maxBytes: 1).first?.payload == [9])
    }

    @Test func secondSpoolOnTheSameDirectoryIsRefusedUntilTheFirstCloses() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        do {
            let first = try openSpool(directory.path)
            _ = try first.append([1])
            let error = #expect(throws: SpoolError.self) { try openSpool(directory.path) }
            #expect(error?.description.contains("already open") == true)
            _ = try first.append([2])
        }
        let again = try openSpool(directory.path)
        #expect(try again.append([3]) == 3)
    }

    @Test func statsDescribeTheSpool() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        let spool = try openSpool(directory.path, testSettings(segmentBytes: 100))
        #expect(spool.stats == SpoolStats(
            records: 0, bytes: 0, firstSequence: nil, lastSequence: 0, ackedSequence: 0,
            droppedRecords: 0, segments: 0))
        for size in [10, 50, 30] { _ = try spool.append(payload(size, count: size)) }
        // 30 + 70 = 100 fits one segment; the third record starts the second.
        #expect(spool.stats == SpoolStats(
            records: 3, bytes: 150, firstSequence: 1, lastSequence: 3, ackedSequence: 0,
            droppedRecords: 0, segments: 2))
        try spool.acknowledge(through: 1)
        #expect(spool.stats == SpoolStats(
            records: 2, bytes: 150, firstSequence: 1, lastSequence: 3, ackedSequence: 1,
            droppedRecords: 0, segments: 2))
        try spool.acknowledge(through: 2)
        #expect(spool.stats == SpoolStats(
            records: 1, bytes: 50, firstSequence: 3, lastSequence: 3, ackedSequence: 2, droppedRecords: 0, segments: 1))
        try spool.acknowledge(through: 3)
        #expect(spool.stats == SpoolStats(
            records: 0, bytes: 50, firstSequence: 3, lastSequence: 3, ackedSequence: 3, droppedRecords: 0, segments: 1))
        #expect(spool.ackedSequence == 3)
    }

    @Test func syncSucceedsBeforeAndAfterAppends() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        let spool = try openSpool(directory.path, testSettings(segmentBytes: 64))
        try spool.sync()
        for index in 0..<10 {
            _ = try spool.append(payload(index, count: 30))
            try spool.sync()
        }
        try spool.sync()
        #expect(try readAll(spool).count == 10)
    }
}
