import EdgeCore
@testable import EdgeUplink
import EdgeTestSupport
import Testing

/// What a power cut or a bad block leaves behind, and what opening the spool makes of it.
@Suite struct SpoolRecoveryTests {
    /// A spool directory written once and then copied per case.
    struct Layout {
        var directory: TemporaryDirectory
        var sizes: [Int]
        /// Segment files by first sequence.
        var segments: [UInt64]

        var lastFirst: UInt64 { segments[segments.count - 1] }
        var lastPath: String { directory.file(segmentFileName(lastFirst)) }
        /// Payload sizes of the records in the last segment.
        var lastSizes: [Int] { Array(sizes[Int(lastFirst - 1)...]) }

        func payloads(through sequence: UInt64) -> [[UInt8]] {
            (0..<Int(sequence)).map { payload($0, count: sizes[$0]) }
        }
    }

    static func makeLayout(seed: UInt64, records: Int, segmentBytes: Int) throws -> Layout {
        let directory = try TemporaryDirectory(prefix: "spool-src")
        var generator = SeededRandom(seed: seed)
        let sizes = (0..<records).map { _ in Int.random(in: 0...150, using: &generator) }
        do {
            let spool = try openSpool(directory.path, testSettings(segmentBytes: segmentBytes))
            for (index, size) in sizes.enumerated() { _ = try spool.append(payload(index, count: size)) }
        }
        return Layout(directory: directory, sizes: sizes, segments: segmentFiles(directory.path))
    }

    @Test func tornTailAtManyOffsetsKeepsExactlyTheWholeRecordsBeforeTheCut() throws {
        let layout = try Self.makeLayout(seed: 2024, records: 60, segmentBytes: 2500)
        #expect(layout.segments.count >= 3)
        let boundaries = recordBoundaries(layout.lastSizes)
        let fileBytes = try readFile(layout.lastPath)
        #expect(Int64(fileBytes.count) == boundaries.last)

        var generator = SeededRandom(seed: 99)
        var offsets = (0..<200).map { _ in Int64.random(in: 0...Int64(fileBytes.count), using: &generator) }
        // Every boundary and its neighbours, where off-by-one mistakes live.
        for boundary in boundaries {
            offsets += [boundary - 1, boundary, boundary + 1].filter { $0 >= 0 && $0 <= Int64(fileBytes.count) }
        }
        for offset in offsets {
            let copy = try TemporaryDirectory(prefix: "spool-cut")
            try copyDirectory(layout.directory.path, to: copy.path)
            try writeFile(copy.file(segmentFileName(layout.lastFirst)), Array(fileBytes[0..<Int(offset)]))

            let wholeInLast = boundaries.dropFirst().filter { $0 <= offset }.count
            let lastSurvivor = layout.lastFirst - 1 + UInt64(wholeInLast)
            let log = CapturedLog()
            let spool = try openSpool(copy.path, log: log)
            #expect(spool.stats.lastSequence == lastSurvivor, "cut at \(offset)")
            let records = try readAll(spool)
            #expect(records.map(\.sequence) == Array(1...lastSurvivor), "cut at \(offset)")
            #expect(records.map(\.payload) == layout.payloads(through: lastSurvivor), "cut at \(offset)")
            // One warning exactly when bytes were cut, none for a cut on a record boundary.
            let cut = !boundaries.contains(offset)
            #expect(log.entries(.warning).count == (cut ? 1 : 0), "cut at \(offset)")
            if wholeInLast == 0 {
                // Emptied: the segment goes and its predecessor takes the appends again.
                #expect(segmentFiles(copy.path) == Array(layout.segments.dropLast()), "cut at \(offset)")
            } else {
                #expect(segmentFiles(copy.path) == layout.segments, "cut at \(offset)")
                #expect(try fileSize(copy.file(segmentFileName(layout.lastFirst))) == boundaries[wholeInLast])
            }
            #expect(try spool.append([7, 7]) == lastSurvivor + 1, "cut at \(offset)")
            #expect(try spool.read(after: lastSurvivor, maxRecords: 5, maxBytes: 100).map(\.payload) == [[7, 7]])
        }
    }

    @Test func reopenAfterTheCutFindsNothingMoreToCut() throws {
        let layout = try Self.makeLayout(seed: 5, records: 20, segmentBytes: 1 << 20)
        let size = try fileSize(layout.lastPath)
        try truncateFile(layout.lastPath, to: size - 3)
        let first = CapturedLog()
        do { _ = try openSpool(layout.directory.path, log: first) }
        #expect(first.entries(.warning).count == 1)
        let second = CapturedLog()
        let spool = try openSpool(layout.directory.path, log: second)
        #expect(second.entries.isEmpty)
        #expect(spool.stats.lastSequence == 19)
    }

    @Test func randomGarbageAfterTheLastRecordIsCut() throws {
        for seed: UInt64 in 1...20 {
            let layout = try Self.makeLayout(seed: seed, records: 15, segmentBytes: 1000)
            let size = try fileSize(layout.lastPath)
            var generator = SeededRandom(seed: seed &* 7919)
            let garbage = (0..<Int.random(in: 1...500, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            try writeFile(layout.lastPath, garbage, append: true)
            let log = CapturedLog()
            let spool = try openSpool(layout.directory.path, log: log)
            #expect(spool.stats.lastSequence == 15, "seed \(seed)")
            #expect(try fileSize(layout.lastPath) == size, "seed \(seed)")
            #expect(log.entries(.warning).count == 1, "seed \(seed)")
            #expect(try readAll(spool).map(\.payload) == layout.payloads(through: 15), "seed \(seed)")
            #expect(try spool.append([1]) == 16)
        }
    }

    @Test func zeroFilledTailFromAPowerCutIsCut() throws {
        // Blocks allocated but never written read back as zeros.
        let layout = try Self.makeLayout(seed: 8, records: 10, segmentBytes: 1 << 20)
        let size = try fileSize(layout.lastPath)
        try writeFile(layout.lastPath, [UInt8](repeating: 0, count: 4096), append: true)
        let spool = try openSpool(layout.directory.path)
        #expect(spool.stats.lastSequence == 10)
        #expect(try fileSize(layout.lastPath) == size)
    }

    @Test func flippedPayloadByteCutsThatRecordAndEverythingAfterIt() throws {
        for damaged in [1, 4, 10] {
            var generator = SeededRandom(seed: 31)
            let sizes = (0..<10).map { _ in Int.random(in: 1...150, using: &generator) }
            let directory = try TemporaryDirectory(prefix: "spool-flip")
            do {
                let spool = try openSpool(directory.path)
                for (index, size) in sizes.enumerated() { _ = try spool.append(payload(index, count: size)) }
            }
            let path = directory.file(segmentFileName(1))
            let boundaries = recordBoundaries(sizes)
            try flipByte(path, at: Int(boundaries[damaged - 1]) + 20 + sizes[damaged - 1] / 2)
            let log = CapturedLog()
            let spool = try openSpool(directory.path, log: log)
            #expect(spool.stats.lastSequence == UInt64(damaged - 1), "record \(damaged)")
            #expect(try fileSize(path) == boundaries[damaged - 1], "record \(damaged)")
            #expect(log.entries(.warning).count == 1)
            #expect(try readAll(spool).map(\.sequence) == Array((0..<UInt64(damaged)).dropFirst()))
            #expect(try spool.append([1]) == UInt64(damaged))
        }
    }

    @Test func damagedHeaderFieldsAreCut() throws {
        // Magic, length and sequence bytes of the 6th of 8 records.
        for field in [0, 3, 5, 7, 8, 15, 16, 19] {
            let directory = try TemporaryDirectory(prefix: "spool-header")
            do {
                let spool = try openSpool(directory.path)
                for index in 0..<8 { _ = try spool.append(payload(index, count: 40)) }
            }
            let path = directory.file(segmentFileName(1))
            try flipByte(path, at: 5 * 60 + field)
            let spool = try openSpool(directory.path)
            #expect(spool.stats.lastSequence == 5, "header byte \(field)")
            #expect(try fileSize(path) == 300, "header byte \(field)")
        }
    }

    @Test func recordWithTheWrongSequenceIsCut() throws {
        // A valid record file under a name that claims other sequence numbers.
        let directory = try TemporaryDirectory(prefix: "spool")
        do {
            let spool = try openSpool(directory.path)
            for index in 0..<3 { _ = try spool.append(payload(index, count: 5)) }
        }
        try writeFile(directory.file(segmentFileName(5)), try readFile(directory.file(segmentFileName(1))))
        try writeFile(directory.file(segmentFileName(1)), [])
        // The emptied first segment is not the newest; it goes. The misnamed one is scanned,
        // its first record carries 1 where 5 belongs, so it is cut to nothing and kept as the
        // only segment, which still fixes the numbering.
        let log = CapturedLog()
        let spool = try openSpool(directory.path, log: log)
        #expect(segmentFiles(directory.path) == [5])
        #expect(try fileSize(directory.file(segmentFileName(5))) == 0)
        #expect(spool.stats.lastSequence == 4)
        #expect(spool.stats.firstSequence == nil)
        #expect(spool.stats.records == 0)
        #expect(try spool.append([1]) == 5)
        #expect(log.entries(.warning).count == 2)
    }

    @Test func emptyOnlySegmentKeepsItsNumber() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        try writeFile(directory.file(segmentFileName(42)), [])
        let spool = try openSpool(directory.path)
        #expect(spool.stats == SpoolStats(
            records: 0, bytes: 0, firstSequence: nil, lastSequence: 41, ackedSequence: 41,
            droppedRecords: 0, segments: 1))
        #expect(try spool.append([1]) == 42)
        #expect(segmentFiles(directory.path) == [42])
    }

    @Test func emptyNewestSegmentAfterACrashMidRollIsDeleted() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        do {
            let spool = try openSpool(directory.path, testSettings(segmentBytes: 100))
            for index in 0..<3 { _ = try spool.append(payload(index, count: 30)) }  // 2 + 1 per segment
        }
        // The crash came after the new segment was created and before its first record landed.
        try writeFile(directory.file(segmentFileName(3)), [])
        let spool = try openSpool(directory.path, testSettings(segmentBytes: 100))
        #expect(segmentFiles(directory.path) == [1])
        #expect(spool.stats.lastSequence == 2)
        #expect(try spool.append(payload(9, count: 10)) == 3)
        #expect(segmentFiles(directory.path) == [1, 3])
        #expect(try readAll(spool).map(\.sequence) == [1, 2, 3])
    }

    @Test func foreignFilesInTheDirectoryAreLeftAlone() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        try directory.write("README", "not a segment\n")
        try directory.write("1.seg", "short name\n")
        let spool = try openSpool(directory.path)
        #expect(try spool.append([1]) == 1)
        #expect(Files.list(directory.path).contains("README"))
        #expect(Files.list(directory.path).contains("1.seg"))
        #expect(spool.stats.segments == 1)
    }

    @Test func payloadDamageInAnOlderSegmentStopsTheReadThenIsSteppedOverOnce() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        // 50-byte payloads, 70-byte records, 10 per 700-byte segment: 1-10, 11-20, 21-30.
        do {
            let spool = try openSpool(directory.path, testSettings(segmentBytes: 700))
            for index in 0..<30 { _ = try spool.append(payload(index, count: 50)) }
        }
        #expect(segmentFiles(directory.path) == [1, 11, 21])
        // Record 14 is the 4th of the middle segment.
        try flipByte(directory.file(segmentFileName(11)), at: 3 * 70 + 20 + 25)
        let log = CapturedLog()
        let spool = try openSpool(directory.path, testSettings(segmentBytes: 700), log: log)
        #expect(log.entries.isEmpty)  // only the newest segment is checked on open

        let first = try readAll(spool)
        #expect(first.map(\.sequence) == Array(1...13))
        #expect(log.entries(.error).count == 1)
        #expect(log.entries(.error).first?.metadata["detail"]?.contains("checksum mismatch") == true)

        let second = try readAll(spool, after: 13)
        #expect(second.map(\.sequence) == Array(15...30))
        #expect(second.map(\.payload) == (14..<30).map { payload($0, count: 50) })
        let third = try readAll(spool, after: 13)
        #expect(third == second)
        #expect(log.entries(.error).count == 1)  // reported once, not per read
    }

    @Test func headerDamageInAnOlderSegmentSkipsTheRestOfThatSegment() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        do {
            let spool = try openSpool(directory.path, testSettings(segmentBytes: 700))
            for index in 0..<30 { _ = try spool.append(payload(index, count: 50)) }
        }
        // Break the magic of record 14: the segment's records cannot be found past it.
        try flipByte(directory.file(segmentFileName(11)), at: 3 * 70)
        let log = CapturedLog()
        let spool = try openSpool(directory.path, testSettings(segmentBytes: 700), log: log)
        #expect(try spool.read(after: 0, maxRecords: 100, maxBytes: Int.max).map(\.sequence) == Array(1...13))
        #expect(try spool.read(after: 13, maxRecords: 100, maxBytes: Int.max).map(\.sequence) == Array(21...30))
        #expect(log.entries(.error).count == 1)
        #expect(log.entries(.error).first?.metadata["detail"]?.contains("bad magic") == true)
        // Delivery goes on: acknowledging past the damage deletes the damaged segment.
        try spool.acknowledge(through: 30)
        #expect(segmentFiles(directory.path) == [21])
    }

    @Test func olderSegmentShorterThanItsNameClaimsStopsTheReadAtTheGap() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        do {
            let spool = try openSpool(directory.path, testSettings(segmentBytes: 700))
            for index in 0..<30 { _ = try spool.append(payload(index, count: 50)) }
        }
        // Records 18-20 vanish from the end of the middle segment.
        try truncateFile(directory.file(segmentFileName(11)), to: 7 * 70)
        let spool = try openSpool(directory.path, testSettings(segmentBytes: 700))
        #expect(try readAll(spool).map(\.sequence) == Array(1...17))
        #expect(try readAll(spool, after: 17).map(\.sequence) == Array(21...30))
    }
}
