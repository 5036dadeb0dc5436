import EdgeCore
import Logging

/// The MQTT side of the uplink loop, over one libmosquitto handle driven by the loop's owner
/// thread (no `mosquitto_loop_start`, so every callback runs on that thread).
///
/// A batch is one QoS 1 message; it is acknowledged by the broker's PUBACK for its message id.
/// When the connection drops, the message stays with the handle and libmosquitto sends it again
/// (flagged DUP) right after the reconnect, so `send` of the same batch then only waits for that
/// PUBACK. The session is persistent (clean session off, a stable client id); the broker holds a
/// retained last will `offline` on the status topic, and `online` is published there (retained)
/// on every connect and `offline` on close.
final class MQTTTransport: UplinkTransport {
    private let settings: MQTTUplinkSettings
    /// Read from the password file by `MQTTUplink.start()` before the loop's thread starts
    /// (which orders the write before every read on that thread).
    var password: String?
    private let clock: any EdgeClock
    private let logger: Logger
    private var client: MQTTClient?
    private var connected = false

    /// The batch published and not yet acknowledged, with its message id.
    private var inFlight: (messageID: Int32, id: String, acknowledged: Bool)?

    /// How long one `mosquitto_loop` call may wait for the socket while an answer is awaited: the
    /// latency of a stop request then (PUBACKs and other traffic wake it at once).
    private static let sliceMilliseconds = 200
    /// How long `close` waits for the broker to acknowledge `offline`: without that PUBACK the
    /// transport closes without DISCONNECT so the will says `offline` instead.
    private static let offlineBudgetNanoseconds: Int64 = 1_000_000_000

    init(settings: MQTTUplinkSettings, clock: any EdgeClock, logger: Logger) {
        self.settings = settings
        self.clock = clock
        self.logger = logger
    }

    var logPrefix: String { "mqtt uplink" }
    var keepsConnection: Bool { true }
    var isConnected: Bool { connected }
    // Often enough for keep-alive pings and to notice a dead connection within a second.
    var maintenanceNanoseconds: Int64 { 500_000_000 }
    var connectionMetadata: Logger.Metadata {
        ["broker": "\(settings.host):\(settings.port)", "client_id": "\(settings.clientID)"]
    }

    /// How long a batch may wait for its PUBACK on a live connection: generous (a large batch on
    /// a slow cellular link takes a while), and at least two keep-alive periods.
    private var acknowledgementTimeout: Int64 {
        max(60_000_000_000, Int64(settings.keepAliveSeconds) * 2_000_000_000)
    }

    func ensureConnected(abandon: () -> Bool) -> ConnectOutcome {
        if connected { return .ready(fresh: false) }
        if client == nil {
            do {
                client = try MQTTUplink.makeClient(settings, password: password)
            } catch {
                return .failed("\(error)")
            }
        }
        guard let client else { return .failed("no MQTT client") }
        do {
            try client.connect(host: settings.host, port: settings.port, keepAliveSeconds: settings.keepAliveSeconds)
        } catch {
            return .failed(error.description)
        }
        // A CONNACK that never comes (a silent peer) counts as a failure after one keep-alive.
        let end = clock.monotonicNanoseconds() + Int64(settings.keepAliveSeconds) * 1_000_000_000
        while clock.monotonicNanoseconds() < end {
            if abandon() { return .abandoned }
            if let failure = pump(client, milliseconds: Self.sliceMilliseconds, connecting: true) {
                return .failed(failure)
            }
            if connected { return .ready(fresh: true) }
        }
        client.disconnect()
        return .failed("connect to \(settings.host):\(settings.port): no CONNACK within the keep-alive")
    }

    func send(_ batch: UplinkBatch, abandon: () -> Bool) -> SendOutcome {
        guard let client, connected else { return .connectionLost("not connected") }
        if let current = inFlight, current.id == batch.id {
            // Published before the link dropped: libmosquitto sent it again after the CONNACK.
            if current.acknowledged {
                inFlight = nil
                return .acknowledged
            }
        } else {
            do {
                let messageID = try client.publish(
                    topic: settings.dataTopic(first: batch.first, last: batch.last), payload: batch.body, qos: 1,
                    retain: false)
                inFlight = (messageID, batch.id, false)
            } catch {
                // Only a local refusal gets here (a bad topic, an oversized message): the records
                // stay and the attempt is repeated with backoff rather than dropped.
                return .retry(error.description, after: nil)
            }
        }
        let end = clock.monotonicNanoseconds() + acknowledgementTimeout
        while clock.monotonicNanoseconds() < end {
            if abandon() { return .abandoned }
            if let failure = pump(client, milliseconds: Self.sliceMilliseconds, connecting: false) {
                return .connectionLost(failure)
            }
            if inFlight?.acknowledged == true {
                inFlight = nil
                return .acknowledged
            }
        }
        // MQTT 3.1.1 resends only on reconnect: a PUBACK that never comes over a live connection
        // would block the queue for good, so the connection is renewed instead.
        dropConnection()
        return .connectionLost("no PUBACK for batch \(batch.id)")
    }

    func maintain() -> String? {
        guard let client, connected else { return nil }
        return pump(client, milliseconds: 0, connecting: false)
    }

    func dropConnection() {
        client?.disconnect()
        // Our own DISCONNECT is not news; a PUBACK that came in with it still counts.
        if let client { handle(client.takeEvents().filter { $0 != .disconnected(code: 0) }, client) }
        connected = false
    }

    /// Publishes `offline` and disconnects cleanly when the broker confirms it in time; otherwise
    /// closes the socket without DISCONNECT, so the broker publishes the will (also `offline`).
    func close(inFlight batch: UplinkBatch?) -> Bool {
        guard let client, connected else { return false }
        let statusID: Int32
        do {
            statusID = try client.publish(
                topic: settings.statusTopic, payload: Array("offline".utf8), qos: 1, retain: true)
        } catch {
            logger.warning("mqtt uplink: cannot publish the offline status", metadata: ["error": "\(error)"])
            return false
        }
        let end = clock.monotonicNanoseconds() + Self.offlineBudgetNanoseconds
        var confirmed = false
        while !confirmed && connected && clock.monotonicNanoseconds() < end {
            let left = (end - clock.monotonicNanoseconds()) / 1_000_000
            do {
                try client.loop(timeoutMilliseconds: Int(min(left, Int64(Self.sliceMilliseconds))))
            } catch {
                break
            }
            let events = client.takeEvents()
            if events.contains(.published(messageID: statusID)) { confirmed = true }
            // The batch's PUBACK may come in now too: it still counts.
            handle(events, client)
        }
        let lateAcknowledgement = inFlight?.acknowledged == true && inFlight?.id == batch?.id
        if confirmed {
            client.disconnect()
            logger.info("mqtt uplink: disconnected", metadata: ["status": "offline"])
        } else {
            logger.warning("mqtt uplink: the broker did not confirm the offline status; closing without DISCONNECT")
        }
        connected = false
        return lateAcknowledgement
    }

    /// Runs libmosquitto's network loop once and acts on what it reported; returns why the
    /// connection (or the attempt) failed, if it did.
    private func pump(_ client: MQTTClient, milliseconds: Int, connecting: Bool) -> String? {
        var loopError: MQTTError?
        do {
            try client.loop(timeoutMilliseconds: milliseconds)
        } catch {
            loopError = error
        }
        if let refusal = handle(client.takeEvents(), client) { return refusal }
        guard let loopError else { return nil }
        connected = false
        // Before the CONNACK a failure belongs to the connection attempt (refused, TLS, timeout).
        return connecting
            ? "connect to \(settings.host):\(settings.port): \(loopError.message)" : loopError.description
    }

    /// Applies libmosquitto's events; returns a refusal or loss when one came.
    @discardableResult
    private func handle(_ events: [MQTTClient.Event], _ client: MQTTClient) -> String? {
        var failure: String?
        for event in events {
            switch event {
            case .connected(let code) where code == 0:
                connected = true
                // Retained, so anyone subscribing later sees the gateway is up; the will undoes it.
                do {
                    _ = try client.publish(
                        topic: settings.statusTopic, payload: Array("online".utf8), qos: 1, retain: true)
                } catch {
                    logger.warning("mqtt uplink: cannot publish the online status", metadata: ["error": "\(error)"])
                }
            case .connected(let code):
                // libmosquitto closes the socket after a refusal; the loop reports it too.
                connected = false
                failure = "the broker refused the connection: \(MQTTClient.connackMessage(code))"
            case .disconnected(let code):
                if connected { failure = mosquittoMessage(code) }
                connected = false
            case .published(let messageID):
                if inFlight?.messageID == messageID { inFlight?.acknowledged = true }
            }
        }
        return failure
    }
}
