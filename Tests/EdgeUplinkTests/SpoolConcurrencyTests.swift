import EdgeCore
@testable import EdgeUplink
import EdgeTestSupport
import Synchronization
import Testing

/// The agent's use: the pipeline thread appends while the uplink thread reads and acknowledges.
@Suite struct SpoolConcurrencyTests {
    @Test func appendsOnOneThreadReadsAndAcksOnAnotherSeeEveryRecordOnceInOrder() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        let spool = try openSpool(directory.path, testSettings(segmentBytes: 4096))
        let total: UInt64 = 5000
        let writerFailure = Mutex<String?>(nil)
        let readerFailure = Mutex<String?>(nil)
        let delivered = Atomic<UInt64>(0)
        let deadline = monotonicNow() + 60_000_000_000

        let writer = try #require(TestThread.start {
            for index in 0..<Int(total) {
                do {
                    let sequence = try spool.append(payload(index, count: index % 97))
                    if sequence != UInt64(index + 1) {
                        writerFailure.withLock { $0 = "append \(index) got sequence \(sequence)" }
                        return
                    }
                    if index % 500 == 0 { try spool.sync() }
                } catch {
                    writerFailure.withLock { $0 = "\(error)" }
                    return
                }
            }
        })
        let reader = try #require(TestThread.start {
            var cursor: UInt64 = 0
            while cursor < total, monotonicNow() < deadline {
                do {
                    let records = try spool.read(after: cursor, maxRecords: 64, maxBytes: 2048)
                    for record in records {
                        let index = Int(record.sequence) - 1
                        guard record.sequence == cursor + 1, record.payload == payload(index, count: index % 97) else {
                            readerFailure.withLock { $0 = "after \(cursor) got \(record.sequence)" }
                            return
                        }
                        cursor = record.sequence
                    }
                    if !records.isEmpty { try spool.acknowledge(through: cursor) }
                    delivered.store(cursor, ordering: .releasing)
                } catch {
                    readerFailure.withLock { $0 = "\(error)" }
                    return
                }
            }
        })
        writer.join()
        reader.join()
        #expect(writerFailure.withLock { $0 } == nil)
        #expect(readerFailure.withLock { $0 } == nil)
        #expect(delivered.load(ordering: .acquiring) == total)
        let stats = spool.stats
        #expect(stats.records == 0)
        #expect(stats.segments == 1)
        #expect(stats.ackedSequence == total)
        #expect(segmentFiles(directory.path).count == 1)
    }

    @Test func readsRacingTheByteCapSeeIncreasingIntactRecordsAndNothingIsLostUncounted() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        // Segments of ~10 records, at most 3 of them: the writer outruns the reader and the cap
        // deletes segments the reader has listed but not yet opened.
        let spool = try openSpool(directory.path, testSettings(segmentBytes: 1200, maxBytes: 3600))
        let total: UInt64 = 5000
        let failure = Mutex<String?>(nil)
        let delivered = Mutex<(count: UInt64, last: UInt64)>((0, 0))
        let deadline = monotonicNow() + 60_000_000_000

        let writer = try #require(TestThread.start {
            for index in 0..<Int(total) {
                do {
                    _ = try spool.append(payload(index, count: 100))
                } catch {
                    failure.withLock { $0 = "append: \(error)" }
                    return
                }
            }
        })
        let reader = try #require(TestThread.start {
            var cursor: UInt64 = 0
            var count: UInt64 = 0
            while cursor < total, monotonicNow() < deadline {
                do {
                    let records = try spool.read(after: cursor, maxRecords: 7, maxBytes: Int.max)
                    for record in records {
                        guard record.sequence > cursor,
                            record.payload == payload(Int(record.sequence) - 1, count: 100)
                        else {
                            failure.withLock { $0 = "after \(cursor) got \(record.sequence)" }
                            return
                        }
                        cursor = record.sequence
                        count += 1
                    }
                    if !records.isEmpty { try spool.acknowledge(through: cursor) }
                } catch {
                    failure.withLock { $0 = "read: \(error)" }
                    return
                }
            }
            delivered.withLock { $0 = (count, cursor) }
        })
        writer.join()
        reader.join()
        #expect(failure.withLock { $0 } == nil)
        let (count, last) = delivered.withLock { $0 }
        #expect(last == total)
        // Read-but-unacknowledged records the cap deleted count as dropped too, hence >=.
        #expect(count + spool.stats.droppedRecords >= total)
        #expect(spool.stats.bytes <= 3600 + 1200)
    }
}
