public import EdgeCore
public import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What the HTTP uplink needs to know.
public struct HTTPUplinkSettings: Sendable {
    /// Where batches are POSTed (`https://...`, or `http://harvest.soracom.io` inside the SIM network).
    public var url: String
    /// How batches are encoded.
    public var encoder: UplinkEncoder
    /// A batch closes at this many records...
    public var batchRecords: Int
    /// ...or this many spooled bytes...
    public var batchBytes: Int
    /// ...or when its first record has waited this long (ns).
    public var batchIntervalNanoseconds: Int64
    /// Whole-request timeout.
    public var timeoutMilliseconds: Int
    /// First retry delay after a failure, and the cap of the exponential backoff (ns).
    public var backoffInitialNanoseconds: Int64
    /// The cap of the backoff (ns).
    public var backoffMaximumNanoseconds: Int64
    /// The hourly allowance of bytes and requests (docs/safety.md S10).
    public var budget: TrafficBudget
    /// Extra request headers (an `Authorization` read from a secret file, a device id); their
    /// values are never logged.
    public var headers: [(name: String, value: String)]
    /// CA bundle for the endpoint's certificate, when it is not signed by a system CA.
    public var caFile: String?
    /// Proxy URL, when the gateway must go through one.
    public var proxy: String?

    /// Creates settings; `batchRecords` is capped at what the encoder allows.
    public init(
        url: String, encoder: UplinkEncoder = .harvest, batchRecords: Int = 100, batchBytes: Int = 64 << 10,
        batchIntervalNanoseconds: Int64 = 30_000_000_000, timeoutMilliseconds: Int = 10_000,
        backoffInitialNanoseconds: Int64 = 1_000_000_000, backoffMaximumNanoseconds: Int64 = 300_000_000_000,
        budget: TrafficBudget = TrafficBudget(), headers: [(name: String, value: String)] = [], caFile: String? = nil,
        proxy: String? = nil
    ) {
        self.budget = budget
        self.headers = headers
        self.caFile = caFile
        self.proxy = proxy
        self.url = url
        self.encoder = encoder
        self.batchRecords = max(1, min(batchRecords, encoder.maximumRecords))
        self.batchBytes = max(1, batchBytes)
        self.batchIntervalNanoseconds = max(0, batchIntervalNanoseconds)
        self.timeoutMilliseconds = max(1, timeoutMilliseconds)
        self.backoffInitialNanoseconds = max(1_000_000, backoffInitialNanoseconds)
        self.backoffMaximumNanoseconds = max(self.backoffInitialNanoseconds, backoffMaximumNanoseconds)
    }
}

/// Counters of the uplink, readable from any thread.
public struct HTTPUplinkStats: Sendable, Equatable {
    /// Batches the endpoint acknowledged (2xx).
    public var acknowledgedBatches: UInt64 = 0
    /// Records in those batches.
    public var acknowledgedRecords: UInt64 = 0
    /// Attempts that failed and will be retried (connection, timeout, 5xx, 429).
    public var retries: UInt64 = 0
    /// Batches the endpoint refused for good (4xx), kept under the dead-letter directory.
    public var deadLetters: UInt64 = 0
    /// Wall time of the last acknowledgement (ns), 0 before the first.
    public var lastAcknowledgedAt: Int64 = 0
    /// The last failure, for status output.
    public var lastError: String?
    /// Times a batch had to wait because the hourly traffic allowance was used up.
    public var budgetWaits: UInt64 = 0
}

/// Sends spooled records to an HTTP endpoint in batches, from one owner thread (libcurl
/// blocks). Delivery is at least once: a batch's records are acknowledged in the spool only
/// after a 2xx, so a crash or restart resends at most the batch in flight; each request carries
/// `X-Edgeflow-Batch: <first>-<last>` so a receiver can drop a duplicate.
///
/// Failures: 429 and 503 wait for `Retry-After` (seconds) when given; other 5xx, 408, timeouts
/// and connection errors back off exponentially with full jitter up to the cap; any other 4xx
/// means the endpoint will never take that batch, so it moves to the dead-letter directory (and
/// is acknowledged) instead of blocking everything behind it.
public final class HTTPUplink: @unchecked Sendable {
    // @unchecked: `thread` is touched by start/stop only; the rest is immutable or locked.
    private let spool: Spool
    private let settings: HTTPUplinkSettings
    private let deadLetterDirectory: String
    private let clock: any EdgeClock
    private let logger: Logger
    private let lock = ConditionLock()
    private var stopRequested = false
    private var flushDeadline: Int64 = 0
    private let counters = Mutex(HTTPUplinkStats())
    private var thread: OwnerThread?

    private let onAcknowledged: @Sendable (_ first: UInt64, _ last: UInt64) -> Void

    /// Creates the uplink; nothing is sent until `start()`. `onAcknowledged` hears of every
    /// batch the endpoint took (the live view shows it), on the uplink's thread.
    public init(
        spool: Spool, settings: HTTPUplinkSettings, deadLetterDirectory: String, clock: any EdgeClock = SystemClock(),
        logger: Logger, onAcknowledged: @escaping @Sendable (_ first: UInt64, _ last: UInt64) -> Void = { _, _ in }
    ) {
        self.onAcknowledged = onAcknowledged
        self.spool = spool
        self.settings = settings
        self.deadLetterDirectory = deadLetterDirectory
        self.clock = clock
        self.logger = logger
    }

    /// The counters so far.
    public var stats: HTTPUplinkStats { counters.withLock { $0 } }

    /// Starts the sending thread.
    public func start() throws(FileError) {
        try Files.makeDirectories(deadLetterDirectory)
        thread = try OwnerThread(name: "uplink") { [self] in run() }
    }

    /// Asks the thread to deliver what is pending for at most `flushNanoseconds` (monotonic),
    /// then stop, and waits for it (at most the flush time plus one request's timeout). The
    /// flush stops at the first failure; whatever is not delivered stays in the spool.
    public func stop(flushNanoseconds: Int64 = 5_000_000_000) {
        lock.withLock {
            stopRequested = true
            flushDeadline = clock.monotonicNanoseconds() &+ flushNanoseconds
        }
        lock.signal()
        thread?.join()
        thread = nil
    }

    private func run() {
        guard let client = try? HTTPClient() else {
            logger.error("uplink: cannot create an HTTP client; records stay in the spool")
            return
        }
        var window = BatchWindow(
            records: settings.batchRecords, bytes: settings.batchBytes, interval: settings.batchIntervalNanoseconds)
        var retryAt: Int64 = 0
        var attempt = 0
        var random = SystemRandomNumberGenerator()
        var budget = settings.budget
        var finalTryFailed = false
        while true {
            let (stopping, deadline) = lock.withLock { (stopRequested, flushDeadline) }
            let now = clock.monotonicNanoseconds()
            // Stopping: flush while the endpoint takes batches; a failing endpoint gets one last
            // try (without waiting out its backoff), then its records stay in the spool rather
            // than holding up the shutdown with retries.
            if stopping && (now >= deadline || finalTryFailed) { return }
            if stopping && attempt > 0 { retryAt = 0 }
            let pending: [SpoolRecord]
            do {
                pending = try spool.read(
                    after: spool.ackedSequence, maxRecords: settings.batchRecords, maxBytes: settings.batchBytes)
            } catch {
                logger.error("uplink: cannot read the spool", metadata: ["error": "\(error)"])
                if stopping { return }
                sleep(until: now + 1_000_000_000)
                continue
            }
            if pending.isEmpty {
                window.close()
                if stopping { return }
                sleep(until: now + 1_000_000_000)
                continue
            }
            if let later = window.wait(for: pending, now: now, stopping: stopping, poll: 1_000_000_000) {
                sleep(until: later)
                continue
            }
            if now < retryAt {
                if stopping && retryAt > deadline { return }
                sleep(until: retryAt)
                continue
            }
            let (body, encoded) = settings.encoder.encode(pending.map { ($0.sequence, $0.payload) }, schemas: spool.schema(id:))
            if let wait = budget.wait(forSending: body.count, at: now) {
                // The allowance is used up: the batch waits in the spool, counted and logged once.
                let waits = counters.withLock { c -> UInt64 in
                    c.budgetWaits += 1
                    c.lastError = "hourly traffic allowance used up"
                    return c.budgetWaits
                }
                if isSparseLogPoint(waits) {
                    logger.warning(
                        "uplink: hourly traffic allowance used up; records wait in the spool",
                        metadata: ["retry_in": "\(Quantity.formatDuration(wait))", "waits": "\(waits)"])
                }
                if stopping && now + wait > deadline { return }
                sleep(until: now + wait)
                continue
            }
            budget.record(sending: body.count, at: now)
            switch send(pending, body: body, encoded: encoded, client: client) {
            case .acknowledged, .deadLettered:
                attempt = 0
                retryAt = 0
                window.close()
            case .retry(let after):
                if stopping { finalTryFailed = true }
                attempt += 1
                let delay = after ?? backoff(attempt: attempt, random: &random)
                retryAt = clock.monotonicNanoseconds() + delay
            }
        }
    }

    private enum Outcome {
        case acknowledged
        case deadLettered
        case retry(after: Int64?)
    }

    private func send(_ batch: [SpoolRecord], body: [UInt8], encoded: Int, client: HTTPClient) -> Outcome {
        guard let first = batch.first?.sequence, let last = batch.last?.sequence else { return .acknowledged }
        if encoded < batch.count {
            logger.warning("uplink: records that are not JSON objects were left out", metadata: ["count": "\(batch.count - encoded)"])
        }
        let request = HTTPRequest(
            method: "POST", url: settings.url,
            headers: settings.encoder.contentHeaders + [("X-Edgeflow-Batch", "\(first)-\(last)")] + settings.headers,
            body: body, timeoutMilliseconds: settings.timeoutMilliseconds, maxResponseBytes: 4096,
            caFile: settings.caFile, proxy: settings.proxy)
        let response: HTTPResponse
        do {
            response = try client.perform(request)
        } catch {
            noteRetry("\(error)")
            return .retry(after: nil)
        }
        switch response.status {
        case 200..<300:
            do {
                try spool.acknowledge(through: last)
            } catch {
                logger.error("uplink: cannot store the delivery cursor", metadata: ["error": "\(error)"])
            }
            let wall = clock.wallNanoseconds()
            counters.withLock {
                $0.acknowledgedBatches += 1
                $0.acknowledgedRecords += UInt64(batch.count)
                $0.lastAcknowledgedAt = wall
                $0.lastError = nil
            }
            onAcknowledged(first, last)
            return .acknowledged
        case 408, 429, 500..<600:
            let after = retryAfter(response).map { Int64($0) * 1_000_000_000 }
            noteRetry("HTTP \(response.status)")
            return .retry(after: response.status == 429 || response.status == 503 ? after : nil)
        default:
            deadLetter(body, first: first, last: last, status: response.status)
            return .deadLettered
        }
    }

    private func noteRetry(_ why: String) {
        let count = counters.withLock { c -> UInt64 in
            c.retries += 1
            c.lastError = why
            return c.retries
        }
        if isSparseLogPoint(count) {
            logger.warning("uplink: delivery failed; records stay in the spool", metadata: ["error": "\(why)", "retries": "\(count)"])
        }
    }

    private func deadLetter(_ body: [UInt8], first: UInt64, last: UInt64, status: Int) {
        let path = "\(deadLetterDirectory)/\(first)-\(last).json"
        do {
            try Files.writeAtomically(path, bytes: body)
            try spool.acknowledge(through: last)
            counters.withLock {
                $0.deadLetters += 1
                $0.lastError = "HTTP \(status): batch \(first)-\(last) moved to \(path)"
            }
            pruneDeadLetters()
            logger.error(
                "uplink: the endpoint refused a batch for good; kept as a dead letter",
                metadata: ["status": "\(status)", "batch": "\(first)-\(last)", "file": "\(path)"])
        } catch {
            // Without its dead-letter copy the batch must not be dropped: it stays and is retried.
            logger.error("uplink: cannot keep a refused batch as a dead letter", metadata: ["error": "\(error)"])
        }
    }

    /// The dead-letter area is bounded: beyond `deadLetterLimit` batches the oldest go (logged),
    /// so an endpoint that refuses everything cannot fill the disk through it.
    private func pruneDeadLetters() {
        let batches = DeadLetters.list(in: deadLetterDirectory)
        guard batches.count > Self.deadLetterLimit else { return }
        let excess = batches.prefix(batches.count - Self.deadLetterLimit)
        for name in excess { unlink("\(deadLetterDirectory)/\(name)") }
        logger.warning(
            "uplink: dead-letter area full; oldest refused batches deleted",
            metadata: ["deleted": "\(excess.count)", "kept": "\(Self.deadLetterLimit)"])
    }

    /// At most this many refused batches are kept.
    static let deadLetterLimit = 100

    /// `Retry-After` in whole seconds (the HTTP-date form is not accepted: a wrong gateway clock
    /// would make it meaningless), capped at the backoff maximum.
    private func retryAfter(_ response: HTTPResponse) -> Int? {
        guard let value = response.headers.first(where: { $0.name == "retry-after" })?.value,
            let seconds = Int(value.trimmingSpaces()), seconds >= 0
        else { return nil }
        return min(seconds, Int(settings.backoffMaximumNanoseconds / 1_000_000_000))
    }

    /// Full jitter: a random delay between 0 and the exponential bound, never below 100 ms.
    private func backoff(attempt: Int, random: inout SystemRandomNumberGenerator) -> Int64 {
        let exponent = min(attempt - 1, 30)
        let bound = min(settings.backoffMaximumNanoseconds, settings.backoffInitialNanoseconds << exponent)
        return max(100_000_000, Int64.random(in: 0...max(bound, 1), using: &random))
    }

    /// Waits until `monotonic`, or the flush deadline once stopping; the stop request itself
    /// wakes a wait once, so the loop re-plans at once.
    private func sleep(until monotonic: Int64) {
        lock.withLock {
            let end = stopRequested ? min(monotonic, flushDeadline) : monotonic
            let left = end - clock.monotonicNanoseconds()
            if left > 0 { lock.wait(nanoseconds: left) }
        }
    }
}
