import EdgeCore
@testable import EdgeUplink
import EdgeTestSupport
import Testing

/// The delivery cursor: persistence, monotonicity, clamping, and segment deletion.
@Suite struct SpoolCursorTests {
    @Test func acknowledgementPersistsAcrossReopen() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        do {
            let spool = try openSpool(directory.path)
            for index in 0..<10 { _ = try spool.append(payload(index, count: 20)) }
            try spool.acknowledge(through: 6)
            #expect(spool.ackedSequence == 6)
        }
        #expect(readTextFile(directory.file("cursor")) == "6\n")
        #expect(!fileExists(directory.file("cursor.tmp")))
        let spool = try openSpool(directory.path)
        #expect(spool.ackedSequence == 6)
        #expect(spool.stats.records == 4)
        #expect(try readAll(spool, after: spool.ackedSequence).map(\.sequence) == [7, 8, 9, 10])
    }

    @Test func acknowledgementNeverMovesBack() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        let spool = try openSpool(directory.path)
        for index in 0..<10 { _ = try spool.append(payload(index, count: 20)) }
        try spool.acknowledge(through: 8)
        try spool.acknowledge(through: 3)
        try spool.acknowledge(through: 0)
        #expect(spool.ackedSequence == 8)
        #expect(readTextFile(directory.file("cursor")) == "8\n")
    }

    @Test func acknowledgementBeyondTheNewestRecordIsClamped() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        let spool = try openSpool(directory.path)
        try spool.acknowledge(through: 5)  // nothing appended yet
        #expect(spool.ackedSequence == 0)
        #expect(!fileExists(directory.file("cursor")))
        for index in 0..<4 { _ = try spool.append(payload(index, count: 20)) }
        try spool.acknowledge(through: 1000)
        #expect(spool.ackedSequence == 4)
        #expect(readTextFile(directory.file("cursor")) == "4\n")
        #expect(try spool.append([1]) == 5)
        #expect(spool.stats.records == 1)
        try spool.acknowledge(through: UInt64.max)
        #expect(spool.ackedSequence == 5)
    }

    @Test func acknowledgingDeletesFullyAcknowledgedSegmentsButNeverTheActiveOne() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        // 30-byte payloads, 50-byte records, 4 per 200-byte segment: 1-4, 5-8, 9-12, 13-14.
        let spool = try openSpool(directory.path, testSettings(segmentBytes: 200))
        for index in 0..<14 { _ = try spool.append(payload(index, count: 30)) }
        #expect(segmentFiles(directory.path) == [1, 5, 9, 13])

        try spool.acknowledge(through: 3)
        #expect(segmentFiles(directory.path) == [1, 5, 9, 13])
        try spool.acknowledge(through: 4)
        #expect(segmentFiles(directory.path) == [5, 9, 13])
        try spool.acknowledge(through: 11)
        #expect(segmentFiles(directory.path) == [9, 13])
        try spool.acknowledge(through: 14)
        #expect(segmentFiles(directory.path) == [13])
        #expect(spool.stats == SpoolStats(
            records: 0, bytes: 100, firstSequence: 13, lastSequence: 14, ackedSequence: 14,
            droppedRecords: 0, segments: 1))
        #expect(try readAll(spool, after: spool.ackedSequence).isEmpty)
        // Acknowledged records in the active segment stay readable by sequence until it goes.
        #expect(try readAll(spool).map(\.sequence) == [13, 14])
        // The surviving active segment carries the numbering into the next run.
        #expect(try spool.append([1]) == 15)
    }

    @Test func fullyAcknowledgedSpoolReopensWithItsNumbering() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        do {
            let spool = try openSpool(directory.path, testSettings(segmentBytes: 200))
            for index in 0..<14 { _ = try spool.append(payload(index, count: 30)) }
            try spool.acknowledge(through: 14)
        }
        let spool = try openSpool(directory.path, testSettings(segmentBytes: 200))
        #expect(spool.ackedSequence == 14)
        #expect(spool.stats.lastSequence == 14)
        #expect(spool.stats.records == 0)
        #expect(try spool.append([1]) == 15)
        #expect(try readAll(spool, after: spool.ackedSequence).map(\.sequence) == [15])
    }

    @Test func segmentsLeftBehindByACrashAfterTheCursorWriteAreDeletedOnOpen() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        do {
            let spool = try openSpool(directory.path, testSettings(segmentBytes: 200))
            for index in 0..<14 { _ = try spool.append(payload(index, count: 30)) }
        }
        try directory.write("cursor", "10\n")  // written, then the crash came before the unlinks
        let spool = try openSpool(directory.path, testSettings(segmentBytes: 200))
        #expect(segmentFiles(directory.path) == [9, 13])
        #expect(spool.ackedSequence == 10)
        #expect(try readAll(spool, after: 10).map(\.sequence) == [11, 12, 13, 14])
    }

    @Test func missingCursorMeansNothingAcknowledged() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        do {
            let spool = try openSpool(directory.path)
            for index in 0..<3 { _ = try spool.append(payload(index, count: 5)) }
        }
        let log = CapturedLog()
        let spool = try openSpool(directory.path, log: log)
        #expect(spool.ackedSequence == 0)
        #expect(log.entries.isEmpty)
    }

    @Test func garbageCursorIsLoggedAndTreatedAsZero() throws {
        for garbage in ["", "abc\n", "-3\n", "12 13\n", String(repeating: "9", count: 100)] {
            let directory = try TemporaryDirectory(prefix: "spool")
            do {
                let spool = try openSpool(directory.path)
                for index in 0..<3 { _ = try spool.append(payload(index, count: 5)) }
                try spool.acknowledge(through: 2)
            }
            try directory.write("cursor", garbage)
            let log = CapturedLog()
            let spool = try openSpool(directory.path, log: log)
            #expect(spool.ackedSequence == 0, "\(garbage.debugDescription)")
            #expect(log.entries(.warning).count == 1, "\(garbage.debugDescription)")
            #expect(try readAll(spool, after: spool.ackedSequence).count == 3)
        }
    }

    @Test func cursorBeyondTheNewestRecordIsClampedOnOpen() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        do {
            let spool = try openSpool(directory.path)
            for index in 0..<5 { _ = try spool.append(payload(index, count: 5)) }
        }
        try directory.write("cursor", "99\n")
        let log = CapturedLog()
        let spool = try openSpool(directory.path, log: log)
        #expect(spool.ackedSequence == 5)
        #expect(log.entries(.warning).count == 1)
        #expect(spool.stats.records == 0)
        #expect(try spool.append([1]) == 6)
    }

    @Test func cursorWithoutSegmentsContinuesTheNumberingAfterIt() throws {
        // Segments gone (deleted by hand): numbers the receiver has seen are not reused.
        let directory = try TemporaryDirectory(prefix: "spool")
        try directory.write("cursor", "41\n")
        let spool = try openSpool(directory.path)
        #expect(spool.ackedSequence == 41)
        #expect(spool.stats.lastSequence == 41)
        #expect(spool.stats.records == 0)
        #expect(try spool.append([1]) == 42)
        #expect(segmentFiles(directory.path) == [42])
    }

    @Test func staleTemporaryCursorIsIgnoredAndRemoved() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        do {
            let spool = try openSpool(directory.path)
            for index in 0..<5 { _ = try spool.append(payload(index, count: 5)) }
            try spool.acknowledge(through: 2)
        }
        try directory.write("cursor.tmp", "4")  // torn replacement that never got renamed
        let spool = try openSpool(directory.path)
        #expect(spool.ackedSequence == 2)
        #expect(!fileExists(directory.file("cursor.tmp")))
    }
}
