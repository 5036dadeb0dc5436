import EdgeCore
@testable import EdgeUplink
import EdgeTestSupport
import Glibc
import Testing

/// A real full file system: a small tmpfs mounted for the test. Mounting needs root with
/// CAP_SYS_ADMIN, as `make test` has on the build machine; without it these tests fail with the
/// mount error (never skipped, never faked): run them as root.
final class SmallFileSystem {
    let directory: TemporaryDirectory
    var path: String { directory.path }

    init(bytes: Int) throws {
        directory = try TemporaryDirectory(prefix: "spool-tmpfs")
        guard mount("tmpfs", directory.path, "tmpfs", 0, "size=\(bytes),mode=0700") == 0 else {
            throw FileTestError(description: "mount tmpfs: \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        // Detach first so the temporary directory's own cleanup removes an empty mount point.
        umount2(directory.path, Int32(MNT_DETACH))
    }


    /// Bytes still free.
    var availableBytes: Int64 {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return -1 }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }
}

@Suite
struct SpoolDiskFullTests {
    @Test func fullDiskFailsTheAppendAndLeavesOnlyWholeRecords() throws {
        let fileSystem = try SmallFileSystem(bytes: 64 << 10)
        let directory = fileSystem.path + "/spool"
        let settings = testSettings(segmentBytes: 1 << 20, maxBytes: 1 << 30)
        var appended: UInt64 = 0
        do {
            let spool = try openSpool(directory, settings)
            var failure: SpoolError?
            for index in 0..<1000 {
                do {
                    appended = try spool.append(payload(index, count: 1000))
                } catch {
                    failure = error
                    break
                }
            }
            let error = try #require(failure)
            #expect(error.description.contains("No space left on device"))
            #expect(error.description.contains(segmentFileName(1)))
            #expect(appended > 10)
            // The partial write was cut back: the file holds exactly the whole records.
            #expect(try fileSize("\(directory)/\(segmentFileName(1))") == Int64(appended) * 1020)
            #expect(spool.stats.lastSequence == appended)
            #expect(try readAll(spool).map(\.sequence) == Array(1...appended))
            // Still full: the next append fails the same way and numbering does not move.
            #expect(throws: SpoolError.self) { try spool.append(payload(0, count: 1000)) }
            #expect(spool.stats.lastSequence == appended)
        }
        let log = CapturedLog()
        let spool = try openSpool(directory, settings, log: log)
        #expect(log.entries.isEmpty)  // nothing torn to cut
        #expect(spool.stats.lastSequence == appended)
        #expect(try readAll(spool).map(\.payload) == (0..<Int(appended)).map { payload($0, count: 1000) })
    }

    @Test func fullDiskWithOlderSegmentsDropsTheOldestAndKeepsAppending() throws {
        let fileSystem = try SmallFileSystem(bytes: 256 << 10)
        let directory = fileSystem.path + "/spool"
        let log = CapturedLog()
        let spool = try openSpool(directory, testSettings(segmentBytes: 16 << 10, maxBytes: 1 << 30), log: log)
        for index in 0..<1000 {
            #expect(try spool.append(payload(index, count: 1000)) == UInt64(index + 1))
        }
        let stats = spool.stats
        #expect(stats.droppedRecords > 0)
        #expect(stats.bytes <= 256 << 10)
        #expect(stats.droppedRecords == stats.ackedSequence)
        let records = try readAll(spool)
        #expect(records.last?.sequence == 1000)
        #expect(records.map(\.sequence) == Array(try #require(stats.firstSequence)...1000))
        #expect(records.map(\.payload) == records.map { payload(Int($0.sequence) - 1, count: 1000) })
        #expect(!log.entries(.warning).isEmpty)
    }

    @Test func freeSpaceFloorKeepsTheFileSystemFromFillingUp() throws {
        let fileSystem = try SmallFileSystem(bytes: 512 << 10)
        let directory = fileSystem.path + "/spool"
        let floor: Int64 = 256 << 10
        let segmentBytes = 32 << 10
        let spool = try openSpool(
            directory, testSettings(segmentBytes: segmentBytes, maxBytes: 1 << 30, minFreeBytes: floor))
        for index in 0..<1000 {
            _ = try spool.append(payload(index, count: 1000))
            // Checked at rolls only, so the active segment may eat into the floor by one segment.
            #expect(fileSystem.availableBytes >= floor - Int64(segmentBytes) - 8192)
        }
        #expect(spool.stats.droppedRecords > 0)
        #expect(spool.stats.bytes <= (512 << 10) - floor + Int64(segmentBytes))
        #expect(try readAll(spool).last?.sequence == 1000)
    }
}
