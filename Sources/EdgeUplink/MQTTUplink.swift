public import EdgeCore
public import Logging
import Synchronization

/// What the MQTT uplink needs to know.
public struct MQTTUplinkSettings: Sendable {
    /// The broker's host name or address.
    public var host: String
    /// The broker's TCP port.
    public var port: Int
    /// Whether to use TLS (the broker's certificate and host name are always verified).
    public var tls: Bool
    /// With TLS: a PEM file of the CA certificates to trust instead of the system's (a private
    /// CA, as self-hosted brokers often have); nil trusts the system's CA store.
    public var caFile: String?
    /// Where batches go: `${gateway}` becomes the gateway name and `${batch}` the batch id
    /// `<first>-<last>`, so a topic can carry the id a receiver de-duplicates by.
    public var topic: String
    /// The agent's name: in the topics and the default client id.
    public var gateway: String
    /// The MQTT client id. It must stay the same across restarts: the broker keeps the
    /// persistent session under it.
    public var clientID: String
    /// The user name sent in CONNECT; nil connects anonymously.
    public var username: String?
    /// A file holding the password (one trailing newline is ignored). The password is read at
    /// `start()` and never logged; a file rather than a value keeps it out of the config.
    public var passwordFile: String?
    /// Seconds between keep-alive pings; a connection (or a connection attempt) silent for this
    /// long is considered dead. libmosquitto accepts 5...65535.
    public var keepAliveSeconds: Int
    /// How batches are encoded (the message payload).
    public var encoder: UplinkEncoder
    /// A batch closes at this many records...
    public var batchRecords: Int
    /// ...or this many spooled bytes...
    public var batchBytes: Int
    /// ...or when its first record has waited this long (ns).
    public var batchIntervalNanoseconds: Int64
    /// First reconnect delay after a failure (ns); it doubles per failure, with full jitter.
    public var backoffInitialNanoseconds: Int64
    /// The cap of the backoff (ns).
    public var backoffMaximumNanoseconds: Int64
    /// The hourly allowance of bytes and messages (docs/safety.md S10).
    public var budget = TrafficBudget()

    /// Creates settings; `batchRecords` is capped at what the encoder allows, the keep-alive is
    /// clamped to libmosquitto's range.
    public init(
        host: String, port: Int = 1883, tls: Bool = false, caFile: String? = nil, gateway: String,
        topic: String = "edgeflow/${gateway}/data", clientID: String? = nil, username: String? = nil,
        passwordFile: String? = nil, keepAliveSeconds: Int = 30, encoder: UplinkEncoder = .json,
        batchRecords: Int = 100, batchBytes: Int = 64 << 10, batchIntervalNanoseconds: Int64 = 30_000_000_000,
        backoffInitialNanoseconds: Int64 = 1_000_000_000, backoffMaximumNanoseconds: Int64 = 300_000_000_000
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.caFile = caFile
        self.topic = topic
        self.gateway = gateway
        self.clientID = clientID ?? "edgeflow-" + gateway
        self.username = username
        self.passwordFile = passwordFile
        self.keepAliveSeconds = max(5, min(keepAliveSeconds, 65535))
        self.encoder = encoder
        self.batchRecords = max(1, min(batchRecords, encoder.maximumRecords))
        self.batchBytes = max(1, batchBytes)
        self.batchIntervalNanoseconds = max(0, batchIntervalNanoseconds)
        self.backoffInitialNanoseconds = max(1_000_000, backoffInitialNanoseconds)
        self.backoffMaximumNanoseconds = max(self.backoffInitialNanoseconds, backoffMaximumNanoseconds)
    }

    /// Splits `mqtt://host[:port]` (default 1883) or `mqtts://host[:port]` (default 8883); an
    /// IPv6 address goes in brackets. Nil for another scheme, an empty host, a bad port, user
    /// information (credentials belong in `username` and `passwordFile`) or a path.
    public static func parse(url: String) -> (host: String, port: Int, tls: Bool)? {
        guard let schemeEnd = url.firstRange(of: "://") else { return nil }
        let tls: Bool
        switch url[..<schemeEnd.lowerBound].lowercased() {
        case "mqtt": tls = false
        case "mqtts": tls = true
        default: return nil
        }
        var rest = Substring(url[schemeEnd.upperBound...])
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("@"), !rest.contains(where: { $0.isWhitespace }) else {
            return nil
        }
        let host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = rest.firstIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { return nil }
        var port = tls ? 8883 : 1883
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else { return nil }
            port = value
        }
        return (String(host), port, tls)
    }

    /// The topic of the batch `first...last`.
    public func dataTopic(first: UInt64, last: UInt64) -> String {
        topic.replacing("${gateway}", with: gateway).replacing("${batch}", with: "\(first)-\(last)")
    }

    /// `edgeflow/<gateway>/status`: retained `online` while connected, `offline` otherwise
    /// (published at stop, or by the broker as the last will when the connection dies).
    public var statusTopic: String { "edgeflow/\(gateway)/status" }

    /// Why the data or status topic cannot be published to (empty, a wildcard, a NUL, too long),
    /// or nil when both can; for `check`, since otherwise this only shows at run time.
    public var topicProblem: String? {
        for candidate in [dataTopic(first: 1, last: 1), statusTopic] {
            if candidate.isEmpty { return "the topic is empty" }
            if candidate.contains("+") || candidate.contains("#") {
                return "'\(candidate)' contains a wildcard ('+' or '#'), which only subscriptions may use"
            }
            if candidate.utf8.contains(0) { return "'\(candidate)' contains a NUL character" }
            if candidate.utf8.count > 65535 { return "the topic is longer than 65535 bytes" }
        }
        return nil
    }
}

/// Counters of the MQTT uplink, readable from any thread.
public struct MQTTUplinkStats: Sendable, Equatable {
    /// Batches the broker acknowledged (PUBACK).
    public var acknowledgedBatches: UInt64 = 0
    /// Records in those batches.
    public var acknowledgedRecords: UInt64 = 0
    /// Successful connections after the first one (each follows a lost connection).
    public var reconnects: UInt64 = 0
    /// Wall time of the last acknowledgement (ns), 0 before the first.
    public var lastAcknowledgedAt: Int64 = 0
    /// The last failure, for status output; cleared by the next acknowledgement.
    public var lastError: String?
    /// Whether the broker has accepted the connection and it is up right now.
    public var connected: Bool = false
    /// Times a batch had to wait because the hourly traffic allowance was used up.
    public var budgetWaits: UInt64 = 0

    /// Creates zeroed counters.
    public init() {}
}

/// Sends spooled records to an MQTT broker through libmosquitto, one batch per message, from
/// one owner thread that drives libmosquitto's network loop itself (no `mosquitto_loop_start`,
/// so no thread belongs to the library and every callback runs on the owner thread).
///
/// Delivery is at least once: a batch is published with QoS 1 and its records are acknowledged
/// in the spool only when the broker's PUBACK for that message id arrives; one batch is in
/// flight at a time. When the connection drops, the batch in flight stays with the libmosquitto
/// handle and is sent again (flagged DUP) right after the reconnect; a restart of the agent
/// resends it from the spool. Either way a receiver sees at most that one batch twice, and the
/// batch id (`"batch"` in the `json` encoding, `${batch}` in the topic) lets it drop the copy.
///
/// The session is persistent (clean session off, a stable client id). The broker holds a
/// retained last will `offline` on `edgeflow/<gateway>/status`; `online` is published there
/// (retained) on every connect and `offline` on `stop()`. Connection failures back off
/// exponentially with full jitter up to the cap and are never fatal.
public final class MQTTUplink: @unchecked Sendable {
    // @unchecked: `thread` and `password` are written by start/stop only (the password before
    // the thread starts, which orders it); the rest is immutable or locked.
    private let spool: Spool
    private let settings: MQTTUplinkSettings
    private let clock: any EdgeClock
    private let logger: Logger
    private let lock = ConditionLock()
    private var stopRequested = false
    private var flushDeadline: Int64 = 0
    private let counters = Mutex(MQTTUplinkStats())
    private var password: String?
    private var thread: OwnerThread?

    /// How long one `mosquitto_loop` call may wait for the socket: the latency of a stop request
    /// and of batch timers while connected (PUBACKs and other traffic wake it at once).
    private static let loopTimeoutNanoseconds: Int64 = 200_000_000
    /// How often an idle uplink looks for new records in the spool.
    private static let idlePollNanoseconds: Int64 = 1_000_000_000
    /// How long `stop()` waits for the broker to acknowledge `offline`, beyond the flush deadline:
    /// without that PUBACK the uplink closes without DISCONNECT so the will says `offline` instead.
    private static let offlineBudgetNanoseconds: Int64 = 1_000_000_000

    /// How long a batch may wait for its PUBACK on a live connection: generous (a large batch on
    /// a slow cellular link takes a while), and at least two keep-alive periods.
    private var acknowledgementTimeout: Int64 {
        max(60_000_000_000, Int64(settings.keepAliveSeconds) * 2_000_000_000)
    }

    /// Creates the uplink; nothing is sent until `start()`.
    public init(spool: Spool, settings: MQTTUplinkSettings, clock: any EdgeClock = SystemClock(), logger: Logger) {
        self.spool = spool
        self.settings = settings
        self.clock = clock
        self.logger = logger
    }

    /// The counters so far.
    public var stats: MQTTUplinkStats { counters.withLock { $0 } }

    /// Reads the password file (its failure is the only error) and starts the owner thread.
    /// Connecting happens on that thread; a broker that is down is retried there, never thrown.
    public func start() throws(FileError) {
        if let file = settings.passwordFile {
            var text = try Files.readText(file)
            // One Character: Swift treats "\r\n" as a single grapheme, so this drops either ending.
            if text.hasSuffix("\n") || text.hasSuffix("\r\n") { text.removeLast() }
            password = text
            if settings.username == nil {
                logger.warning("mqtt uplink: a password file without a user name is ignored")
            }
        }
        if let problem = settings.topicProblem {
            // Not thrown: the records stay in the spool and the problem shows in the log and stats.
            logger.error("mqtt uplink: invalid topic; nothing can be published", metadata: ["problem": "\(problem)"])
        }
        thread = try OwnerThread(name: "mqtt-uplink") { [self] in run() }
    }

    /// Asks the thread to deliver what is pending for at most `flushNanoseconds` (monotonic),
    /// then publish the retained `offline` status (up to one more second for its PUBACK),
    /// disconnect, and waits for it. Returns at once when nothing is pending and no connection
    /// is up. Whatever is not acknowledged stays in the spool for the next start.
    public func stop(flushNanoseconds: Int64 = 5_000_000_000) {
        lock.withLock {
            stopRequested = true
            flushDeadline = clock.monotonicNanoseconds() &+ max(0, flushNanoseconds)
        }
        lock.signal()
        thread?.join()
        thread = nil
    }

    // MARK: - The owner thread

    private enum Link: Equatable {
        /// No socket; the next attempt is due at `reconnectAt`.
        case idle
        /// CONNECT is on its way (or the TCP handshake still is); no CONNACK yet.
        case connecting
        /// CONNACK 0 received; publishing is possible.
        case connected
    }

    /// The batch published and not yet acknowledged.
    private struct InFlight {
        var messageID: Int32
        var first: UInt64
        var last: UInt64
        var count: Int
        /// When it was (re)sent, monotonic.
        var sentAt: Int64
    }

    /// State of the owner thread; nothing else touches it, so it needs no lock.
    private struct Session {
        var link = Link.idle
        var everConnected = false
        var reconnectAt: Int64 = 0
        var failures = 0
        var inFlight: InFlight?
        var window: BatchWindow
        var nextSpoolCheck: Int64 = 0
        var publishFailures = 0
        var random = SystemRandomNumberGenerator()
        var budget: TrafficBudget
    }

    private func run() {
        let client: MQTTClient
        do {
            client = try makeClient()
        } catch {
            counters.withLock { $0.lastError = "\(error)" }
            logger.error(
                "mqtt uplink: cannot set up the MQTT client; records stay in the spool",
                metadata: ["error": "\(error)"])
            return
        }
        var session = Session(
            window: BatchWindow(
                records: settings.batchRecords, bytes: settings.batchBytes, interval: settings.batchIntervalNanoseconds),
            budget: settings.budget)
        while step(client, &session) {}
        shutdown(client, &session)
    }

    /// One turn of the owner loop; false once it is time to shut down.
    private func step(_ client: MQTTClient, _ session: inout Session) -> Bool {
        let (stopping, deadline) = lock.withLock { (stopRequested, flushDeadline) }
        let now = clock.monotonicNanoseconds()
        if stopping && now >= deadline { return false }
        // Stopping with nothing to deliver: no reason to wait for a connection to come up.
        if stopping && session.link != .connected && session.inFlight == nil && nothingPending() { return false }

        if session.link == .idle {
            // While stopping, a reconnect due after the deadline cannot deliver anything.
            if stopping && session.reconnectAt >= deadline { return false }
            if now < session.reconnectAt {
                sleep(until: session.reconnectAt)
                return true
            }
            do {
                try client.connect(
                    host: settings.host, port: settings.port, keepAliveSeconds: settings.keepAliveSeconds)
                session.link = .connecting
            } catch {
                linkLost(error.description, &session)
                return true
            }
        }

        var timeout = Self.loopTimeoutNanoseconds
        if session.link == .connected && session.inFlight == nil {
            timeout = min(timeout, max(0, session.nextSpoolCheck - now))
        }
        if stopping { timeout = min(timeout, max(0, deadline - now)) }
        var loopError: MQTTError?
        do {
            try client.loop(timeoutMilliseconds: Int(timeout / 1_000_000))
        } catch {
            loopError = error
        }
        handle(client.takeEvents(), client, &session)
        if let loopError, session.link != .idle {
            // Before the CONNACK a failure belongs to the connection attempt (refused, TLS, timeout).
            let reason = session.link == .connecting
                ? "connect to \(settings.host):\(settings.port): \(loopError.message)" : loopError.description
            linkLost(reason, &session)
        }

        guard session.link == .connected else { return true }
        let later = clock.monotonicNanoseconds()
        if let batch = session.inFlight {
            // MQTT 3.1.1 resends only on reconnect: a PUBACK that never comes over a live
            // connection would block the queue for good, so the connection is renewed instead.
            if later - batch.sentAt > acknowledgementTimeout {
                logger.warning(
                    "mqtt uplink: no PUBACK in time; reconnecting to send the batch again",
                    metadata: ["batch": "\(batch.first)-\(batch.last)"])
                client.disconnect()
                // Our own DISCONNECT is not news; anything else that came in still counts.
                let events = client.takeEvents().filter {
                    if case .disconnected = $0 { return false }
                    return true
                }
                handle(events, client, &session)
                if session.link != .idle { linkLost("no PUBACK for batch \(batch.first)-\(batch.last)", &session) }
            }
            return true
        }
        if !stopping && later < session.nextSpoolCheck { return true }
        return publishNextBatch(client, &session, now: later, stopping: stopping)
    }

    /// Acts on what libmosquitto reported during the last loop.
    private func handle(_ events: [MQTTClient.Event], _ client: MQTTClient, _ session: inout Session) {
        for event in events {
            switch event {
            case .connected(let code) where code == 0:
                connected(client, &session)
            case .connected(let code):
                // libmosquitto closes the socket after a refusal; the loop reports it too.
                linkLost("the broker refused the connection: \(MQTTClient.connackMessage(code))", &session)
            case .disconnected(let code):
                if session.link != .idle {
                    linkLost(mosquittoMessage(code), &session)
                }
            case .published(let messageID):
                if let batch = session.inFlight, batch.messageID == messageID {
                    acknowledged(batch)
                    session.inFlight = nil
                    session.window.close()
                    // A backlog drains at the broker's pace, not the idle poll's.
                    session.nextSpoolCheck = 0
                }
            }
        }
    }

    private func connected(_ client: MQTTClient, _ session: inout Session) {
        session.link = .connected
        session.failures = 0
        let again = session.everConnected
        session.everConnected = true
        counters.withLock {
            $0.connected = true
            if again { $0.reconnects += 1 }
        }
        // Retained, so anyone subscribing later sees the gateway is up; the will undoes it.
        do {
            _ = try client.publish(topic: settings.statusTopic, payload: Array("online".utf8), qos: 1, retain: true)
        } catch {
            logger.warning("mqtt uplink: cannot publish the online status", metadata: ["error": "\(error)"])
        }
        var metadata: Logger.Metadata = [
            "broker": "\(settings.host):\(settings.port)", "client_id": "\(settings.clientID)",
        ]
        if let batch = session.inFlight {
            // libmosquitto sends it again itself, with the same message id, right after CONNACK.
            metadata["resending"] = "\(batch.first)-\(batch.last)"
            session.inFlight?.sentAt = clock.monotonicNanoseconds()
        }
        logger.info(again ? "mqtt uplink: reconnected" : "mqtt uplink: connected", metadata: metadata)
    }

    private func linkLost(_ why: String, _ session: inout Session) {
        let wasConnected = session.link == .connected
        session.link = .idle
        session.failures += 1
        session.reconnectAt = clock.monotonicNanoseconds() + backoff(attempt: session.failures, random: &session.random)
        counters.withLock { $0.connected = false }
        if wasConnected {
            var metadata: Logger.Metadata = ["error": "\(why)"]
            if let batch = session.inFlight { metadata["unacknowledged"] = "\(batch.first)-\(batch.last)" }
            logger.warning("mqtt uplink: connection lost; records stay in the spool", metadata: metadata)
            counters.withLock { $0.lastError = why }
        } else {
            note(failure: why, attempt: session.failures)
        }
    }

    /// Reads the next batch after the delivery cursor and publishes it when it is due (full, old
    /// enough, or stopping). Returns false when stopping and everything is delivered.
    private func publishNextBatch(
        _ client: MQTTClient, _ session: inout Session, now: Int64, stopping: Bool
    ) -> Bool {
        let pending: [SpoolRecord]
        do {
            pending = try spool.read(
                after: spool.ackedSequence, maxRecords: settings.batchRecords, maxBytes: settings.batchBytes)
        } catch {
            logger.error("mqtt uplink: cannot read the spool", metadata: ["error": "\(error)"])
            session.nextSpoolCheck = now + Self.idlePollNanoseconds
            return !stopping
        }
        guard let first = pending.first?.sequence, let last = pending.last?.sequence else {
            session.window.close()
            session.nextSpoolCheck = now + Self.idlePollNanoseconds
            return !stopping
        }
        if let later = session.window.wait(for: pending, now: now, stopping: stopping, poll: Self.idlePollNanoseconds) {
            session.nextSpoolCheck = later
            return true
        }
        let (body, encoded) = settings.encoder.encode(pending.map { ($0.sequence, $0.payload) }, schemas: spool.schema(id:))
        if encoded < pending.count {
            logger.warning(
                "mqtt uplink: records that are not JSON objects were left out",
                metadata: ["count": "\(pending.count - encoded)"])
        }
        let topic = settings.dataTopic(first: first, last: last)
        if let wait = session.budget.wait(forSending: body.count, at: now) {
            // The allowance is used up: the batch waits in the spool, counted and logged sparsely.
            let waits = counters.withLock { c -> UInt64 in
                c.budgetWaits += 1
                c.lastError = "hourly traffic allowance used up"
                return c.budgetWaits
            }
            if isSparseLogPoint(waits) {
                logger.warning(
                    "mqtt uplink: hourly traffic allowance used up; records wait in the spool",
                    metadata: ["retry_in": "\(Quantity.formatDuration(wait))", "waits": "\(waits)"])
            }
            session.nextSpoolCheck = now + min(wait, Self.idlePollNanoseconds * 10)
            return !stopping
        }
        session.budget.record(sending: body.count, at: now)
        do {
            let messageID = try client.publish(topic: topic, payload: body, qos: 1, retain: false)
            session.inFlight = InFlight(
                messageID: messageID, first: first, last: last, count: pending.count, sentAt: now)
            session.publishFailures = 0
        } catch {
            // Only a local refusal gets here (a bad topic, an oversized message): the records
            // stay and the attempt is repeated with backoff rather than dropped.
            session.publishFailures += 1
            session.nextSpoolCheck = now + backoff(attempt: session.publishFailures, random: &session.random)
            note(failure: error.description, attempt: session.publishFailures)
        }
        return true
    }

    private func acknowledged(_ batch: InFlight) {
        do {
            try spool.acknowledge(through: batch.last)
        } catch {
            logger.error("mqtt uplink: cannot store the delivery cursor", metadata: ["error": "\(error)"])
        }
        let wall = clock.wallNanoseconds()
        counters.withLock {
            $0.acknowledgedBatches += 1
            $0.acknowledgedRecords += UInt64(batch.count)
            $0.lastAcknowledgedAt = wall
            $0.lastError = nil
        }
    }

    /// Publishes `offline` and disconnects cleanly when the broker confirms it in time; otherwise
    /// closes the socket without DISCONNECT, so the broker publishes the will (also `offline`).
    private func shutdown(_ client: MQTTClient, _ session: inout Session) {
        defer { counters.withLock { $0.connected = false } }
        guard session.link == .connected else { return }
        let statusID: Int32
        do {
            statusID = try client.publish(
                topic: settings.statusTopic, payload: Array("offline".utf8), qos: 1, retain: true)
        } catch {
            logger.warning("mqtt uplink: cannot publish the offline status", metadata: ["error": "\(error)"])
            return
        }
        let end = clock.monotonicNanoseconds() + Self.offlineBudgetNanoseconds
        var confirmed = false
        while !confirmed && session.link == .connected && clock.monotonicNanoseconds() < end {
            let left = end - clock.monotonicNanoseconds()
            var failed = false
            do {
                try client.loop(timeoutMilliseconds: Int(min(left, Self.loopTimeoutNanoseconds) / 1_000_000))
            } catch {
                failed = true
            }
            let events = client.takeEvents()
            if events.contains(.published(messageID: statusID)) { confirmed = true }
            // The batch's PUBACK may come in now too: it still counts.
            handle(events, client, &session)
            if failed { break }
        }
        if confirmed {
            client.disconnect()
            logger.info("mqtt uplink: disconnected", metadata: ["status": "offline"])
        } else {
            logger.warning("mqtt uplink: the broker did not confirm the offline status; closing without DISCONNECT")
        }
    }

    private func makeClient() throws(MQTTError) -> MQTTClient {
        let client = try MQTTClient(clientID: settings.clientID, cleanSession: false)
        try client.useProtocol311()
        if settings.tls {
            if let caFile = settings.caFile {
                try client.useTLS(caFile: caFile)
            } else {
                try client.useTLSWithSystemCertificates()
            }
        }
        if let username = settings.username { try client.setCredentials(username: username, password: password) }
        try client.setWill(topic: settings.statusTopic, payload: Array("offline".utf8), qos: 1, retain: true)
        return client
    }

    /// Whether the spool has nothing after the delivery cursor.
    private func nothingPending() -> Bool {
        let stats = spool.stats
        return stats.lastSequence <= stats.ackedSequence
    }

    /// Records a failure in the stats and logs it when it is the `attempt`th in a row and
    /// `attempt` is 1 or a power of two: an outage is logged at its start and then sparsely, not
    /// once per attempt for hours.
    private func note(failure why: String, attempt: Int) {
        counters.withLock { $0.lastError = why }
        if isSparseLogPoint(attempt) {
            logger.warning(
                "mqtt uplink: delivery failed; records stay in the spool",
                metadata: ["error": "\(why)", "attempts": "\(attempt)"])
        }
    }

    /// Full jitter: a random delay between 0 and the exponential bound, never below 100 ms.
    private func backoff(attempt: Int, random: inout SystemRandomNumberGenerator) -> Int64 {
        let exponent = min(max(attempt, 1) - 1, 30)
        let bound = min(settings.backoffMaximumNanoseconds, settings.backoffInitialNanoseconds << exponent)
        return max(100_000_000, Int64.random(in: 0...max(bound, 1), using: &random))
    }

    /// Waits until `monotonic`, or the flush deadline once stopping; the stop request itself
    /// wakes a wait, so the loop re-plans at once.
    private func sleep(until monotonic: Int64) {
        lock.withLock {
            let end = stopRequested ? min(monotonic, flushDeadline) : monotonic
            let left = end - clock.monotonicNanoseconds()
            if left > 0 { lock.wait(nanoseconds: left) }
        }
    }
}
