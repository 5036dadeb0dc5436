import EdgeCore
import Logging

/// One encoded batch on its way: the spool records `first...last` in one request or message.
struct UplinkBatch {
    /// Sequence number of the first record.
    var first: UInt64
    /// Sequence number of the last record.
    var last: UInt64
    /// How many records it holds.
    var count: Int
    /// The encoded body (request body or message payload).
    var body: [UInt8]
    /// `<first>-<last>`: the id a receiver de-duplicates by.
    var id: String { "\(first)-\(last)" }
}

/// What one connection attempt came to.
enum ConnectOutcome {
    /// A link is up; `fresh` when it was established by this call (a new connection, counted).
    case ready(fresh: Bool)
    /// It failed; the loop backs off and tries again.
    case failed(String)
    /// A stop ran out of time while it was under way.
    case abandoned
}

/// What one delivery attempt came to.
enum SendOutcome {
    /// The peer acknowledged the batch (HTTP 2xx, MQTT PUBACK): its records may leave the spool.
    case acknowledged
    /// The peer refused the batch for good and it was kept aside: its records leave the spool.
    case deadLettered(String)
    /// The attempt failed; the batch is tried again after `after` (ns) or the backoff.
    case retry(String, after: Int64?)
    /// The connection is gone; the loop reconnects (with backoff) before the batch goes again.
    case connectionLost(String)
    /// A stop ran out of time while waiting for the answer; the batch stays in the spool.
    case abandoned
}

/// How the one uplink loop (`UplinkLoop`) talks to a peer. Every method runs on the loop's
/// owner thread and may block (libcurl, libmosquitto), always bounded by the transport's own
/// timeouts and by `abandon`, which turns true once a stop's flush deadline has passed.
protocol UplinkTransport: AnyObject {
    /// The log prefix, `uplink` or `mqtt uplink`.
    var logPrefix: String { get }
    /// Whether the transport keeps a connection open even with nothing to send (MQTT: the
    /// retained `online` status and the persistent session depend on it).
    var keepsConnection: Bool { get }
    /// Whether a link is up right now.
    var isConnected: Bool { get }
    /// How long the loop may wait before calling `maintain()` again (keep-alive pings).
    var maintenanceNanoseconds: Int64 { get }
    /// What the log says about the peer on connect (broker, client id).
    var connectionMetadata: Logger.Metadata { get }
    /// Makes sure a link is up.
    func ensureConnected(abandon: () -> Bool) -> ConnectOutcome
    /// Sends one batch and waits for its acknowledgement or a failure.
    func send(_ batch: UplinkBatch, abandon: () -> Bool) -> SendOutcome
    /// Services an idle link (pings, late acknowledgements); returns why it died, if it did.
    func maintain() -> String?
    /// Closes the link at once so the next `ensureConnected` opens a new one.
    func dropConnection()
    /// Closes for good at stop; true when the batch `inFlight` was acknowledged meanwhile.
    func close(inFlight: UplinkBatch?) -> Bool
}

/// Counters of an uplink, readable from any thread; the same for every transport.
public struct UplinkStats: Sendable, Equatable {
    /// Batches the peer acknowledged (HTTP 2xx, MQTT PUBACK).
    public var acknowledgedBatches: UInt64 = 0
    /// Records in those batches.
    public var acknowledgedRecords: UInt64 = 0
    /// Failed attempts (connection, timeout, 5xx, 429, refused CONNECT, lost link) that will be
    /// tried again: the `retries` the log shows.
    public var retries: UInt64 = 0
    /// Links that came back: MQTT connections after the first, HTTP deliveries after a failure,
    /// and forced reconnects; the `reconnects` the log shows.
    public var reconnects: UInt64 = 0
    /// Batches the endpoint refused for good (HTTP 4xx), kept under the dead-letter directory.
    public var deadLetters: UInt64 = 0
    /// Wall time of the last acknowledgement (ns), 0 before the first.
    public var lastAcknowledgedAt: Int64 = 0
    /// The last failure, for status output; cleared by the next acknowledgement.
    public var lastError: String?
    /// Whether a link is up (MQTT: CONNACK received; HTTP: the last request got an answer).
    public var connected: Bool = false
    /// Times a batch had to wait because the hourly traffic allowance was used up.
    public var budgetWaits: UInt64 = 0
    /// Monotonic time (ns) of the next attempt while backing off, nil when none is scheduled.
    public var nextAttemptAt: Int64?

    /// Creates zeroed counters.
    public init() {}
}

/// The HTTP uplink's counters (the same for every transport).
public typealias HTTPUplinkStats = UplinkStats
/// The MQTT uplink's counters (the same for every transport).
public typealias MQTTUplinkStats = UplinkStats

/// The batching, retry and budget settings every transport's settings carry.
protocol UplinkBatchingSettings {
    var encoder: UplinkEncoder { get }
    var batchRecords: Int { get }
    var batchBytes: Int { get }
    var batchIntervalNanoseconds: Int64 { get }
    var backoffInitialNanoseconds: Int64 { get }
    var backoffMaximumNanoseconds: Int64 { get }
    var budget: TrafficBudget { get }
}

extension HTTPUplinkSettings: UplinkBatchingSettings {}
extension MQTTUplinkSettings: UplinkBatchingSettings {}

/// What the loop itself needs to know, whatever the transport.
struct UplinkLoopSettings: Sendable {
    /// How batches are encoded.
    var encoder: UplinkEncoder
    /// A batch closes at this many records...
    var batchRecords: Int
    /// ...or this many spooled bytes...
    var batchBytes: Int
    /// ...or this long (ns) after its first record was appended; 0 sends each record as soon as
    /// the previous acknowledgement is in.
    var batchIntervalNanoseconds: Int64
    /// First retry delay after a failure (ns); it doubles per failure, with full jitter.
    var backoffInitialNanoseconds: Int64
    /// The cap of the backoff and of a `Retry-After` (ns): `retry_max`.
    var backoffMaximumNanoseconds: Int64
    /// The hourly allowance of bytes and requests (docs/safety.md S10).
    var budget: TrafficBudget

    /// The loop's part of a transport's settings.
    init(_ settings: some UplinkBatchingSettings) {
        encoder = settings.encoder
        batchRecords = settings.batchRecords
        batchBytes = settings.batchBytes
        batchIntervalNanoseconds = settings.batchIntervalNanoseconds
        backoffInitialNanoseconds = settings.backoffInitialNanoseconds
        backoffMaximumNanoseconds = settings.backoffMaximumNanoseconds
        budget = settings.budget
    }
}
