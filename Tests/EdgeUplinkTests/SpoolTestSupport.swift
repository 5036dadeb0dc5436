import EdgeCore
@testable import EdgeUplink
import EdgeTestSupport
import Glibc
import Logging
import Synchronization
import Testing

/// Settings for tests: no free-space floor unless a test wants one, so a nearly full /tmp on
/// the machine running the tests cannot make unrelated tests drop records.
func testSettings(segmentBytes: Int = 4 << 20, maxBytes: Int64 = 256 << 20, minFreeBytes: Int64 = 0) -> SpoolSettings {
    SpoolSettings(segmentBytes: segmentBytes, maxBytes: maxBytes, minFreeBytes: minFreeBytes)
}

/// Opens a spool with a manual clock (drop warnings are spaced by monotonic time) and an
/// optional captured log.
func openSpool(
    _ directory: String, _ settings: SpoolSettings = testSettings(), log: CapturedLog? = nil,
    clock: ManualClock = ManualClock()
) throws -> Spool {
    let logger = log.map { capture in Logger(label: "spool-test", factory: { _ in capture }) }
    return try Spool(directory: directory, settings: settings, logger: logger, clock: clock)
}

/// Bytes a record takes on disk, derived from the documented format (20-byte header), not from
/// the implementation's constants.
func recordSize(_ payloadCount: Int) -> Int64 { 20 + Int64(payloadCount) }

/// Byte offsets at which each record starts, plus the end, for records of the given payload
/// sizes laid out back to back.
func recordBoundaries(_ payloadCounts: [Int]) -> [Int64] {
    var boundaries: [Int64] = [0]
    for count in payloadCounts { boundaries.append(boundaries[boundaries.count - 1] + recordSize(count)) }
    return boundaries
}

/// `00000000000000000042.seg`, spelled out independently of the implementation.
func segmentFileName(_ first: UInt64) -> String {
    let digits = String(first)
    return String(repeating: "0", count: 20 - digits.count) + digits + ".seg"
}

/// The segment files in a directory, by first sequence.
func segmentFiles(_ directory: String) -> [UInt64] {
    Files.list(directory).filter { $0.hasSuffix(".seg") }.compactMap { UInt64($0.dropLast(4)) }.sorted()
}

/// Reads everything after `sequence` in one call.
func readAll(_ spool: Spool, after sequence: UInt64 = 0) throws -> [SpoolRecord] {
    try spool.read(after: sequence, maxRecords: Int.max, maxBytes: Int.max)
}

/// A deterministic payload of `count` bytes for record `index`.
func payload(_ index: Int, count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: index &* 31 &+ $0 &* 7 &+ 1) }
}


struct FileTestError: Error, CustomStringConvertible {
    var description: String
}

/// The whole content of a file.
func readFile(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw FileTestError(description: "open \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw FileTestError(description: "read \(path): \(String(cString: strerror(errno)))")
        }
        if n == 0 { return bytes }
        bytes.append(contentsOf: chunk[0..<n])
    }
}

/// Replaces a file's content (or appends to it).
func writeFile(_ path: String, _ bytes: [UInt8], append: Bool = false) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0o644)
    guard fd >= 0 else { throw FileTestError(description: "open \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
        if n < 0 {
            if errno == EINTR { continue }
            throw FileTestError(description: "write \(path): \(String(cString: strerror(errno)))")
        }
        done += n
    }
}

/// The size of a file.
func fileSize(_ path: String) throws -> Int64 {
    var info = stat()
    guard stat(path, &info) == 0 else {
        throw FileTestError(description: "stat \(path): \(String(cString: strerror(errno)))")
    }
    return Int64(info.st_size)
}

/// Copies every regular file of one directory into another.
func copyDirectory(_ source: String, to target: String) throws {
    for name in Files.list(source) {
        try writeFile("\(target)/\(name)", try readFile("\(source)/\(name)"))
    }
}

/// Cuts a file to `size` bytes.
func truncateFile(_ path: String, to size: Int64) throws {
    guard truncate(path, off_t(size)) == 0 else {
        throw FileTestError(description: "truncate \(path): \(String(cString: strerror(errno)))")
    }
}

/// Flips every bit of the byte at `offset` of a file.
func flipByte(_ path: String, at offset: Int) throws {
    var bytes = try readFile(path)
    bytes[offset] ^= 0xFF
    try writeFile(path, bytes)
}

/// A log handler that keeps level, message and metadata of every event.
final class CapturedLog: LogHandler, @unchecked Sendable {
    // @unchecked: `metadata` and `logLevel` are only set while the logger is built; the
    // events themselves go through the mutex.
    struct Entry {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let storage = Mutex<[Entry]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    var entries: [Entry] { storage.withLock { $0 } }

    func entries(_ level: Logger.Level) -> [Entry] { entries.filter { $0.level == level } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var values: [String: String] = [:]
        for (key, value) in event.metadata ?? [:] { values[key] = "\(value)" }
        storage.withLock { $0.append(Entry(level: event.level, message: "\(event.message)", metadata: values)) }
    }
}


/// Monotonic nanoseconds, for the deadlines that bound waiting loops.
func monotonicNow() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}
