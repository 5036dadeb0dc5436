public import EdgeCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The record store when no uplink is configured: one JSON line per record in `records.jsonl`
/// under the data directory, each with a sequence number that continues across restarts.
///
/// ```
/// {"seq":41,"kind":"frame","source":"boiler","ts":1767225600000,"points":{"temp":81.5},"quality":{"pressure":"timeout"}}
/// {"seq":42,"kind":"message","source":"boiler","ts":1767225600000,"category":"alarms","payload":{"temp":91.2}}
/// ```
///
/// Crash safety: each record is appended with one `write(2)`; a write that fails part way is cut
/// back, so the file never holds half a line written by this process. The `RecordWriter` fsyncs
/// messages before their action reports success and frames on stops. On open, a last line
/// without its newline (torn by a power cut mid-write) is cut off, and numbering resumes after
/// the last complete record, so sequence numbers never repeat.
public final class RecordFile: RecordStore {
    /// The file appended to.
    public let path: String
    private let state: Mutex<State>

    private struct State {
        var fd: Int32
        var sequence: UInt64
        /// The line being written, kept so appends reuse its storage.
        var line: [UInt8] = []
        /// The schemas typed frame records refer to, by id.
        var schemas: [UInt64: RecordSchema] = [:]
    }

    /// Opens (creating the directory as needed) `directory/records.jsonl` and recovers the
    /// sequence number.
    public init(directory: String, name: String = "records.jsonl") throws(RecorderError) {
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
        state = Mutex(State(fd: fd, sequence: sequence))
    }

    deinit {
        state.withLock { _ = close($0.fd) }
    }

    /// The sequence number of the newest record.
    public var lastSequence: UInt64 { state.withLock { $0.sequence } }

    /// Writes `{"seq":N,<record>}` and a newline, whole or not at all; a typed frame record is
    /// written as the JSON members it stands for, with the names of its schema.
    public func append(_ record: UnsafeRawBufferPointer) throws(RecorderError) -> UInt64 {
        try state.withLock { (s: inout State) throws(RecorderError) -> UInt64 in
            let sequence = s.sequence + 1
            s.line.removeAll(keepingCapacity: true)
            s.line.append(contentsOf: "{\"seq\":\(sequence),".utf8)
            if let header = FrameRecord.header(record) {
                guard let schema = s.schemas[header.schema],
                    FrameRecordJSON.writeMembers(record, schema: schema, into: &s.line)
                else {
                    throw RecorderError(
                        "a frame record of schema \(header.schema) is damaged or its schema is unknown", permanent: true)
                }
            } else {
                s.line.append(contentsOf: record)
            }
            s.line.append(contentsOf: "}\n".utf8)
            try Self.writeLine(s.line, fd: s.fd, path: path)
            s.sequence = sequence
            return sequence
        }
    }

    /// Keeps `schema` in memory: the file holds names, not schema ids.
    public func register(_ schema: RecordSchema) {
        state.withLock { $0.schemas[schema.id] = schema }
    }

    /// fsyncs the file.
    public func sync() throws(RecorderError) {
        let fd = state.withLock { $0.fd }
        while fsync(fd) != 0 {
            if errno == EINTR { continue }
            throw RecorderError(FileError(operation: "fsync", path: path, errno: errno).description)
        }
    }

    /// Writes one line; when a write fails part way (a disk filling mid-line), the file is cut
    /// back to where it started, so it never holds half a record.
    private static func writeLine(_ line: [UInt8], fd: Int32, path: String) throws(RecorderError) {
        let start = lseek(fd, 0, SEEK_END)
        var offset = 0
        while offset < line.count {
            let n = line.withUnsafeBytes { raw in
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
    }

    /// Cuts a torn last line and returns the last complete record's sequence number.
    private static func recover(fd: Int32, path: String) throws(RecorderError) -> UInt64 {
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw RecorderError(FileError(operation: "stat", path: path, errno: errno).description)
        }
        let size = Int(st.st_size)
        guard size > 0 else { return 0 }
        // Records are short; the last complete one lies within the tail.
        let window = min(size, 1 << 20)
        var tail = [UInt8](repeating: 0, count: window)
        let got = tail.withUnsafeMutableBytes { pread(fd, $0.baseAddress, window, off_t(size - window)) }
        guard got == window else {
            throw RecorderError(FileError(operation: "read", path: path, errno: errno).description)
        }
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
