import EdgeCore
import Logging
import Synchronization

/// The one batching, retry and budget loop every uplink transport runs on, from one owner
/// thread (libcurl and libmosquitto block).
///
/// A batch is the records after the spool's delivery cursor; it closes `batch_interval` after
/// its first record was appended (the spool says when), or at once when it reaches
/// `batch_records` or `batch_bytes`, or while stopping. The spool wakes the loop on every append,
/// so nothing waits for a poll. One batch is in flight at a time and is kept, with its id, until
/// the peer acknowledges it (then its records leave the spool) or refuses it for good (then it
/// becomes a dead letter): delivery is at least once. Failures back off exponentially with full
/// jitter, capped at `retry_max`; `reconnect()` cuts a backoff short.
final class UplinkLoop: @unchecked Sendable {
    // @unchecked: `thread` is touched by start/stop only; `readBuffer` by the owner thread only; the rest
    // is immutable or locked.
    private let spool: Spool
    private let transport: any UplinkTransport
    private let settings: UplinkLoopSettings
    private let clock: any EdgeClock
    private let logger: Logger
    private let onAcknowledged: @Sendable (_ first: UInt64, _ last: UInt64) -> Void
    private let control = Mutex(Control())
    private let counters = Mutex(UplinkStats())
    private var thread: OwnerThread?
    /// The owner thread's: each batch is read into this, reusing its storage.
    private var readBuffer = SpoolBatch()

    private struct Control {
        var stopRequested = false
        var flushDeadline: Int64 = 0
        var reconnectRequested = false
    }

    /// State of the owner thread; nothing else touches it.
    private struct Session {
        var batch: UplinkBatch?
        var failures = 0
        var retryAt: Int64 = 0
        var everConnected = false
        var finalTryFailed = false
        var stopping = false
        var deadline: Int64 = .max
        var budget: TrafficBudget
        /// The current batch already waits for the allowance (counted and logged once).
        var budgetWaiting = false
        /// A failure or a forced reconnect happened since the last delivery: for HTTP, whose
        /// "link" is each request, the next delivery is the reconnect.
        var awaitingRecovery = false
        var random = SystemRandomNumberGenerator()
    }

    init(
        spool: Spool, transport: any UplinkTransport, settings: UplinkLoopSettings, clock: any EdgeClock,
        logger: Logger, onAcknowledged: @escaping @Sendable (UInt64, UInt64) -> Void
    ) {
        self.spool = spool
        self.transport = transport
        self.settings = settings
        self.clock = clock
        self.logger = logger
        self.onAcknowledged = onAcknowledged
    }

    /// The counters so far.
    var stats: UplinkStats { counters.withLock { $0 } }

    /// Starts the owner thread.
    func start(threadName: String) throws(FileError) {
        thread = try OwnerThread(name: threadName) { [self] in run() }
    }

    /// Delivers what is pending for at most `flushNanoseconds`, then closes the transport and
    /// waits for the thread. Whatever is not acknowledged stays in the spool.
    func stop(flushNanoseconds: Int64) {
        control.withLock {
            $0.stopRequested = true
            $0.flushDeadline = clock.monotonicNanoseconds() &+ max(0, flushNanoseconds)
        }
        spool.appendSignal.wake()
        thread?.join()
        thread = nil
    }

    /// Ends a backoff now and opens a new connection (`edgeflow uplink reconnect`).
    func reconnect() {
        control.withLock { $0.reconnectRequested = true }
        spool.appendSignal.wake()
    }

    // MARK: - The owner thread

    private func run() {
        var session = Session(budget: settings.budget)
        while step(&session) {}
        if transport.close(inFlight: session.batch), let batch = session.batch { acknowledged(batch, &session) }
        counters.withLock {
            $0.connected = false
            $0.nextAttemptAt = nil
        }
    }

    /// One turn of the loop; false once it is time to stop.
    private func step(_ session: inout Session) -> Bool {
        let seen = spool.appendSignal.current
        let request = control.withLock { c -> Control in
            let taken = c
            c.reconnectRequested = false
            return taken
        }
        let now = clock.monotonicNanoseconds()
        if request.stopRequested && !session.stopping {
            session.stopping = true
            session.deadline = request.flushDeadline
            // A failing peer gets one last try, without waiting out its backoff.
            session.retryAt = 0
        }
        if session.stopping && (now >= session.deadline || session.finalTryFailed) { return false }
        if request.reconnectRequested { forceReconnect(&session) }
        if session.stopping && session.batch == nil && nothingPending() { return false }

        if now < session.retryAt {
            if session.stopping { return false }
            idle(until: session.retryAt, seen: seen, &session)
            return true
        }
        if !transport.isConnected && (transport.keepsConnection || session.batch != nil || !nothingPending()) {
            switch transport.ensureConnected(abandon: abandonCheck(session)) {
            case .ready(let fresh): linkUp(fresh: fresh, &session)
            case .failed(let why):
                failed(why, after: nil, &session)
                return true
            case .abandoned: return false
            }
        }
        if session.batch == nil {
            switch nextBatch(&session, now: now) {
            case .ready: break
            case .nothing:
                if session.stopping { return false }
                idle(until: .max, seen: seen, &session)
                return true
            case .closesAt(let due):
                idle(until: due, seen: seen, &session)
                return true
            }
        }
        guard let batch = session.batch else { return true }
        if let wait = session.budget.wait(forSending: batch.body.count, at: now) {
            // Appends wake the loop meanwhile; the wait is one wait however often it looks again.
            if !session.budgetWaiting { budgetExhausted(wait) }
            session.budgetWaiting = true
            if session.stopping && now + wait > session.deadline { return false }
            idle(until: now + wait, seen: seen, &session)
            return true
        }
        session.budgetWaiting = false
        session.budget.record(sending: batch.body.count, at: now)
        switch transport.send(batch, abandon: abandonCheck(session)) {
        case .acknowledged:
            acknowledged(batch, &session)
        case .deadLettered(let why):
            acknowledged(batch, &session, deadLetter: why)
        case .retry(let why, let after):
            failed(why, after: after, &session)
        case .connectionLost(let why):
            failed(why, after: nil, &session)
        case .abandoned:
            return false
        }
        return true
    }

    /// Where the next batch stands.
    private enum BatchState {
        /// Nothing waits after the delivery cursor.
        case nothing
        /// The window is open until this monotonic time.
        case closesAt(Int64)
        /// `session.batch` is encoded and due.
        case ready
    }

    /// Reads the next batch into the session when it is due. While the window of a batch is
    /// open, nothing is read: the spool's counters and the append signal say how many records
    /// and bytes wait and when the first came, so a 60 s window costs no re-reads of a growing
    /// batch on every append.
    private func nextBatch(_ session: inout Session, now: Int64) -> BatchState {
        let acked = spool.ackedSequence
        let last = spool.lastSequence
        guard last > acked else { return .nothing }
        let signal = spool.appendSignal
        // The window opened when the first record was appended, not when the loop noticed it;
        // a record from before this run (recovered from disk) is overdue anyway.
        if !session.stopping, let opened = signal.appendTime(of: acked + 1) {
            let waiting = last - acked
            let bytes = signal.payloadBytes(from: acked + 1, through: last) ?? 0
            let full = waiting >= UInt64(settings.batchRecords) || bytes >= settings.batchBytes
            let closes = opened &+ settings.batchIntervalNanoseconds
            if !full && now < closes { return .closesAt(closes) }
        }
        do {
            try spool.read(
                after: acked, maxRecords: settings.batchRecords, maxBytes: settings.batchBytes, into: &readBuffer)
        } catch {
            logger.error("\(transport.logPrefix): cannot read the spool", metadata: ["error": "\(error)"])
            return .closesAt(now + 1_000_000_000)
        }
        guard let first = readBuffer.firstSequence, let lastRead = readBuffer.lastSequence else { return .nothing }
        // Typed frame records are written out with the names of their schema, which the spool keeps.
        var body: [UInt8] = []
        let encoded = settings.encoder.encode(readBuffer, schemas: spool.schema(id:), into: &body)
        if encoded < readBuffer.count {
            logger.warning(
                "\(transport.logPrefix): records that could not be encoded were left out",
                metadata: ["count": "\(readBuffer.count - encoded)"])
        }
        session.batch = UplinkBatch(first: first, last: lastRead, count: readBuffer.count, body: body)
        return .ready
    }

    /// Waits for an append, a stop or reconnect request, or `monotonic` (the flush deadline at
    /// most while stopping), whichever comes first, keeping the link alive meanwhile.
    private func idle(until monotonic: Int64, seen: UInt64, _ session: inout Session) {
        let end = session.stopping ? min(monotonic, session.deadline) : monotonic
        let left = end - clock.monotonicNanoseconds()
        if left > 0 {
            spool.appendSignal.wait(after: seen, nanoseconds: min(left, transport.maintenanceNanoseconds))
        }
        guard transport.isConnected, let why = transport.maintain() else { return }
        failed(why, after: nil, &session)
    }

    private func abandonCheck(_ session: Session) -> () -> Bool {
        let stopping = session.stopping
        let deadline = session.deadline
        return { [self] in
            if stopping { return clock.monotonicNanoseconds() >= deadline }
            // A stop requested during a long wait for an answer still gets its flush time.
            let (stop, end) = control.withLock { ($0.stopRequested, $0.flushDeadline) }
            return stop && clock.monotonicNanoseconds() >= end
        }
    }

    private func nothingPending() -> Bool {
        let stats = spool.stats
        return stats.lastSequence <= stats.ackedSequence
    }

    // MARK: - Outcomes

    private func linkUp(fresh: Bool, _ session: inout Session) {
        guard fresh else { return }
        let again = session.everConnected
        session.everConnected = true
        let reconnects = counters.withLock { c -> UInt64 in
            c.connected = true
            if again { c.reconnects += 1 }
            return c.reconnects
        }
        var metadata = transport.connectionMetadata
        if again { metadata["reconnects"] = "\(reconnects)" }
        if let batch = session.batch { metadata["resending"] = "\(batch.id)" }
        logger.info("\(transport.logPrefix): \(again ? "reconnected" : "connected")", metadata: metadata)
    }

    private func acknowledged(_ batch: UplinkBatch, _ session: inout Session, deadLetter: String? = nil) {
        do {
            try spool.acknowledge(through: batch.last)
        } catch {
            logger.error("\(transport.logPrefix): cannot store the delivery cursor", metadata: ["error": "\(error)"])
        }
        let recovered = session.awaitingRecovery && !transport.keepsConnection
        session.awaitingRecovery = false
        session.batch = nil
        session.failures = 0
        session.retryAt = 0
        let wall = clock.wallNanoseconds()
        let reconnects = counters.withLock { c -> UInt64 in
            c.connected = true
            c.nextAttemptAt = nil
            if recovered { c.reconnects += 1 }
            if let deadLetter {
                c.deadLetters += 1
                c.lastError = deadLetter
            } else {
                c.acknowledgedBatches += 1
                c.acknowledgedRecords += UInt64(batch.count)
                c.lastAcknowledgedAt = wall
                c.lastError = nil
            }
            return c.reconnects
        }
        if recovered {
            logger.info(
                "\(transport.logPrefix): the endpoint takes batches again", metadata: ["reconnects": "\(reconnects)"])
        }
        if deadLetter == nil { onAcknowledged(batch.first, batch.last) }
    }

    /// A failed attempt: counted, logged at the start of an outage and then sparsely, and
    /// retried after `after` (a peer's Retry-After) or the backoff, both capped at `retry_max`.
    private func failed(_ why: String, after: Int64?, _ session: inout Session) {
        let wasConnected = counters.withLock { $0.connected }
        if session.stopping { session.finalTryFailed = true }
        session.failures += 1
        session.awaitingRecovery = true
        let delay = min(
            after ?? backoff(attempt: session.failures, &session.random), settings.backoffMaximumNanoseconds)
        session.retryAt = clock.monotonicNanoseconds() + delay
        let retryAt = session.retryAt
        let retries = counters.withLock { c -> UInt64 in
            c.retries += 1
            c.lastError = why
            c.connected = transport.isConnected && transport.keepsConnection
            c.nextAttemptAt = retryAt
            return c.retries
        }
        var metadata: Logger.Metadata = [
            "error": "\(why)", "attempts": "\(session.failures)", "retries": "\(retries)",
            "next_attempt_in": "\(Quantity.formatDuration(delay))",
        ]
        if let batch = session.batch { metadata["unacknowledged"] = "\(batch.id)" }
        if transport.keepsConnection && wasConnected && !transport.isConnected && session.failures == 1 {
            logger.warning("\(transport.logPrefix): connection lost; records stay in the spool", metadata: metadata)
        } else if isSparseLogPoint(session.failures) {
            logger.warning("\(transport.logPrefix): delivery failed; records stay in the spool", metadata: metadata)
        }
    }

    private func budgetExhausted(_ wait: Int64) {
        // The allowance is used up: the batch waits in the spool, counted and logged sparsely.
        let waits = counters.withLock { c -> UInt64 in
            c.budgetWaits += 1
            c.lastError = "hourly traffic allowance used up"
            return c.budgetWaits
        }
        if isSparseLogPoint(waits) {
            logger.warning(
                "\(transport.logPrefix): hourly traffic allowance used up; records wait in the spool",
                metadata: ["retry_in": "\(Quantity.formatDuration(wait))", "waits": "\(waits)"])
        }
    }

    /// `edgeflow uplink reconnect`: no more waiting, and a link that is up is renewed.
    private func forceReconnect(_ session: inout Session) {
        session.retryAt = 0
        session.failures = 0
        session.awaitingRecovery = true
        counters.withLock { $0.nextAttemptAt = nil }
        if transport.isConnected { transport.dropConnection() }
        logger.info("\(transport.logPrefix): reconnecting now, as asked")
    }

    /// Full jitter: a random delay between 0 and the exponential bound, never below 100 ms.
    private func backoff(attempt: Int, _ random: inout SystemRandomNumberGenerator) -> Int64 {
        let exponent = min(max(attempt, 1) - 1, 30)
        let bound = min(settings.backoffMaximumNanoseconds, settings.backoffInitialNanoseconds << exponent)
        return max(100_000_000, Int64.random(in: 0...max(bound, 1), using: &random))
    }
}
