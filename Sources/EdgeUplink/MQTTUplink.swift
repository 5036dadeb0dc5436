public import EdgeCore
public import Logging

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
    /// The cap of the backoff (ns): `uplink.retry_max`, 30 s by default.
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
        backoffInitialNanoseconds: Int64 = 1_000_000_000, backoffMaximumNanoseconds: Int64 = 30_000_000_000
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

/// Sends spooled records to an MQTT broker through libmosquitto, one batch per QoS 1 message,
/// on the shared uplink loop (`UplinkLoop`) over `MQTTTransport`.
///
/// Delivery is at least once: a batch's records are acknowledged in the spool only when the
/// broker's PUBACK for that message arrives; one batch is in flight at a time. When the
/// connection drops, the batch in flight is sent again (flagged DUP) right after the reconnect; a
/// restart of the agent resends it from the spool. Either way a receiver sees at most that one
/// batch twice, and the batch id (`"batch"` in the `json` encoding, `${batch}` in the topic) lets
/// it drop the copy. Connection failures back off exponentially with full jitter up to
/// `retry_max` and are never fatal.
public final class MQTTUplink: @unchecked Sendable {
    // @unchecked: the transport belongs to the loop's owner thread once it runs; `start()` only
    // hands it the password before that thread exists.
    private let settings: MQTTUplinkSettings
    private let logger: Logger
    private let transport: MQTTTransport
    private let loop: UplinkLoop

    /// Creates the uplink; nothing is sent until `start()`. `onAcknowledged` hears of every
    /// batch the broker took, on the uplink's thread.
    public init(
        spool: Spool, settings: MQTTUplinkSettings, clock: any EdgeClock = SystemClock(), logger: Logger,
        onAcknowledged: @escaping @Sendable (_ first: UInt64, _ last: UInt64) -> Void = { _, _ in }
    ) {
        self.settings = settings
        self.logger = logger
        transport = MQTTTransport(settings: settings, clock: clock, logger: logger)
        loop = UplinkLoop(
            spool: spool, transport: transport, settings: UplinkLoopSettings(settings), clock: clock, logger: logger,
            onAcknowledged: onAcknowledged)
    }

    /// The counters so far.
    public var stats: UplinkStats { loop.stats }

    /// Reads the password file (its failure is the only error) and starts the owner thread.
    /// Connecting happens on that thread; a broker that is down is retried there, never thrown.
    public func start() throws(FileError) {
        if let file = settings.passwordFile {
            transport.password = try Self.readPassword(file)
            if settings.username == nil {
                logger.warning("mqtt uplink: a password file without a user name is ignored")
            }
        }
        if let problem = settings.topicProblem {
            // Not thrown: the records stay in the spool and the problem shows in the log and stats.
            logger.error("mqtt uplink: invalid topic; nothing can be published", metadata: ["problem": "\(problem)"])
        }
        try loop.start(threadName: "mqtt-uplink")
    }

    /// Ends a backoff now and renews a connection that is up (`edgeflow uplink reconnect`).
    public func reconnect() { loop.reconnect() }

    /// Asks the thread to deliver what is pending for at most `flushNanoseconds` (monotonic),
    /// then publish the retained `offline` status (up to one more second for its PUBACK),
    /// disconnect, and waits for it. Returns at once when nothing is pending and no connection
    /// is up. Whatever is not acknowledged stays in the spool for the next start.
    public func stop(flushNanoseconds: Int64 = 5_000_000_000) {
        loop.stop(flushNanoseconds: flushNanoseconds)
    }

    /// The password in `file`; one trailing newline (as editors write it) is not part of it.
    static func readPassword(_ file: String) throws(FileError) -> String {
        var text = try Files.readText(file)
        // One Character: Swift treats "\r\n" as a single grapheme, so this drops either ending.
        if text.hasSuffix("\n") || text.hasSuffix("\r\n") { text.removeLast() }
        return text
    }

    /// A libmosquitto handle set up for `settings`: MQTT 3.1.1, TLS when asked, credentials;
    /// for the uplink (`probe` false) a persistent session under the client id and the retained
    /// `offline` will, for a probe a clean session under `<client id>-probe` and no will.
    static func makeClient(
        _ settings: MQTTUplinkSettings, password: String?, probe: Bool = false
    ) throws(MQTTError) -> MQTTClient {
        let client = try MQTTClient(
            clientID: probe ? settings.clientID + "-probe" : settings.clientID, cleanSession: probe)
        try client.useProtocol311()
        if settings.tls {
            if let caFile = settings.caFile {
                try client.useTLS(caFile: caFile)
            } else {
                try client.useTLSWithSystemCertificates()
            }
        }
        if let username = settings.username { try client.setCredentials(username: username, password: password) }
        if !probe {
            try client.setWill(topic: settings.statusTopic, payload: Array("offline".utf8), qos: 1, retain: true)
        }
        return client
    }
}
