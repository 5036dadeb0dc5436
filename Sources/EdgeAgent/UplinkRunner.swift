import EdgeConfig
import EdgeCore
import EdgeUplink
import Logging

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
        if settings.transport == "mqtt" {
            guard let endpoint = MQTTUplinkSettings.parse(url: settings.url) else {
                throw AgentError(message: "uplink.url: '\(settings.url)' is not an mqtt:// or mqtts:// URL")
            }
            var mqttSettings = MQTTUplinkSettings(
                host: endpoint.host, port: endpoint.port, tls: endpoint.tls, caFile: settings.caFile,
                gateway: config.agent.name, topic: settings.topic, clientID: settings.clientID,
                username: settings.username, passwordFile: settings.passwordFile,
                keepAliveSeconds: settings.keepAliveSeconds,
                encoder: UplinkEncoder(rawValue: settings.encoder) ?? .json, batchRecords: settings.batchRecords,
                batchBytes: settings.batchBytes, batchIntervalNanoseconds: settings.batchIntervalNanoseconds)
            mqttSettings.budget = TrafficBudget(
                bytesPerHour: settings.bytesPerHour, requestsPerHour: settings.requestsPerHour)
            return .mqtt(MQTTUplink(spool: spool, settings: mqttSettings, clock: clock, logger: logger))
        }
        let uplink = HTTPUplink(
            spool: spool,
            settings: HTTPUplinkSettings(
                url: settings.url, encoder: UplinkEncoder(rawValue: settings.encoder) ?? .harvest,
                batchRecords: settings.batchRecords, batchBytes: settings.batchBytes,
                batchIntervalNanoseconds: settings.batchIntervalNanoseconds,
                timeoutMilliseconds: Int(settings.timeoutNanoseconds / 1_000_000),
                budget: TrafficBudget(bytesPerHour: settings.bytesPerHour, requestsPerHour: settings.requestsPerHour),
                headers: settings.headers, caFile: settings.caFile, proxy: settings.proxy),
            deadLetterDirectory: config.agent.dataDir + "/dead-letters", clock: clock, logger: logger,
            onAcknowledged: onAcknowledged)
        return .http(uplink)
    }

    /// What the status socket shows of the transport.
    var status: UplinkStatus {
        switch self {
        case .http(let uplink):
            let s = uplink.stats
            return UplinkStatus(
                transport: "http", state: s.lastError == nil ? "ok" : "retrying",
                acknowledgedBatches: s.acknowledgedBatches,
                acknowledgedRecords: s.acknowledgedRecords,
                lastAcknowledgedAt: s.lastAcknowledgedAt == 0 ? nil : s.lastAcknowledgedAt,
                lastError: s.lastError, retries: s.retries, deadLetters: s.deadLetters)
        case .mqtt(let uplink):
            let s = uplink.stats
            return UplinkStatus(
                transport: "mqtt", state: s.connected ? "connected" : "disconnected",
                acknowledgedBatches: s.acknowledgedBatches, acknowledgedRecords: s.acknowledgedRecords,
                lastAcknowledgedAt: s.lastAcknowledgedAt == 0 ? nil : s.lastAcknowledgedAt, lastError: s.lastError,
                retries: s.reconnects, deadLetters: 0)
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
        switch self {
        case .http(let uplink):
            let s = uplink.stats
            return [
                "transport": "http", "acknowledged_batches": "\(s.acknowledgedBatches)",
                "acknowledged_records": "\(s.acknowledgedRecords)", "retries": "\(s.retries)",
                "dead_letters": "\(s.deadLetters)", "budget_waits": "\(s.budgetWaits)",
            ]
        case .mqtt(let uplink):
            let s = uplink.stats
            return [
                "transport": "mqtt", "acknowledged_batches": "\(s.acknowledgedBatches)",
                "acknowledged_records": "\(s.acknowledgedRecords)", "reconnects": "\(s.reconnects)",
                "budget_waits": "\(s.budgetWaits)",
            ]
        }
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
    /// HTTP retries, MQTT reconnects.
    var retries: UInt64
    /// Batches refused for good in this run (HTTP).
    var deadLetters: UInt64
}
