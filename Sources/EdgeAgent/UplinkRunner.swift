public import EdgeConfig
import EdgeCore
public import EdgeUplink
import Logging

extension MQTTUplinkSettings {
    /// The MQTT uplink settings of `config` (the agent's and `edgeflow uplink test`'s); nil when
    /// the config has no uplink or one over HTTP. Throws when the URL is not `mqtt(s)://`.
    public init?(_ config: AgentConfig) throws(AgentError) {
        guard let settings = config.uplink, settings.transport == "mqtt" else { return nil }
        guard let endpoint = MQTTUplinkSettings.parse(url: settings.url) else {
            throw AgentError(message: "uplink.url: '\(settings.url)' is not an mqtt:// or mqtts:// URL")
        }
        self.init(
            host: endpoint.host, port: endpoint.port, tls: endpoint.tls, caFile: settings.caFile,
            gateway: config.agent.name, topic: settings.topic, clientID: settings.clientID,
            username: settings.username, passwordFile: settings.passwordFile,
            keepAliveSeconds: settings.keepAliveSeconds,
            encoder: UplinkEncoder(rawValue: settings.encoder) ?? .json, batchRecords: settings.batchRecords,
            batchBytes: settings.batchBytes, batchIntervalNanoseconds: settings.batchIntervalNanoseconds,
            backoffMaximumNanoseconds: settings.retryMaxNanoseconds)
        budget = TrafficBudget(bytesPerHour: settings.bytesPerHour, requestsPerHour: settings.requestsPerHour)
    }
}

/// The configured uplink transport, started and stopped as one stage.
enum UplinkRunner: Sendable {
    case http(HTTPUplink)
    case mqtt(MQTTUplink)

    /// The transport `settings` ask for, delivering from `spool`; nil without an `uplink`.
    static func make(
        config: AgentConfig, spool: Spool?, clock: any EdgeClock, logger: Logger,
        onAcknowledged: @escaping @Sendable (UInt64, UInt64) -> Void
    ) throws -> UplinkRunner? {
        guard let settings = config.uplink, let spool else { return nil }
        if let mqttSettings = try MQTTUplinkSettings(config) {
            return .mqtt(
                MQTTUplink(
                    spool: spool, settings: mqttSettings, clock: clock, logger: logger, onAcknowledged: onAcknowledged))
        }
        let uplink = HTTPUplink(
            spool: spool,
            settings: HTTPUplinkSettings(
                url: settings.url, encoder: UplinkEncoder(rawValue: settings.encoder) ?? .harvest,
                batchRecords: settings.batchRecords, batchBytes: settings.batchBytes,
                batchIntervalNanoseconds: settings.batchIntervalNanoseconds,
                timeoutMilliseconds: Int(settings.timeoutNanoseconds / 1_000_000),
                backoffMaximumNanoseconds: settings.retryMaxNanoseconds,
                budget: TrafficBudget(bytesPerHour: settings.bytesPerHour, requestsPerHour: settings.requestsPerHour),
                headers: settings.headers, caFile: settings.caFile, proxy: settings.proxy),
            deadLetterDirectory: config.agent.dataDir + "/dead-letters", clock: clock, logger: logger,
            onAcknowledged: onAcknowledged)
        return .http(uplink)
    }

    /// The transport's counters.
    var stats: UplinkStats {
        switch self {
        case .http(let uplink): uplink.stats
        case .mqtt(let uplink): uplink.stats
        }
    }

    /// What the status socket shows of the transport; `now` is the monotonic time the next
    /// attempt is counted from.
    func status(now: Int64) -> UplinkStatus {
        let s = stats
        let transport: String
        let state: String
        switch self {
        case .http:
            transport = "http"
            state = s.lastError == nil ? "ok" : "retrying"
        case .mqtt:
            transport = "mqtt"
            state = s.connected ? "connected" : "disconnected"
        }
        return UplinkStatus(
            transport: transport, state: state, acknowledgedBatches: s.acknowledgedBatches,
            acknowledgedRecords: s.acknowledgedRecords,
            lastAcknowledgedAt: s.lastAcknowledgedAt == 0 ? nil : s.lastAcknowledgedAt, lastError: s.lastError,
            retries: s.retries, reconnects: s.reconnects, deadLetters: s.deadLetters,
            nextAttemptInNanoseconds: s.nextAttemptAt.map { max(0, $0 - now) })
    }

    /// Ends a backoff now and opens a new connection (`edgeflow uplink reconnect`).
    func reconnect() {
        switch self {
        case .http(let uplink): uplink.reconnect()
        case .mqtt(let uplink): uplink.reconnect()
        }
    }

    func start() throws {
        switch self {
        case .http(let uplink): try uplink.start()
        case .mqtt(let uplink): try uplink.start()
        }
    }

    /// Delivers what it can for 5 s, then stops; the rest stays in the spool.
    func stop() {
        switch self {
        case .http(let uplink): uplink.stop(flushNanoseconds: 5_000_000_000)
        case .mqtt(let uplink): uplink.stop(flushNanoseconds: 5_000_000_000)
        }
    }

    /// The counters for the stop line.
    var summary: Logger.Metadata {
        let s = stats
        return [
            "transport": "\(status(now: 0).transport)", "acknowledged_batches": "\(s.acknowledgedBatches)",
            "acknowledged_records": "\(s.acknowledgedRecords)", "retries": "\(s.retries)",
            "reconnects": "\(s.reconnects)", "dead_letters": "\(s.deadLetters)", "budget_waits": "\(s.budgetWaits)",
        ]
    }
}

/// The uplink as `GET /status` reports it.
struct UplinkStatus: Sendable {
    /// `http` or `mqtt`.
    var transport: String
    /// `ok` / `retrying` (HTTP), `connected` / `disconnected` (MQTT).
    var state: String
    var acknowledgedBatches: UInt64
    var acknowledgedRecords: UInt64
    /// Wall time (ns) of the last acknowledgement.
    var lastAcknowledgedAt: Int64?
    var lastError: String?
    /// Failed attempts that will be tried again (connection, timeout, 5xx, 429, lost link).
    var retries: UInt64
    /// Links that came back: MQTT connections after the first, HTTP deliveries after a
    /// failure, forced reconnects.
    var reconnects: UInt64
    /// Batches refused for good in this run (HTTP).
    var deadLetters: UInt64
    /// While backing off: how long until the next attempt (ns); nil when none is scheduled.
    var nextAttemptInNanoseconds: Int64?
}
