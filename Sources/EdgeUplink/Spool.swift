import EdgeCore
public import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Size limits of a spool.
public struct SpoolSettings: Sendable, Equatable {
    /// A new segment file starts when the active one would grow beyond this many bytes (a
    /// record larger than this gets a segment of its own). Segments are the unit of deletion,
    /// so this is also how much the byte cap and the free-space floor drop at once.
    public var segmentBytes: Int
    /// Hard cap on the bytes of all segment files. When an append goes over it, the oldest whole
    /// segments are deleted (drop-oldest: the newest data is the most useful after an outage).
    public var maxBytes: Int64
    /// When the file system has less than this free (statvfs `f_bavail * f_frsize`) as a new
    /// segment starts, the oldest segments are deleted first, so the spool never fills the SD
    /// card the rest of the agent (and the OS) writes to.
    public var minFreeBytes: Int64
    /// Optional age cap (wall-clock ns): when a new segment starts, older segments whose last
    /// write is older than this are deleted (drop-oldest), so data too old to matter does not
    /// wait for an endpoint forever. nil keeps data until the byte cap needs the room.
    public var maxAgeNanoseconds: Int64?

    /// Creates settings; the defaults suit a gateway with a few GiB of storage.
    public init(
        segmentBytes: Int = 4 << 20, maxBytes: Int64 = 256 << 20, minFreeBytes: Int64 = 64 << 20,
        maxAgeNanoseconds: Int64? = nil
    ) {
        self.segmentBytes = segmentBytes
        self.maxBytes = maxBytes
        self.minFreeBytes = minFreeBytes
        self.maxAgeNanoseconds = maxAgeNanoseconds
    }
}

/// One spooled record.
public struct SpoolRecord: Sendable, Equatable {
    /// Its sequence number (1, 2, 3, … without gaps for the life of the spool directory).
    public var sequence: UInt64
    /// The bytes given to `append`.
    public var payload: [UInt8]

    /// Creates a record.
    public init(sequence: UInt64, payload: [UInt8]) {
        self.sequence = sequence
        self.payload = payload
    }
}

/// A snapshot of a spool's counters.
public struct SpoolStats: Sendable, Equatable {
    /// Records after the acknowledged cursor that are still on disk (not yet delivered).
    public var records: Int64
    /// Bytes of all segment files.
    public var bytes: Int64
    /// The oldest record still on disk (acknowledged or not); nil when there is none.
    public var firstSequence: UInt64?
    /// The newest record ever appended (0 when none).
    public var lastSequence: UInt64
    /// The delivery cursor: every record up to this one was acknowledged or dropped.
    public var ackedSequence: UInt64
    /// Records dropped unacknowledged by the byte cap or the free-space floor since open.
    public var droppedRecords: UInt64
    /// Segment files in the directory.
    public var segments: Int
}

/// A spool operation that failed; the message names the operation, the path and the reason.
public struct SpoolError: Error, Sendable, CustomStringConvertible {
    /// `cannot write '/var/lib/edgeflow/spool/00000000000000000001.seg': No space left on device`.
    public var message: String

    init(_ message: String) { self.message = message }

    init(_ error: FileError) { message = error.description }

    /// The message.
    public var description: String { message }
}

/// The uplink's durable queue: records appended by the pipeline thread are kept in segment
/// files until the uplink thread acknowledges them, across restarts and power cuts. The format
/// and the crash-safety reasoning are described at the top of `SpoolFormat.swift`.
///
/// Thread-safe: all state sits behind one mutex. Appends and acknowledgements hold it for their
/// system calls; `read` holds it only to take and update a snapshot and reads the files without
/// it, so a slow read on the uplink thread does not stall the pipeline's appends.
public final class Spool: Sendable {
    /// A segment file: its first sequence (the name) and its size.
    struct Segment: Equatable {
        var first: UInt64
        var bytes: Int64
    }

    /// Where the previous `read` stopped, so the next one that continues from there does not
    /// rescan the segment from its start (the common case: read a batch, send, ack, read on).
    struct ReadHint: Equatable {
        var segment: UInt64
        var offset: Int64
        var sequence: UInt64
    }

    struct State {
        /// Ascending by first sequence; the last one is the active segment appends go to.
        var segments: [Segment]
        /// The active segment opened for appending, or -1 until one is needed.
        var activeFD: Int32 = -1
        /// The active segment has writes not yet fsync'd.
        var activeDirty = false
        /// A segment was created or deleted since the directory was last fsync'd.
        var directoryDirty = false
        /// The active segment's tail could not be repaired after a failed write; the next append
        /// starts a new segment instead of writing behind it.
        var activeNeedsRoll = false
        var totalBytes: Int64
        var nextSequence: UInt64
        var acked: UInt64
        var dropped: UInt64 = 0
        var droppedSinceWarning: UInt64 = 0
        var lastDropWarning: Int64?
        var readHint: ReadHint?
        /// The damaged record reported last, so repeated reads over it log once.
        var reportedDamage: UInt64?

        var lastSequence: UInt64 { nextSequence - 1 }

        /// The last sequence segment `index` holds (first - 1 when it is empty).
        func lastSequence(ofSegment index: Int) -> UInt64 {
            index + 1 < segments.count ? segments[index + 1].first - 1 : nextSequence - 1
        }
    }

    private let directory: String
    private let settings: SpoolSettings
    private let logger: Logger?
    private let clock: any EdgeClock
    /// The open directory: fsync'd after entries change, and flock'd so a second spool on the
    /// same directory (which would interleave appends) fails instead of corrupting it.
    private let directoryFD: Int32
    private let state: Mutex<State>

    /// Opens the spool in `directory`, creating it (and its parents) if needed, and recovers
    /// it: a torn tail of the newest segment is cut, numbering continues after the last whole
    /// record, and the cursor is read back.
    public convenience init(
        directory: String, settings: SpoolSettings = SpoolSettings(), logger: Logger? = nil
    ) throws(SpoolError) {
        try self.init(directory: directory, settings: settings, logger: logger, clock: SystemClock())
    }

    /// The designated initializer; tests pass a manual clock to step through the 60-second
    /// spacing of drop warnings.
    init(directory: String, settings: SpoolSettings, logger: Logger?, clock: any EdgeClock) throws(SpoolError) {
        self.directory = directory
        self.settings = settings
        self.logger = logger
        self.clock = clock
        let directoryFD: Int32
        do throws(FileError) {
            try Files.makeDirectories(directory)
            directoryFD = try SpoolIO.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        } catch {
            throw SpoolError(error)
        }
        let locked: Bool
        do throws(FileError) {
            locked = try SpoolIO.lockExclusively(directoryFD, path: directory)
        } catch {
            SpoolIO.close(directoryFD)
            throw SpoolError(error)
        }
        guard locked else {
            SpoolIO.close(directoryFD)
            throw SpoolError("spool directory '\(directory)' is already open by another spool")
        }
        self.directoryFD = directoryFD
        let recovered: State
        do throws(FileError) {
            recovered = try Self.recover(directory: directory, directoryFD: directoryFD, logger: logger)
        } catch {
            SpoolIO.close(directoryFD)
            throw SpoolError(error)
        }
        state = Mutex(recovered)
    }

    deinit {
        state.withLock { state in
            if state.activeFD >= 0 { SpoolIO.close(state.activeFD) }
        }
        // Closing the descriptor releases the flock, so the directory can be opened again.
        SpoolIO.close(directoryFD)
    }

    // MARK: - Public operations

    /// Appends one record with the next sequence number and returns that number. The record is
    /// written with write(2) but not fsync'd (call `sync()` for that); a power cut may take the
    /// newest records, never older ones. Payloads are limited to 16 MiB.
    public func append(_ payload: [UInt8]) throws(SpoolError) -> UInt64 {
        guard payload.count <= SpoolFormat.maxPayloadBytes else {
            throw SpoolError("cannot spool a record of \(payload.count) bytes: the limit is 16 MiB")
        }
        return try state.withLock { (state: inout State) throws(SpoolError) -> UInt64 in
            guard state.nextSequence < UInt64.max else {
                throw SpoolError("spool '\(directory)' has used up its sequence numbers")
            }
            let sequence = state.nextSequence
            let record = SpoolFormat.encodeRecord(sequence: sequence, payload: payload)
            do throws(FileError) {
                try prepareActiveSegment(&state, adding: Int64(record.count))
                try write(record, into: &state)
            } catch {
                throw SpoolError(error)
            }
            state.nextSequence += 1
            enforceByteCap(&state)
            return sequence
        }
    }

    /// Makes every appended record durable: fsyncs the active segment, and the directory when a
    /// segment was created or deleted since the last sync.
    public func sync() throws(SpoolError) {
        try state.withLock { (state: inout State) throws(SpoolError) in
            do throws(FileError) {
                try syncLocked(&state)
            } catch {
                throw SpoolError(error)
            }
        }
    }

    /// Records with a sequence number greater than `sequence`, in order: at most `maxRecords`,
    /// and no more payload bytes than `maxBytes`, except that the first record is returned even
    /// when it alone is larger (a big record must not block the queue). Records already dropped
    /// are skipped. A damaged record in a segment ends the read before it; a read that would
    /// return nothing because of it steps over the damage instead (logged once), so one bad
    /// block on the SD card cannot stop delivery for good.
    public func read(after sequence: UInt64, maxRecords: Int, maxBytes: Int) throws(SpoolError) -> [SpoolRecord] {
        guard maxRecords > 0, sequence < UInt64.max else { return [] }
        let snapshot = state.withLock { state in
            (segments: state.segments, last: state.lastSequence, hint: state.readHint, reported: state.reportedDamage)
        }
        guard let oldest = snapshot.segments.first, sequence < snapshot.last else { return [] }
        var wanted = max(sequence + 1, oldest.first)
        var records: [SpoolRecord] = []
        var payloadBytes = 0
        var hint: ReadHint?
        var damage: (sequence: UInt64, message: String)?
        var index = snapshot.segments.lastIndex(where: { $0.first <= wanted }) ?? 0
        do throws(FileError) {
            segmentLoop: while index < snapshot.segments.count, records.count < maxRecords {
                let segment = snapshot.segments[index]
                let segmentLast =
                    index + 1 < snapshot.segments.count ? snapshot.segments[index + 1].first - 1 : snapshot.last
                index += 1
                guard segment.bytes > 0, segmentLast >= wanted else { continue }
                var offset: Int64 = 0
                var expected = segment.first
                if let previous = snapshot.hint, previous.segment == segment.first, previous.sequence <= wanted,
                    previous.offset <= segment.bytes
                {
                    offset = previous.offset
                    expected = previous.sequence
                }
                let path = segmentPath(segment.first)
                guard let reader = try SpoolSegmentReader.open(path: path, limit: segment.bytes, offset: offset) else {
                    continue  // deleted since the snapshot: its records were dropped or acknowledged
                }
                recordLoop: while records.count < maxRecords {
                    let recordOffset = reader.offset
                    let problem: String
                    var payloadOnly = false
                    switch try reader.next() {
                    case .end:
                        guard expected <= segmentLast else { break recordLoop }
                        problem = "segment ends before sequence \(expected)"
                    case .damaged(let reason):
                        problem = reason
                    case .record(let header) where header.sequence != expected:
                        problem = "sequence \(header.sequence) where \(expected) belongs"
                    case .record(let header) where header.sequence < wanted:
                        reader.skip(header)
                        expected += 1
                        continue recordLoop
                    case .record(let header):
                        if !records.isEmpty, payloadBytes + header.length > maxBytes { break segmentLoop }
                        if let payload = try reader.payload(header) {
                            records.append(SpoolRecord(sequence: header.sequence, payload: payload))
                            payloadBytes += header.length
                            expected += 1
                            wanted = expected
                            hint = ReadHint(segment: segment.first, offset: reader.offset, sequence: expected)
                            continue recordLoop
                        }
                        problem = "checksum mismatch"
                        payloadOnly = true
                    }
                    // Damage. What came before it is delivered first; only a read that would
                    // otherwise return nothing steps over it, so no record is skipped unseen.
                    let skipped =
                        payloadOnly ? "sequence \(expected)" : "sequences \(expected)...\(segmentLast)"
                    if damage == nil, snapshot.reported != expected {
                        damage = (expected, "\(problem) at offset \(recordOffset) of '\(path)'; reads skip \(skipped)")
                    }
                    if !records.isEmpty { break segmentLoop }
                    guard payloadOnly else {
                        wanted = segmentLast + 1
                        break recordLoop
                    }
                    expected += 1
                    wanted = expected
                }
            }
        } catch {
            throw SpoolError(error)
        }
        if let damage {
            logger?.error(
                "spool record damaged", metadata: ["detail": "\(damage.message)", "sequence": "\(damage.sequence)"])
        }
        state.withLock { state in
            if let hint, state.segments.contains(where: { $0.first == hint.segment }) { state.readHint = hint }
            if let damage { state.reportedDamage = damage.sequence }
        }
        return records
    }

    /// Moves the delivery cursor to `sequence` (never backwards; a number beyond the newest
    /// record is clamped to it), writes it crash-safely, and deletes the segments whose records
    /// are now all acknowledged, except the active one (it carries the numbering across restarts).
    /// Appended records are fsync'd before the cursor moves, so a cursor never points past what a
    /// power cut could still take.
    public func acknowledge(through sequence: UInt64) throws(SpoolError) {
        try state.withLock { (state: inout State) throws(SpoolError) in
            let target = min(sequence, state.lastSequence)
            guard target > state.acked else { return }
            do throws(FileError) {
                try syncLocked(&state)
                try writeCursor(target)
            } catch {
                throw SpoolError(error)
            }
            state.acked = target
            while state.segments.count > 1, state.lastSequence(ofSegment: 0) <= state.acked {
                guard removeOldestSegment(&state) else { break }
            }
        }
    }

    /// The delivery cursor.
    public var ackedSequence: UInt64 {
        state.withLock { $0.acked }
    }

    /// The current counters.
    public var stats: SpoolStats {
        state.withLock { state in
            let hasRecords = state.segments.first.map { $0.first <= state.lastSequence } ?? false
            let first = hasRecords ? state.segments.first?.first : nil
            let delivered = max(state.acked, (first ?? state.nextSequence) - 1)
            return SpoolStats(
                records: Int64(clamping: state.lastSequence - min(delivered, state.lastSequence)),
                bytes: state.totalBytes,
                firstSequence: first,
                lastSequence: state.lastSequence,
                ackedSequence: state.acked,
                droppedRecords: state.dropped,
                segments: state.segments.count
            )
        }
    }

    // MARK: - Appending

    private func segmentPath(_ first: UInt64) -> String {
        "\(directory)/\(SpoolFormat.segmentName(first: first))"
    }

    /// Makes sure the active segment is open and has room for `bytes` more, rolling to a new
    /// segment (and applying the free-space floor) when it has not.
    private func prepareActiveSegment(_ state: inout State, adding bytes: Int64) throws(FileError) {
        guard let active = state.segments.last else {
            try createSegment(&state)
            return
        }
        let full = active.bytes > 0 && active.bytes + bytes > Int64(settings.segmentBytes)
        if full || state.activeNeedsRoll {
            if state.activeFD >= 0 {
                // The finished segment must be on disk before its successor exists: recovery
                // only checks the newest segment and trusts all earlier ones.
                if state.activeDirty { try SpoolIO.sync(state.activeFD, path: segmentPath(active.first)) }
                SpoolIO.close(state.activeFD)
                state.activeFD = -1
                state.activeDirty = false
            }
            if active.bytes == 0 {
                // Only a repair can get here with an empty segment, whose name the new one would
                // take: replace it rather than fail on the existing file.
                try SpoolIO.remove(segmentPath(active.first))
                state.segments.removeLast()
            }
            try createSegment(&state)
            state.activeNeedsRoll = false
            enforceFreeSpaceFloor(&state, reserve: 0, reason: "min-free-bytes")
            enforceAgeCap(&state)
        } else if state.activeFD < 0 {
            state.activeFD = try SpoolIO.open(segmentPath(active.first), O_RDWR | O_APPEND | O_CLOEXEC)
        }
    }

    private func createSegment(_ state: inout State) throws(FileError) {
        let first = state.nextSequence
        // O_EXCL: every name is the next unused sequence, so an existing file would mean two
        // writers; refuse rather than truncate someone's records.
        let fd = try SpoolIO.open(segmentPath(first), O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC)
        state.segments.append(Segment(first: first, bytes: 0))
        state.activeFD = fd
        state.activeDirty = false
        state.directoryDirty = true
        if state.readHint?.segment == first { state.readHint = nil }
    }

    /// Writes one record into the active segment. On a full disk with older segments around it
    /// drops the oldest ones (the drop-oldest policy) and tries once more; a failed write is cut
    /// back to the last whole record so the segment stays readable.
    private func write(_ record: [UInt8], into state: inout State) throws(FileError) {
        var retried = false
        while true {
            // prepareActiveSegment opened it; this only guards against writing nowhere.
            guard let active = state.segments.last, state.activeFD >= 0 else {
                throw FileError(operation: "write (no open segment in)", path: directory, errno: EBADF)
            }
            let path = segmentPath(active.first)
            do throws(FileError) {
                try SpoolIO.writeAll(state.activeFD, record, path: path)
                state.segments[state.segments.count - 1].bytes += Int64(record.count)
                state.totalBytes += Int64(record.count)
                state.activeDirty = true
                return
            } catch {
                do throws(FileError) {
                    try SpoolIO.truncate(state.activeFD, to: active.bytes, path: path)
                } catch let truncation {
                    logger?.error(
                        "spool segment could not be cut back after a failed write; starting a new one",
                        metadata: ["error": "\(truncation)"])
                    state.activeNeedsRoll = true
                    throw error
                }
                let diskFull = error.errno == ENOSPC || error.errno == EDQUOT
                guard diskFull, !retried, state.segments.count > 1 else { throw error }
                retried = true
                let before = state.segments.count
                enforceFreeSpaceFloor(&state, reserve: Int64(record.count), reason: "disk full")
                if state.segments.count == before {
                    // The file system claims enough room but the write says otherwise (reserved
                    // blocks, quotas): the oldest segment goes anyway.
                    _ = removeOldestSegment(&state)
                    warnAboutDrops(&state, reason: "disk full")
                }
                guard state.segments.count < before else { throw error }
            }
        }
    }

    /// Drops the oldest segments while all segment bytes exceed `maxBytes`.
    private func enforceByteCap(_ state: inout State) {
        while state.totalBytes > settings.maxBytes, state.segments.count > 1 {
            guard removeOldestSegment(&state) else { break }
        }
        warnAboutDrops(&state, reason: "max-bytes")
    }

    /// Drops the oldest segments whose last write (the file's modification time) is older than
    /// `maxAgeNanoseconds`; the active segment always stays.
    private func enforceAgeCap(_ state: inout State) {
        guard let maxAge = settings.maxAgeNanoseconds else { return }
        let now = clock.wallNanoseconds()
        while state.segments.count > 1 {
            var info = stat()
            guard stat(segmentPath(state.segments[0].first), &info) == 0 else { break }
            let modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
            guard now - modified > maxAge else { break }
            guard removeOldestSegment(&state) else { break }
        }
        warnAboutDrops(&state, reason: "max-age")
    }

    /// Drops the oldest segments until the file system has `minFreeBytes` (plus `reserve`) free
    /// again, or only the active segment is left. The needed bytes are computed from one statvfs
    /// call rather than re-asked after each unlink, because file systems may report freed blocks
    /// only after their journal commits.
    private func enforceFreeSpaceFloor(_ state: inout State, reserve: Int64, reason: String) {
        guard let available = SpoolIO.availableBytes(directoryFD) else { return }
        let (sum, overflow) = settings.minFreeBytes.addingReportingOverflow(reserve)
        let wanted = overflow ? Int64.max : sum
        guard wanted > available else { return }
        var missing = wanted - available
        while missing > 0, state.segments.count > 1 {
            let bytes = state.segments[0].bytes
            guard removeOldestSegment(&state) else { break }
            missing -= bytes
        }
        warnAboutDrops(&state, reason: reason)
    }

    /// Deletes the oldest segment (never the active one). Its unacknowledged records count as
    /// dropped and the cursor moves past them: they are gone, and a cursor behind the oldest
    /// record would make stats and reads talk about records that do not exist. The cursor file
    /// is not rewritten for this (appends do not fsync); after a restart the oldest segment's
    /// first sequence bounds it the same way.
    private func removeOldestSegment(_ state: inout State) -> Bool {
        guard state.segments.count > 1 else { return false }
        let segment = state.segments[0]
        let last = state.lastSequence(ofSegment: 0)
        do throws(FileError) {
            try SpoolIO.remove(segmentPath(segment.first))
        } catch {
            logger?.error("cannot delete spool segment", metadata: ["error": "\(error)"])
            return false
        }
        state.segments.removeFirst()
        state.totalBytes -= segment.bytes
        state.directoryDirty = true
        if state.readHint?.segment == segment.first { state.readHint = nil }
        if last > state.acked {
            let lost = last - max(state.acked, segment.first - 1)
            state.dropped += lost
            state.droppedSinceWarning += lost
            state.acked = last
        }
        return true
    }

    /// Logs dropped records when dropping starts and then at most once a minute while it goes
    /// on: a spool pinned at its cap drops a segment every few appends, and a line per segment
    /// would flood the log exactly when the gateway is already in trouble.
    private func warnAboutDrops(_ state: inout State, reason: String) {
        guard state.droppedSinceWarning > 0 else { return }
        let now = clock.monotonicNanoseconds()
        if let last = state.lastDropWarning, now - last < 60_000_000_000 { return }
        logger?.warning(
            "spool full: dropped the oldest undelivered records",
            metadata: [
                "reason": "\(reason)", "dropped": "\(state.droppedSinceWarning)",
                "droppedTotal": "\(state.dropped)", "directory": "\(directory)",
            ])
        state.droppedSinceWarning = 0
        state.lastDropWarning = now
    }

    private func syncLocked(_ state: inout State) throws(FileError) {
        if state.activeDirty, state.activeFD >= 0, let active = state.segments.last {
            try SpoolIO.sync(state.activeFD, path: segmentPath(active.first))
            state.activeDirty = false
        }
        if state.directoryDirty {
            try SpoolIO.sync(directoryFD, path: directory)
            state.directoryDirty = false
        }
    }

    /// Replaces the cursor file: write the temporary file, fsync it, rename it over the cursor,
    /// fsync the directory. A crash at any point leaves the old or the new cursor, whole.
    private func writeCursor(_ sequence: UInt64) throws(FileError) {
        let temporary = "\(directory)/\(SpoolFormat.cursorTemporaryName)"
        let fd = try SpoolIO.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC)
        do throws(FileError) {
            try SpoolIO.writeAll(fd, Array(SpoolFormat.cursorText(sequence).utf8), path: temporary)
            try SpoolIO.sync(fd, path: temporary)
        } catch {
            SpoolIO.close(fd)
            try? SpoolIO.remove(temporary)
            throw error
        }
        SpoolIO.close(fd)
        try SpoolIO.rename(temporary, to: "\(directory)/\(SpoolFormat.cursorName)")
        try SpoolIO.sync(directoryFD, path: directory)
    }

    // MARK: - Recovery

    /// Rebuilds the state from the directory: lists the segments, cuts a torn tail off the
    /// newest one, reads the cursor, and finishes deletions a crash interrupted.
    private static func recover(directory: String, directoryFD: Int32, logger: Logger?) throws(FileError) -> State {
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
    private static func scanActiveSegment(
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

    private static func cut(
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
    private static func readCursor(directory: String, logger: Logger?) -> UInt64 {
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
