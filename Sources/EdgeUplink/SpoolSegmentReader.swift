import EdgeCore

#if canImport(Glibc)
    import Glibc
#endif

/// Walks the records of one segment file front to back through a fixed 64 KiB window, so
/// neither recovery nor `Spool.read` ever holds a whole segment in memory: skipped records cost
/// a header read, kept records cost their payload.
final class SpoolSegmentReader {
    /// What the next position in the segment holds.
    enum Step: Equatable {
        /// The end of the segment (exactly at `limit`).
        case end
        /// A header that is plausible: right magic, length within the limits and the file.
        case record(SpoolRecordHeader)
        /// Something that is not a whole record; the text says what.
        case damaged(String)
    }

    /// The segment, for messages.
    let path: String
    /// Bytes of the file that count; anything after is ignored (appends racing a reader).
    let limit: Int64
    /// Where the next record starts.
    private(set) var offset: Int64

    private let fd: Int32
    private let ownsDescriptor: Bool
    private var window: [UInt8]
    private var windowOffset: Int64 = 0
    private var windowCount = 0

    private static let windowCapacity = 64 << 10

    /// Reads `limit` bytes of the file behind `fd`, starting at `offset` (a record boundary).
    /// With `ownsDescriptor` the reader closes `fd` when it goes away.
    init(path: String, fd: Int32, ownsDescriptor: Bool, limit: Int64, offset: Int64 = 0) {
        self.path = path
        self.fd = fd
        self.ownsDescriptor = ownsDescriptor
        self.limit = limit
        self.offset = offset
        window = [UInt8](repeating: 0, count: Self.windowCapacity)
    }

    /// Opens `path` read-only; nil when the file no longer exists (a segment deleted by the
    /// byte cap or an acknowledgement after the caller listed it).
    static func open(path: String, limit: Int64, offset: Int64 = 0) throws(FileError) -> SpoolSegmentReader? {
        let fd: Int32
        do throws(FileError) {
            fd = try SpoolIO.open(path, O_RDONLY | O_CLOEXEC)
        } catch where error.errno == ENOENT {
            return nil
        }
        return SpoolSegmentReader(path: path, fd: fd, ownsDescriptor: true, limit: limit, offset: offset)
    }

    deinit {
        if ownsDescriptor { SpoolIO.close(fd) }
    }

    /// Decodes the header at `offset` without moving past it.
    func next() throws(FileError) -> Step {
        if offset == limit { return .end }
        let headerBytes = SpoolFormat.headerBytes
        guard limit - offset >= Int64(headerBytes), let start = try load(at: offset, count: headerBytes) else {
            return .damaged("incomplete header (\(limit - offset) bytes before the end)")
        }
        let decoded = window.withUnsafeBytes { raw in
            SpoolFormat.decodeHeader(UnsafeRawBufferPointer(rebasing: raw[start..<(start + headerBytes)]))
        }
        guard let header = decoded else { return .damaged("bad magic") }
        guard header.length <= SpoolFormat.maxPayloadBytes else {
            return .damaged("payload length \(header.length) over the 16 MiB limit")
        }
        guard offset + header.recordBytes <= limit else {
            return .damaged("incomplete record (\(header.length) payload bytes, \(limit - offset - 20) present)")
        }
        return .record(header)
    }

    /// Moves past the record whose header `next()` returned, without reading its payload.
    func skip(_ header: SpoolRecordHeader) {
        offset += header.recordBytes
    }

    /// Reads the payload of the record whose header `next()` returned, checks its CRC and moves
    /// past it. Returns nil on a checksum mismatch (or a file shorter than it was a moment
    /// ago); with `keep` false the payload is only checked, not collected.
    func payload(_ header: SpoolRecordHeader, keep: Bool = true) throws(FileError) -> [UInt8]? {
        var payload: [UInt8] = []
        if keep { payload.reserveCapacity(header.length) }
        let valid = try check(header) { bytes in if keep { payload.append(contentsOf: bytes) } }
        return valid ? payload : nil
    }

    /// `payload(_:)` appending to `out` instead of a new array; false on a checksum mismatch,
    /// in which case `out` may hold part of the payload (the caller cuts it back).
    func payload(_ header: SpoolRecordHeader, into out: inout [UInt8]) throws(FileError) -> Bool {
        try check(header) { bytes in out.append(contentsOf: bytes) }
    }

    /// Walks the payload in window-sized chunks, handing each to `collect`, checks the CRC and
    /// moves past the record.
    private func check(
        _ header: SpoolRecordHeader, collect: (UnsafeRawBufferPointer) -> Void
    ) throws(FileError) -> Bool {
        var crc = CRC32()
        withUnsafeBytes(of: header.sequence.littleEndian) { crc.update($0) }
        var position = offset + Int64(SpoolFormat.headerBytes)
        // Past the record whatever the outcome, so a caller stepping over a bad record cannot
        // find the same header again.
        offset += header.recordBytes
        var remaining = header.length
        while remaining > 0 {
            let chunk = min(remaining, Self.windowCapacity)
            guard let start = try load(at: position, count: chunk) else { return false }
            window.withUnsafeBytes { raw in
                let bytes = UnsafeRawBufferPointer(rebasing: raw[start..<(start + chunk)])
                crc.update(bytes)
                collect(bytes)
            }
            position += Int64(chunk)
            remaining -= chunk
        }
        return crc.value == header.checksum
    }

    /// Makes `count` bytes at file offset `position` available in the window and returns their
    /// index there; nil when the file ends before them.
    private func load(at position: Int64, count: Int) throws(FileError) -> Int? {
        if position >= windowOffset, position + Int64(count) <= windowOffset + Int64(windowCount) {
            return Int(position - windowOffset)
        }
        let wanted = Int(min(Int64(Self.windowCapacity), limit - position))
        windowOffset = position
        windowCount = 0
        windowCount = try SpoolIO.read(fd, into: &window, count: wanted, at: position, path: path)
        return windowCount >= count ? 0 : nil
    }
}
