public import EdgeCore
#if canImport(Glibc)
    import Glibc
#endif

/// The local outbox: one JSON line per device reading, appended to `outbox.jsonl` in the
/// data directory. It stands in for the durable spool until the uplink lands; lines are
/// written with `write(2)` as they come and fsync'd on flush, so a clean stop loses nothing.
public final class Outbox: @unchecked Sendable {
    /// The file being appended to.
    public let path: String
    private let fd: Int32
    private var pending: [UInt8] = []

    /// Opens (creating directories as needed) `directory/name`, appending.
    public init(directory: String, name: String = "outbox.jsonl") throws(FileError) {
        try Files.makeDirectories(directory)
        path = "\(directory)/\(name)"
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError(operation: "open", path: path, errno: errno) }
    }

    deinit { close(fd) }

    /// Queues one line (a newline is added).
    public func append(_ line: String) {
        pending.append(contentsOf: line.utf8)
        pending.append(0x0A)
    }

    /// Writes queued lines; with `durable`, also fsyncs so they survive power loss.
    public func flush(durable: Bool = false) throws(FileError) {
        var offset = 0
        while offset < pending.count {
            let n = pending.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(operation: "write", path: path, errno: errno)
            }
            offset += n
        }
        pending.removeAll(keepingCapacity: true)
        if durable && fsync(fd) != 0 { throw FileError(operation: "fsync", path: path, errno: errno) }
    }
}
