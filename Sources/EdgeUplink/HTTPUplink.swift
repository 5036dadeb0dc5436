public import EdgeCore
public import Logging

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
    /// First retry delay after a failure (ns); it doubles per failure, with full jitter.
    public var backoffInitialNanoseconds: Int64
    /// The cap of the backoff and of a `Retry-After` (ns): `uplink.retry_max`, 30 s by default.
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
        backoffInitialNanoseconds: Int64 = 1_000_000_000, backoffMaximumNanoseconds: Int64 = 30_000_000_000,
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

/// Sends spooled records to an HTTP endpoint in batches, on the shared uplink loop
/// (`UplinkLoop`) over `HTTPTransport`. Delivery is at least once: a batch's records are
/// acknowledged in the spool only after a 2xx, so a crash or restart resends at most the batch
/// in flight; each request carries `X-Edgeflow-Batch: <first>-<last>` so a receiver can drop a
/// duplicate.
///
/// Failures: 429 and 503 wait for `Retry-After` (seconds) when given; other 5xx, 408, timeouts
/// and connection errors back off exponentially with full jitter up to `retry_max`; any other
/// 4xx means the endpoint will never take that batch, so it moves to the dead-letter directory
/// (and is acknowledged) instead of blocking everything behind it.
public final class HTTPUplink: Sendable {
    private let loop: UplinkLoop
    private let deadLetterDirectory: String

    /// Creates the uplink; nothing is sent until `start()`. `onAcknowledged` hears of every
    /// batch the endpoint took (the live view shows it), on the uplink's thread.
    public init(
        spool: Spool, settings: HTTPUplinkSettings, deadLetterDirectory: String, clock: any EdgeClock = SystemClock(),
        logger: Logger, onAcknowledged: @escaping @Sendable (_ first: UInt64, _ last: UInt64) -> Void = { _, _ in }
    ) {
        self.deadLetterDirectory = deadLetterDirectory
        loop = UplinkLoop(
            spool: spool,
            transport: HTTPTransport(settings: settings, deadLetterDirectory: deadLetterDirectory, logger: logger),
            settings: UplinkLoopSettings(settings),
            clock: clock, logger: logger, onAcknowledged: onAcknowledged)
    }

    /// The counters so far.
    public var stats: UplinkStats { loop.stats }

    /// Starts the sending thread.
    public func start() throws(FileError) {
        try Files.makeDirectories(deadLetterDirectory)
        try loop.start(threadName: "uplink")
    }

    /// Ends a backoff now: the next attempt goes at once on a new connection.
    public func reconnect() { loop.reconnect() }

    /// Asks the thread to deliver what is pending for at most `flushNanoseconds` (monotonic),
    /// then stop, and waits for it (at most the flush time plus one request's timeout). The
    /// flush stops at the first failure; whatever is not delivered stays in the spool.
    public func stop(flushNanoseconds: Int64 = 5_000_000_000) {
        loop.stop(flushNanoseconds: flushNanoseconds)
    }
}
