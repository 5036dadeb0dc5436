import EdgeCore
@testable import EdgeUplink
import EdgeTestSupport
import Testing

/// The byte cap and the free-space floor: drop-oldest, counted and logged sparingly.
@Suite struct SpoolCapTests {
    // 100-byte payloads, 120-byte records, 10 per 1200-byte segment.
    static let settings = testSettings(segmentBytes: 1200, maxBytes: 3600)

    @Test func capDropsTheOldestSegmentsAndKeepsTheNewestReadable() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        let log = CapturedLog()
        let spool = try openSpool(directory.path, Self.settings, log: log)
        for index in 0..<100 {
            _ = try spool.append(payload(index, count: 100))
            #expect(spool.stats.bytes <= Self.settings.maxBytes + Int64(Self.settings.segmentBytes))
        }
        // Appending record 31 (3720 bytes) dropped 1-10, and so on: 71-100 remain, 3600 bytes.
        #expect(segmentFiles(directory.path) == [71, 81, 91])
        #expect(spool.stats == SpoolStats(
            records: 30, bytes: 3600, firstSequence: 71, lastSequence: 100, ackedSequence: 70, droppedRecords: 70,
            segments: 3))
        let records = try readAll(spool, after: 0)
        #expect(records.map(\.sequence) == Array(71...100))
        #expect(records.map(\.payload) == (70..<100).map { payload($0, count: 100) })
        #expect(try readAll(spool, after: spool.ackedSequence) == records)
        // Every drop happened at the same (manual) instant: one warning for the burst.
        #expect(log.entries(.warning).count == 1)
        #expect(log.entries(.warning).first?.metadata["reason"] == "max-bytes")
    }

    @Test func acknowledgedRecordsAreNotCountedAsDropped() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        let spool = try openSpool(directory.path, Self.settings)
        for index in 0..<30 { _ = try spool.append(payload(index, count: 100)) }
        try spool.acknowledge(through: 5)
        _ = try spool.append(payload(30, count: 100))  // drops 1-10, of which 6-10 were undelivered
        #expect(spool.stats.droppedRecords == 5)
        #expect(spool.ackedSequence == 10)
        #expect(spool.stats.firstSequence == 11)
    }

    @Test func dropWarningsAreSpacedByAMinuteOfMonotonicTime() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        let log = CapturedLog()
        let clock = ManualClock()
        let spool = try openSpool(directory.path, Self.settings, log: log, clock: clock)
        for index in 0..<40 { _ = try spool.append(payload(index, count: 100)) }  // drops 1-10
        #expect(log.entries(.warning).count == 1)
        #expect(log.entries(.warning).last?.metadata["dropped"] == "10")

        clock.advance(nanoseconds: 59_000_000_000)
        for index in 40..<60 { _ = try spool.append(payload(index, count: 100)) }  // drops 11-30
        #expect(log.entries(.warning).count == 1)
        #expect(spool.stats.droppedRecords == 30)

        clock.advance(nanoseconds: 1_000_000_000)
        _ = try spool.append(payload(60, count: 100))  // drops 31-40: a minute since the last line
        #expect(log.entries(.warning).count == 2)
        // The line carries what was dropped silently in between.
        #expect(log.entries(.warning).last?.metadata["dropped"] == "30")
        #expect(log.entries(.warning).last?.metadata["droppedTotal"] == "40")
    }

    @Test func capNeverDeletesTheActiveSegment() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        let spool = try openSpool(directory.path, testSettings(segmentBytes: 100, maxBytes: 100))
        for index in 0..<5 { _ = try spool.append(payload(index, count: 300)) }  // 320 bytes each
        // Over the cap even with one segment; the active one holds the newest records.
        #expect(spool.stats.segments == 1)
        #expect(try readAll(spool).map(\.sequence) == [5])
        #expect(spool.stats.droppedRecords == 4)
    }

    @Test func freeSpaceFloorDropsOlderSegmentsWhenANewSegmentStarts() throws {
        // A floor no file system can meet: every roll drops everything but the new segment.
        let directory = try TemporaryDirectory(prefix: "spool")
        let log = CapturedLog()
        let settings = testSettings(segmentBytes: 1200, maxBytes: 1 << 30, minFreeBytes: Int64.max)
        let spool = try openSpool(directory.path, settings, log: log)
        for index in 0..<10 { _ = try spool.append(payload(index, count: 100)) }
        #expect(spool.stats.droppedRecords == 0)  // the floor is only checked at a roll
        for index in 10..<35 { _ = try spool.append(payload(index, count: 100)) }
        #expect(segmentFiles(directory.path) == [31])
        #expect(spool.stats.droppedRecords == 30)
        #expect(try readAll(spool).map(\.sequence) == Array(31...35))
        #expect(log.entries(.warning).count == 1)
        #expect(log.entries(.warning).first?.metadata["reason"] == "min-free-bytes")
    }

    @Test func droppedRecordsStayDroppedAfterReopen() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        do {
            let spool = try openSpool(directory.path, Self.settings)
            for index in 0..<100 { _ = try spool.append(payload(index, count: 100)) }
        }
        let spool = try openSpool(directory.path, Self.settings)
        #expect(spool.ackedSequence == 70)
        #expect(spool.stats.droppedRecords == 0)  // counted since open
        #expect(try readAll(spool).map(\.sequence) == Array(71...100))
        #expect(try spool.append([1]) == 101)
    }
}
