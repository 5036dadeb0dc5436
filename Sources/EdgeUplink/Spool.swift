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
/// Thread-safe: all state sits behind one mutex. Appends hold it for their write(2); fsyncs
/// (`sync`, and the one an acknowledgement does before it moves the cursor) and cursor writes run
/// outside it, so an append never waits for an fsync; `read` holds it only to take and update a
/// snapshot and reads the files without it. In the agent only the record writer's thread
/// appends (docs/safety.md, "Storage off the control path").
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

    let directory: String
    let settings: SpoolSettings
    let logger: Logger?
    let clock: any EdgeClock
    /// The open directory: fsync'd after entries change, and flock'd so a second spool on the
    /// same directory (which would interleave appends) fails instead of corrupting it.
    let directoryFD: Int32
    let state: Mutex<State>
    /// Held across a sync's fsyncs (never by appends), so that a second sync waits for the
    /// fsync in flight instead of returning before the records it covers are durable.
    let syncLock = Mutex<Bool>(false)
    /// Held across an acknowledgement's sync and cursor write.
    let cursorLock = Mutex<Bool>(false)
    /// Wakes the uplink when records are appended (and says when they were).
    public let appendSignal = SpoolAppendSignal()
    /// Schemas of typed frame records read or stored so far, by id (`SpoolSchemas.swift`).
    let schemaCache = Mutex<[UInt64: RecordSchema]>([:])

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
        let sequence = try state.withLock { (state: inout State) throws(SpoolError) -> UInt64 in
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
        // After the state lock: the record is readable, and the uplink's wake-up costs the
        // appender one short lock of its own, never a wait on the uplink.
        appendSignal.appended(sequence, at: clock.monotonicNanoseconds(), bytes: payload.count)
        return sequence
    }

    /// Makes every appended record durable: fsyncs the active segment, and the directory when a
    /// segment was created or deleted since the last sync. The fsyncs run outside the state lock,
    /// so an append never waits for one (it may take a second on a worn SD card).
    public func sync() throws(SpoolError) {
        do throws(FileError) {
            try syncOutsideLock()
        } catch {
            throw SpoolError(error)
        }
    }

    /// Records with a sequence number greater than `sequence`, in order: at most `maxRecords`,
    /// and no more payload bytes than `maxBytes`, except that the first record is returned even
    /// when it alone is larger (a big record must not block the queue). Records already dropped
    /// are skipped. A damaged record in a segment ends the read before it; a read that would
    /// return nothing because of it steps over the damage instead (logged once), so one bad
    /// block on the SD card cannot stop delivery for good.
    public func read(after sequence: UInt64, maxRecords: Int, maxBytes: Int) throws(SpoolError) -> [SpoolRecord] {
        var batch = SpoolBatch()
        try read(after: sequence, maxRecords: maxRecords, maxBytes: maxBytes, into: &batch)
        return batch.records
    }

    /// `read(after:maxRecords:maxBytes:)` into `batch` (emptied first, its storage kept): no
    /// allocation per record, none at all once the batch's storage has grown.
    public func read(
        after sequence: UInt64, maxRecords: Int, maxBytes: Int, into records: inout SpoolBatch
    ) throws(SpoolError) {
        records.removeAll()
        guard maxRecords > 0, sequence < UInt64.max else { return }
        let snapshot = state.withLock { state in
            (segments: state.segments, last: state.lastSequence, hint: state.readHint, reported: state.reportedDamage)
        }
        guard let oldest = snapshot.segments.first, sequence < snapshot.last else { return }
        var wanted = max(sequence + 1, oldest.first)
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
                        if try records.appendPayload(of: header, from: reader) {
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
    }

    /// Moves the delivery cursor to `sequence` (never backwards; a number beyond the newest
    /// record is clamped to it), writes it crash-safely, and deletes the segments whose records
    /// are now all acknowledged, except the active one (it carries the numbering across restarts).
    /// Appended records are fsync'd before the cursor moves, so a cursor never points past what a
    /// power cut could still take.
    public func acknowledge(through sequence: UInt64) throws(SpoolError) {
        // The cursor lock only keeps two acknowledgements from writing the cursor file at once;
        // appends never take it, and the state lock is not held across the fsyncs and the rename.
        try cursorLock.withLock { (_: inout Bool) throws(SpoolError) in
            let target = state.withLock { state in min(sequence, state.lastSequence) }
            guard target > ackedSequence else { return }
            do throws(FileError) {
                try syncOutsideLock()
                try writeCursor(target)
            } catch {
                throw SpoolError(error)
            }
            state.withLock { state in
                state.acked = max(state.acked, target)
                while state.segments.count > 1, state.lastSequence(ofSegment: 0) <= state.acked {
                    guard removeOldestSegment(&state) else { break }
                }
            }
        }
    }

    /// The newest record ever appended (0 when none), without building the whole `stats`.
    public var lastSequence: UInt64 {
        state.withLock { $0.lastSequence }
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
}
