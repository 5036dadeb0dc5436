public import EdgeCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The recorder until the uplink's spool replaces it: one JSON line per record in
/// `records.jsonl` under the data directory, each with a sequence number that continues across
/// restarts.
///
/// ```
/// {"seq":41,"kind":"frame","source":"boiler","ts":1767225600000,"points":{"temp":81.5},"quality":{"pressure":"timeout"}}
/// {"seq":42,"kind":"message","source":"boiler","ts":1767225600000,"category":"alarms","payload":{"temp":91.2}}
/// ```
///
/// Crash safety: records are appended with `write(2)`; frames are fsync'd on the pipeline's
/// durable flushes (shutdown), messages before `append` returns. On open, a last line without
/// its newline (torn by a power cut mid-write) is cut off, and numbering resumes after the last
/// complete record, so sequence numbers never repeat.
public final class RecordFile: Recorder {
    /// The file appended to.
    public let path: String
    private let state: Mutex<State>

    private struct State {
        var fd: Int32
        var sequence: UInt64
        var sources: [(id: String, points: [String])]
        var pending: [UInt8] = []
    }

    /// Opens (creating the directory as needed) `directory/records.jsonl` for the given
    /// sources (ids and point names, in config order) and recovers the sequence number.
    public init(directory: String, sources: [(id: String, points: [String])], name: String = "records.jsonl")
        throws(RecorderError)
    {
        path = "\(directory)/\(name)"
        do {
            try Files.makeDirectories(directory)
        } catch {
            throw RecorderError(error.description)
        }
        let fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RecorderError(FileError(operation: "open", path: path, errno: errno).description) }
        let sequence: UInt64
        do {
            sequence = try Self.recover(fd: fd, path: path)
        } catch {
            close(fd)
            throw error
        }
        state = Mutex(State(fd: fd, sequence: sequence, sources: sources))
    }

    deinit {
        state.withLock { _ = close($0.fd) }
    }

    /// The sequence number of the newest record.
    public var lastSequence: UInt64 { state.withLock { $0.sequence } }

    /// Replaces the sources frames are labelled with (ids and point names, in config order),
    /// for a reloaded config; the file and its numbering carry on. Call while no pipeline runs.
    public func relabel(sources: [(id: String, points: [String])]) {
        state.withLock { $0.sources = sources }
    }

    public func record(_ frame: FrameView) {
        state.withLock { s in
            guard frame.source < s.sources.count,
                let body = RecordEncoding.frame(frame, source: s.sources[frame.source])
            else { return }
            s.sequence += 1
            let line = "{\"seq\":\(s.sequence),\(body)}\n"
            s.pending.append(contentsOf: line.utf8)
        }
    }

    public func append(_ message: RecordedMessage) throws(RecorderError) -> UInt64 {
        try state.withLock { (s: inout State) throws(RecorderError) -> UInt64 in
            let sequence = s.sequence + 1
            let line = "{\"seq\":\(sequence),\(RecordEncoding.message(message))}\n"
            let mark = s.pending.count
            s.pending.append(contentsOf: line.utf8)
            do throws(RecorderError) {
                try Self.writeAll(&s, path: path, durable: true)
            } catch {
                // The message did not reach the disk: it is not numbered, and it is not retried
                // behind the caller's back (the action reports the failure).
                if s.pending.count >= mark { s.pending.removeSubrange(mark...) }
                throw error
            }
            s.sequence = sequence
            return sequence
        }
    }

    public func flush(durable: Bool) throws(RecorderError) {
        try state.withLock { (s: inout State) throws(RecorderError) in try Self.writeAll(&s, path: path, durable: durable) }
    }

    /// Writes everything pending, all or nothing: when a write fails part way (a disk filling
    /// mid-line), the file is cut back to where this call started and the bytes stay pending, so
    /// the file never holds half a record and the next flush writes them whole.
    private static func writeAll(_ s: inout State, path: String, durable: Bool) throws(RecorderError) {
        let fd = s.fd
        let start = lseek(fd, 0, SEEK_END)
        var offset = 0
        while offset < s.pending.count {
            let n = s.pending.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return 0 }
                return write(fd, base + offset, raw.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let error = FileError(operation: "write", path: path, errno: errno)
                if offset > 0 && start >= 0 { _ = ftruncate(fd, start) }
                throw RecorderError(error.description)
            }
            offset += n
        }
        s.pending.removeAll(keepingCapacity: true)
        if durable && fsync(fd) != 0 {
            throw RecorderError(FileError(operation: "fsync", path: path, errno: errno).description)
        }
    }

    /// Cuts a torn last line and returns the last complete record's sequence number.
    private static func recover(fd: Int32, path: String) throws(RecorderError) -> UInt64 {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw RecorderError(FileError(operation: "stat", path: path, errno: errno).description) }
        let size = Int(st.st_size)
        guard size > 0 else { return 0 }
        // Records are short; the last complete one lies within the tail.
        let window = min(size, 1 << 20)
        var tail = [UInt8](repeating: 0, count: window)
        let got = tail.withUnsafeMutableBytes { pread(fd, $0.baseAddress, window, off_t(size - window)) }
        guard got == window else { throw RecorderError(FileError(operation: "read", path: path, errno: errno).description) }
        var end = window
        if tail[window - 1] != 0x0A {
            // Torn write: drop everything after the last newline.
            let keep = tail.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
            guard ftruncate(fd, off_t(size - window + keep)) == 0 else {
                throw RecorderError(FileError(operation: "truncate", path: path, errno: errno).description)
            }
            end = keep
        }
        // Walk back over complete lines until one carries a sequence number.
        var lineEnd = end - 1
        while lineEnd > 0 {
            let start = tail[0..<lineEnd].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
            if start == 0 && size > window { break }
            let text = String(decoding: tail[start..<lineEnd], as: UTF8.self)
            if let value = try? JSONValue.parse(text), let seq = value["seq"].numberValue, seq >= 0 {
                return UInt64(seq)
            }
            lineEnd = start - 1
        }
        return 0
    }
}
