import EdgeCore
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Opening a spool after a crash or a power cut: what is on disk is measured and a torn tail
/// cut off (see SpoolFormat.swift for the reasoning).
extension Spool {
    // MARK: - Recovery

    /// Rebuilds the state from the directory: lists the segments, cuts a torn tail off the
    /// newest one, reads the cursor, and finishes deletions a crash interrupted.
    static func recover(directory: String, directoryFD: Int32, logger: Logger?) throws(FileError) -> State {
        try? SpoolIO.remove("\(directory)/\(SpoolFormat.cursorTemporaryName)")
        let cursor = readCursor(directory: directory, logger: logger)
        let firsts = Files.list(directory).compactMap(SpoolFormat.segmentFirst(fromName:)).sorted()
        let path = { (first: UInt64) in "\(directory)/\(SpoolFormat.segmentName(first: first))" }
        var changedDirectory = false

        // Older segments are trusted and only measured. An empty one can only come from outside
        // damage (a roll never leaves one behind); its name would claim records it does not
        // hold, so it goes.
        var segments: [Segment] = []
        for first in firsts.dropLast() {
            let bytes = try SpoolIO.size(of: path(first))
            guard bytes > 0 else {
                logger?.warning(
                    "deleting an empty spool segment that is not the newest", metadata: ["path": "\(path(first))"])
                try SpoolIO.remove(path(first))
                changedDirectory = true
                continue
            }
            segments.append(Segment(first: first, bytes: bytes))
        }

        guard let lastFirst = firsts.last else {
            // Nothing on disk: continue after the cursor, so numbers the receiver has already
            // seen are not handed out again.
            let next = cursor == UInt64.max ? 1 : cursor + 1
            if cursor == UInt64.max {
                logger?.warning("spool cursor is at the largest sequence number; starting over", metadata: [:])
            }
            return State(segments: [], totalBytes: 0, nextSequence: next, acked: next - 1)
        }
        var activeFD = try SpoolIO.open(path(lastFirst), O_RDWR | O_APPEND | O_CLOEXEC)
        do throws(FileError) {
            let scanned = try scanActiveSegment(fd: activeFD, path: path(lastFirst), first: lastFirst, logger: logger)
            if scanned.cut { try SpoolIO.sync(activeFD, path: path(lastFirst)) }
            if scanned.bytes == 0, let previous = segments.last {
                // Emptied by the cut (or created just before a crash): the previous segment, which
                // was fsync'd before this one was created, takes the appends again.
                SpoolIO.close(activeFD)
                activeFD = -1
                try SpoolIO.remove(path(lastFirst))
                changedDirectory = true
                activeFD = try SpoolIO.open(path(previous.first), O_RDWR | O_APPEND | O_CLOEXEC)
            } else {
                segments.append(Segment(first: lastFirst, bytes: scanned.bytes))
            }
            var state = State(
                segments: segments, activeFD: activeFD, totalBytes: segments.reduce(0) { $0 + $1.bytes },
                nextSequence: scanned.next, acked: cursor)
            if state.acked > state.lastSequence {
                logger?.warning(
                    "spool cursor is beyond the newest record; records were lost, clamping",
                    metadata: [
                        "cursor": "\(state.acked)", "last": "\(state.lastSequence)", "directory": "\(directory)",
                    ])
                state.acked = state.lastSequence
            }
            // Records before the oldest segment are gone (dropped by the cap before a restart).
            if let first = state.segments.first?.first, state.acked < first - 1 {
                state.acked = first - 1
            }
            // A crash between writing the cursor and deleting the segments it covers.
            while state.segments.count > 1, state.lastSequence(ofSegment: 0) <= state.acked {
                try SpoolIO.remove(path(state.segments[0].first))
                state.totalBytes -= state.segments[0].bytes
                state.segments.removeFirst()
                changedDirectory = true
            }
            if changedDirectory { try SpoolIO.sync(directoryFD, path: directory) }
            return state
        } catch {
            if activeFD >= 0 { SpoolIO.close(activeFD) }
            throw error
        }
    }

    /// Checks the newest segment record by record and cuts it after the last good one. Returns
    /// its size after the cut, the sequence the next record gets, and whether anything was cut.
    static func scanActiveSegment(
        fd: Int32, path: String, first: UInt64, logger: Logger?
    ) throws(FileError) -> (bytes: Int64, next: UInt64, cut: Bool) {
        let size = try SpoolIO.size(fd, path: path)
        let reader = SpoolSegmentReader(path: path, fd: fd, ownsDescriptor: false, limit: size)
        var expected = first
        var problem: String?
        scan: while true {
            switch try reader.next() {
            case .end:
                break scan
            case .damaged(let reason):
                problem = reason
                break scan
            case .record(let header):
                guard header.sequence == expected else {
                    problem = "sequence \(header.sequence) where \(expected) belongs"
                    break scan
                }
                let start = reader.offset
                guard try reader.payload(header, keep: false) != nil else {
                    // Cut from the record's start, not from after its payload.
                    return try cut(fd, path, at: start, size: size, next: expected, "checksum mismatch", logger)
                }
                expected += 1
            }
        }
        guard let problem else { return (size, expected, false) }
        return try cut(fd, path, at: reader.offset, size: size, next: expected, problem, logger)
    }

    static func cut(
        _ fd: Int32, _ path: String, at offset: Int64, size: Int64, next: UInt64, _ reason: String, _ logger: Logger?
    ) throws(FileError) -> (bytes: Int64, next: UInt64, cut: Bool) {
        logger?.warning(
            "spool segment ends in a torn or damaged record (power cut?); cutting it off",
            metadata: [
                "path": "\(path)", "offset": "\(offset)", "bytesCut": "\(size - offset)", "reason": "\(reason)",
                "nextSequence": "\(next)",
            ])
        try SpoolIO.truncate(fd, to: offset, path: path)
        return (offset, next, true)
    }

    /// The acknowledged sequence from the cursor file; 0 when there is none, and 0 with a
    /// warning when it cannot be read or parsed (resending beats losing).
    static func readCursor(directory: String, logger: Logger?) -> UInt64 {
        let path = "\(directory)/\(SpoolFormat.cursorName)"
        let fd: Int32
        do throws(FileError) {
            fd = try SpoolIO.open(path, O_RDONLY | O_CLOEXEC)
        } catch {
            if error.errno != ENOENT {
                logger?.warning(
                    "cannot read the spool cursor; resending from the start", metadata: ["error": "\(error)"])
            }
            return 0
        }
        defer { SpoolIO.close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count: Int
        do throws(FileError) {
            count = try SpoolIO.read(fd, into: &buffer, count: buffer.count, at: 0, path: path)
        } catch {
            logger?.warning(
                "cannot read the spool cursor; resending from the start", metadata: ["error": "\(error)"])
            return 0
        }
        let text = String(decoding: buffer[0..<count], as: UTF8.self)
        guard count < buffer.count, let value = SpoolFormat.parseCursor(text) else {
            logger?.warning(
                "spool cursor is not a sequence number; resending from the start",
                metadata: ["path": "\(path)", "content": "\(text.prefix(40))"])
            return 0
        }
        return value
    }
}
