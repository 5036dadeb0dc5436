import EdgeCore
@testable import EdgeUplink
import EdgeTestSupport
import Testing

/// The optional age cap: segments whose last write is older than `maxAgeNanoseconds` go when a
/// new segment starts (drop-oldest, counted); the active segment always stays.
struct SpoolAgeCapTests {
    @Test func segmentsOlderThanTheAgeCapAreDroppedAtTheNextRoll() throws {
        let directory = try TemporaryDirectory(prefix: "spool-age")
        // The clock reads two hours after the files' real modification times.
        let clock = ManualClock(wallNanoseconds: SystemClock().wallNanoseconds() + 7_200_000_000_000)
        var settings = testSettings(segmentBytes: 1200, maxBytes: 1 << 20)
        settings.maxAgeNanoseconds = 3_600_000_000_000
        let spool = try Spool(directory: directory.path, settings: settings, logger: nil, clock: clock)
        // 100-byte payloads: 10 records per 1200-byte segment; 25 records start a third segment,
        // and that roll finds the first two segments an hour too old.
        for i in 0..<25 { _ = try spool.append(payload(i, count: 100)) }
        let stats = spool.stats
        #expect(stats.droppedRecords == 20, "the two full segments, ten records each")
        #expect(stats.firstSequence == 21)
        #expect(try readAll(spool).map(\.sequence) == Array(21...25))
        #expect(segmentFiles(directory.path) == [21])
    }

    @Test func withoutAnAgeCapOldSegmentsStay() throws {
        let directory = try TemporaryDirectory(prefix: "spool-age-none")
        let clock = ManualClock(wallNanoseconds: SystemClock().wallNanoseconds() + 7_200_000_000_000)
        let spool = try Spool(
            directory: directory.path, settings: testSettings(segmentBytes: 1200, maxBytes: 1 << 20), logger: nil,
            clock: clock)
        for i in 0..<25 { _ = try spool.append(payload(i, count: 100)) }
        #expect(spool.stats.droppedRecords == 0)
        #expect(segmentFiles(directory.path) == [1, 11, 21])
    }
}
