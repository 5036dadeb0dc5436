public import EdgeCore
public import Logging
import Synchronization

/// The spool writer: an owner thread, like a bus owner, that alone touches the record store
/// (the uplink's spool or `records.jsonl`). The pipeline hands it encoded frame records through
/// a bounded, preallocated `ByteHandoff` and goes on, so a slow SD card (an fsync of a second)
/// delays records, never a flow action. When the writer falls behind and the hand-off is full,
/// new frame records are dropped and counted (`drop-newest`, shown in status and metrics).
///
/// Harvested messages take a second lane: the action's worker thread queues the message and
/// waits until it is written and fsync'd (one fsync covers every message queued meanwhile), so
/// a `harvest` reports success only for a durable record while the pipeline waits for nothing.
/// Frames are fsync'd at most once per sync interval and on `flushDurably` (stops, reloads).
public final class RecordWriter: @unchecked Sendable {
    // @unchecked: `jobs`, `settled`, `stopping`, `running`, `lastError` and `failingSince` are
    // guarded by `lock`; `thread` is touched only by start/stop; the rest are atomics or
    // immutable.

    /// What the writer writes to.
    public let store: any RecordStore
    private let frames: ByteHandoff
    private let wake = WakeSignal()
    private let lock = ConditionLock()
    private let clock: any EdgeClock
    private let logger: Logger
    private let syncInterval: Atomic<Int64>
    private var jobs: [MessageJob] = []
    /// Frame records taken from the hand-off and, when they needed it, fsync'd since.
    private var settled: UInt64 = 0
    private var stopping = false
    private var running = false
    private var lastError: String?
    private var failingSince: Int64?
    private var thread: OwnerThread?
    private let writtenCount = Atomic<UInt64>(0)
    private let failureCount = Atomic<UInt64>(0)
    private let syncCount = Atomic<UInt64>(0)
    private let lastSyncTime = Atomic<Int64>(0)
    private let maxSyncTime = Atomic<Int64>(0)
    /// Set by `flushDurably`: sync as soon as the hand-off is written, not at the next interval.
    private let syncWanted = Atomic<Bool>(false)

    /// A harvested message waiting for the writer; `result` is set under the writer's lock.
    private final class MessageJob: @unchecked Sendable {
        let bytes: [UInt8]
        var result: Result<UInt64, RecorderError>?
        init(bytes: [UInt8]) { self.bytes = bytes }
    }

    /// Creates a writer over `store` with a hand-off of `handoffBytes`; frames are fsync'd at
    /// most every `syncIntervalNanoseconds` (nil: only on durable flushes). Call `start()`.
    /// Throws when the hand-off's memory cannot be mapped.
    public init(
        store: any RecordStore, handoffBytes: Int = 1 << 20, syncIntervalNanoseconds: Int64? = nil,
        clock: any EdgeClock = SystemClock(), logger: Logger
    ) throws(FileError) {
        self.store = store
        frames = try ByteHandoff(capacity: handoffBytes)
        self.clock = clock
        self.logger = logger
        syncInterval = Atomic(syncIntervalNanoseconds ?? .max)
    }

    /// Changes how often frames are fsync'd (a reload with another `sync_interval`).
    public func setSyncInterval(nanoseconds: Int64?) {
        syncInterval.store(nanoseconds ?? .max, ordering: .relaxed)
    }

    /// Starts the writer's thread.
    public func start() throws(FileError) {
        lock.withLock {
            stopping = false
            running = true
        }
        do {
            thread = try OwnerThread(name: "record writer") { [self] in run() }
        } catch {
            lock.withLock { running = false }
            throw error
        }
    }

    /// Writes and fsyncs everything handed over so far, then stops the thread. Messages queued
    /// after this fail with an error instead of waiting.
    public func stop() {
        lock.withLock { stopping = true }
        wake.signal()
        thread?.join()
        thread = nil
    }

    // MARK: The pipeline's side (one producer thread)

    /// Hands one frame record over; false when the hand-off is full (the record is dropped and
    /// counted). Never blocks and never touches a file.
    @discardableResult
    public func offer(_ record: UnsafeRawBufferPointer) -> Bool {
        frames.offer(record)
    }

    /// Wakes the writer for the records offered since the last call; never blocks on I/O.
    public func kick() {
        wake.signal()
    }

    /// Waits, at most `timeoutNanoseconds`, until every frame record this thread offered so far
    /// is written and fsync'd. For stops and reloads, not for the per-frame path.
    public func flushDurably(timeoutNanoseconds: Int64 = 10_000_000_000) throws(RecorderError) {
        let target = frames.offered
        syncWanted.store(true, ordering: .releasing)
        wake.signal()
        let deadline = MonotonicDeadline(after: timeoutNanoseconds)
        let outcome: String? = lock.withLock {
            while settled < target {
                if !running { return "the record writer is not running" }
                if deadline.remaining <= 0 {
                    return "records were not on disk within \(Quantity.formatDuration(timeoutNanoseconds))"
                        + (lastError.map { " (\($0))" } ?? "")
                }
                lock.wait(nanoseconds: min(deadline.remaining, 50_000_000))
            }
            return nil
        }
        if let outcome { throw RecorderError(outcome) }
    }

    // MARK: Action workers' side (any thread)

    /// Appends one message record and returns its sequence number once it is fsync'd; the
    /// calling worker waits (at most `timeoutNanoseconds`), the pipeline never does.
    public func appendDurably(_ record: [UInt8], timeoutNanoseconds: Int64 = 60_000_000_000) throws(RecorderError)
        -> UInt64
    {
        let job = MessageJob(bytes: record)
        let queued = lock.withLock { () -> Bool in
            guard running, !stopping else { return false }
            jobs.append(job)
            return true
        }
        guard queued else { throw RecorderError("the record writer is stopped; the message was not recorded") }
        wake.signal()
        let deadline = MonotonicDeadline(after: timeoutNanoseconds)
        let result = lock.withLock { () -> Result<UInt64, RecorderError> in
            while job.result == nil {
                if deadline.remaining <= 0 {
                    return .failure(
                        RecorderError(
                            "the record was not confirmed on disk within \(Quantity.formatDuration(timeoutNanoseconds))"
                                + " (it may still be written)"))
                }
                lock.wait(nanoseconds: deadline.remaining)
            }
            return job.result ?? .failure(RecorderError("no result"))
        }
        return try result.get()
    }

    // MARK: Counters

    /// The hand-off and the writer now, for status and metrics.
    public var status: RecordWriterStatus {
        let (error, since) = lock.withLock { (lastError, failingSince) }
        return RecordWriterStatus(
            capacity: frames.usableCapacity, occupancy: frames.occupancy, highWater: frames.highWater,
            dropped: frames.dropped, written: writtenCount.load(ordering: .relaxed),
            failures: failureCount.load(ordering: .relaxed), syncs: syncCount.load(ordering: .relaxed),
            lastSyncNanoseconds: lastSyncTime.load(ordering: .relaxed),
            maxSyncNanoseconds: maxSyncTime.load(ordering: .relaxed), failing: since != nil, lastError: error)
    }

    /// The sequence number of the newest record in the store.
    public var lastSequence: UInt64 { store.lastSequence }

    // MARK: The writer's thread

    private func run() {
        var loop = WriterLoop(lastSync: clock.monotonicNanoseconds())
        while true {
            let (stop, batch) = lock.withLock { () -> (Bool, [MessageJob]) in
                let taken = jobs
                jobs.removeAll(keepingCapacity: true)
                return (stopping, taken)
            }
            if syncWanted.exchange(false, ordering: .acquiring) { loop.syncWanted = true }
            let now = clock.monotonicNanoseconds()
            // While the store fails, frames wait in the hand-off and are retried once a second;
            // a stop tries once more at once.
            var framesFailed = true
            if stop || loop.retryAt.map({ now >= $0 }) ?? true { framesFailed = !writeFrames(&loop, now: now) }
            var results: [Result<UInt64, RecorderError>] = batch.map { job in
                job.bytes.withUnsafeBytes { bytes in
                    do throws(RecorderError) {
                        let sequence = try store.append(bytes)
                        loop.dirty = true
                        return .success(sequence)
                    } catch {
                        noteFailure(error)
                        return .failure(error)
                    }
                }
            }
            let handedOver = frames.occupancy == 0
            let due = now - loop.lastSync >= syncInterval.load(ordering: .relaxed)
            if loop.dirty && (!batch.isEmpty || due || stop || loop.syncWanted) {
                if let error = sync(&loop) {
                    // Written but not durable: the action must not report success.
                    results = results.map { $0.flatMap { _ in .failure(error) } }
                }
            }
            if !loop.dirty {
                loop.synced = loop.consumed
                if handedOver { loop.syncWanted = false }
            }
            let settledNow = loop.synced
            lock.withLock {
                for (job, result) in zip(batch, results) { job.result = result }
                settled = settledNow
            }
            lock.signal()
            if stop && ((handedOver && !loop.dirty) || framesFailed) {
                if !handedOver {
                    logger.error(
                        "record writer stopped with records it could not write",
                        metadata: [
                            "waiting_bytes": "\(frames.occupancy)", "error": "\(lock.withLock { lastError ?? "" })",
                        ])
                }
                break
            }
            // More than one pass's worth waiting: go on at once.
            if !handedOver && !framesFailed { continue }
            let interval = syncInterval.load(ordering: .relaxed)
            var timeout: Int64 = 200_000_000
            if loop.dirty && interval < .max { timeout = min(timeout, max(1_000_000, loop.lastSync + interval - now)) }
            if let retry = loop.retryAt { timeout = min(timeout, max(1_000_000, retry - now)) }
            wake.wait(timeoutNanoseconds: timeout)
        }
        lock.withLock { running = false }
        lock.signal()
    }

    /// Where the writer's thread is; its own, never shared.
    private struct WriterLoop {
        var lastSync: Int64
        var dirty = false
        var consumed: UInt64 = 0
        var synced: UInt64 = 0
        var retryAt: Int64?
        /// A durable flush asked; cleared once everything handed over is fsync'd.
        var syncWanted = false
    }

    /// Moves up to 4096 frame records from the hand-off into the store; false when the store
    /// refused one (it stays first in the hand-off and is tried again in a second).
    private func writeFrames(_ loop: inout WriterLoop, now: Int64) -> Bool {
        loop.retryAt = nil
        for _ in 0..<4096 {
            let outcome = frames.withOldest { bytes -> RecorderError? in
                do throws(RecorderError) {
                    _ = try store.append(bytes)
                    return nil
                } catch {
                    return error
                }
            }
            guard let outcome else { return true }
            if let error = outcome, error.permanent {
                failureCount.add(1, ordering: .relaxed)
                logger.error("a frame record could not be written and was dropped", metadata: ["error": "\(error)"])
                frames.consume()
                loop.consumed += 1
                continue
            }
            if let error = outcome {
                noteFailure(error)
                loop.retryAt = now + 1_000_000_000
                return false
            }
            frames.consume()
            loop.consumed += 1
            loop.dirty = true
            writtenCount.add(1, ordering: .relaxed)
            noteRecovery()
        }
        return true
    }

    private func sync(_ loop: inout WriterLoop) -> RecorderError? {
        let started = clock.monotonicNanoseconds()
        do throws(RecorderError) {
            try store.sync()
        } catch {
            noteFailure(error)
            return error
        }
        let ended = clock.monotonicNanoseconds()
        let took = ended - started
        syncCount.add(1, ordering: .relaxed)
        lastSyncTime.store(took, ordering: .relaxed)
        if took > maxSyncTime.load(ordering: .relaxed) { maxSyncTime.store(took, ordering: .relaxed) }
        loop.dirty = false
        loop.lastSync = ended
        loop.synced = loop.consumed
        noteRecovery()
        return nil
    }

    /// Counts a failed write or sync; the first of an episode is logged, then one a minute.
    private func noteFailure(_ error: RecorderError) {
        failureCount.add(1, ordering: .relaxed)
        let now = clock.monotonicNanoseconds()
        let log = lock.withLock { () -> Bool in
            lastError = error.message
            if failingSince == nil {
                failingSince = now
                return true
            }
            return false
        }
        if log {
            logger.error("recording failed; records wait in the hand-off", metadata: ["error": "\(error)"])
        }
    }

    private func noteRecovery() {
        let since = lock.withLock { () -> Int64? in
            defer { failingSince = nil }
            return failingSince
        }
        if let since {
            logger.notice(
                "recording works again",
                metadata: ["failed_for": "\(Quantity.formatDuration(clock.monotonicNanoseconds() - since))"])
        }
    }
}

/// The record writer and its hand-off at one moment (status `recorder`, metrics).
public struct RecordWriterStatus: Sendable, Equatable {
    /// Hand-off size in bytes (what the pipeline may fill).
    public var capacity: Int
    /// Bytes waiting in the hand-off.
    public var occupancy: Int
    /// The most bytes that ever waited at once.
    public var highWater: Int
    /// Frame records dropped because the hand-off was full (its policy, `drop-newest`).
    public var dropped: UInt64
    /// Frame records written to the store.
    public var written: UInt64
    /// Writes and syncs that failed (a full or failing disk).
    public var failures: UInt64
    /// fsyncs done.
    public var syncs: UInt64
    /// How long the last fsync took.
    public var lastSyncNanoseconds: Int64
    /// The longest fsync so far.
    public var maxSyncNanoseconds: Int64
    /// The last write or sync failed and none succeeded since.
    public var failing: Bool
    /// The last failure's message.
    public var lastError: String?
    /// The hand-off's policy when full.
    public var policy: String { ByteHandoff.policy }
}
