public import EdgeCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The audit log of `ai` runs (docs/safety.md S11): one JSON line per run in
/// `data_dir/ai-audit.jsonl`, synced to disk as it is written so it survives a restart or a
/// power cut. Bounded: when the file would pass `maxBytes` it becomes `ai-audit.jsonl.1` (and
/// that one `.2`, the oldest being dropped), so the log never holds more than three files.
public final class AIAuditLog: Sendable {
    /// The current file.
    public let path: String
    /// The size at which the file is rotated.
    public let maxBytes: Int
    static let generations = 2
    private let lock = Mutex<Void>(())

    /// The log in `directory` (created if missing).
    public init(directory: String, maxBytes: Int = 1 << 20) throws(FileError) {
        try Files.makeDirectories(directory)
        path = Self.file(in: directory)
        self.maxBytes = max(4096, maxBytes)
    }

    /// `directory/ai-audit.jsonl`.
    public static func file(in directory: String) -> String { directory + "/ai-audit.jsonl" }

    /// Appends one record; with `sync` false (a caller that must not wait for the disk) the
    /// record is written but not synced, so a power cut in the next seconds may lose it.
    public func append(_ record: JSONValue, sync: Bool = true) throws(FileError) {
        let line = Array((record.compactJSON + "\n").utf8)
        try lock.withLock { _ throws(FileError) in
            if Self.size(path) + line.count > maxBytes { try rotate() }
            try Self.append(path, line, sync: sync)
        }
    }

    private func rotate() throws(FileError) {
        for generation in stride(from: Self.generations, through: 1, by: -1) {
            let from = generation == 1 ? path : "\(path).\(generation - 1)"
            guard Files.exists(from) else { continue }
            if rename(from, "\(path).\(generation)") != 0 {
                throw FileError(operation: "rename", path: from, errno: errno)
            }
        }
    }

    /// The newest `count` records of the log in `directory`, oldest first; lines that are not
    /// JSON (a torn last line after a power cut) are skipped and counted.
    public static func last(_ count: Int, in directory: String) throws(FileError) -> (records: [JSONValue], skipped: Int) {
        let base = file(in: directory)
        var records: [JSONValue] = []
        var skipped = 0
        for name in (1...generations).reversed().map({ "\(base).\($0)" }) + [base] where Files.exists(name) {
            for line in try Files.readText(name, limit: 64 << 20).split(separator: "\n") where !line.isEmpty {
                if let value = try? JSONValue.parse(String(line)) { records.append(value) } else { skipped += 1 }
            }
        }
        return (Array(records.suffix(max(0, count))), skipped)
    }

    private static func size(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    private static func append(_ path: String, _ bytes: [UInt8], sync: Bool) throws(FileError) {
        var fd: Int32
        repeat { fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw FileError(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(operation: "write", path: path, errno: errno)
            }
            offset += n
        }
        if sync, fdatasync(fd) != 0 { throw FileError(operation: "fdatasync", path: path, errno: errno) }
    }
}
