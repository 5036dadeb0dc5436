import EdgeCore
import EdgeTestSupport
import EdgeUplink
import Foundation
import Logging
import Synchronization
import Testing

/// Keeps every log event (level, message, metadata) so tests can look at what was logged.
final class CollectedLog: LogHandler, @unchecked Sendable {
    // @unchecked: `metadata` and `logLevel` are only set while the logger is built; the events
    // themselves go through the mutex.
    private let storage = Mutex<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    /// `<level> <message> <metadata>` per event.
    var lines: [String] { storage.withLock { $0 } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let values = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        storage.withLock { $0.append("\(event.level) \(event.message) \(values.joined(separator: " "))") }
    }
}

/// The MQTT uplink against a real mosquitto 2.0 broker on 127.0.0.1, with `mosquitto_sub`
/// counting what arrives. The spool is filled by the test, so every record's sequence number is
/// known, and the `json` encoder puts it (`seq`) and the batch id into every message.
struct MQTTUplinkTests {
    let logger = Logger(label: "mqtt-uplink-test")

    /// A spooled frame as the pipeline writes it: JSON object members without the braces.
    func record(_ n: Int) -> [UInt8] {
        Array(#""kind":"frame","source":"s","ts":\#(1_767_225_600_000 + n),"points":{"n":\#(n)}"#.utf8)
    }

    func settings(
        _ broker: MosquittoBroker, gateway: String, topic: String = "edgeflow/${gateway}/data", batchRecords: Int = 5,
        batchIntervalNanoseconds: Int64 = 50_000_000
    ) -> MQTTUplinkSettings {
        MQTTUplinkSettings(
            host: "127.0.0.1", port: Int(broker.port), gateway: gateway, topic: topic, encoder: .json,
            batchRecords: batchRecords, batchIntervalNanoseconds: batchIntervalNanoseconds,
            backoffInitialNanoseconds: 100_000_000, backoffMaximumNanoseconds: 500_000_000)
    }

    /// The batches the subscriber received on data topics: topic, batch id and record sequences.
    func batches(_ subscriber: MosquittoSubscriber) -> [(topic: String, batch: String, sequences: [Int])] {
        subscriber.messages().compactMap { message in
            guard !message.topic.hasSuffix("/status"),
                let object = try? JSONSerialization.jsonObject(with: Data(message.payload.utf8)) as? [String: Any],
                let batch = object["batch"] as? String, let records = object["records"] as? [[String: Any]]
            else { return nil }
            return (message.topic, batch, records.compactMap { $0["seq"] as? Int })
        }
    }

    /// How often each sequence number arrived.
    func arrivals(_ subscriber: MosquittoSubscriber) -> [Int: Int] {
        var seen: [Int: Int] = [:]
        for batch in batches(subscriber) {
            for sequence in batch.sequences { seen[sequence, default: 0] += 1 }
        }
        return seen
    }

    @Test func everyRecordArrivesAndIsAcknowledgedOnlyAfterThePUBACK() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-mqtt-deliver")
        let broker = try MosquittoBroker(in: dir)
        try await broker.start()
        let subscriber = try await MosquittoSubscriber(broker: broker, in: dir)
        let spool = try Spool(directory: dir.file("spool"))
        let uplink = MQTTUplink(
            spool: spool, settings: settings(broker, gateway: "gw1", topic: "edgeflow/${gateway}/data/${batch}"),
            logger: logger)
        try uplink.start()
        defer { uplink.stop(flushNanoseconds: 0) }
        #expect(await eventually { uplink.stats.connected }, "connects: \(uplink.stats)")

        // Frozen, the broker reads nothing: the first batch is published (it waits unread in the
        // kernel), yet without the PUBACK nothing may be acknowledged.
        broker.pause()
        let count = 43
        for n in 1...count { _ = try spool.append(record(n)) }
        let published = await eventually(timeout: .seconds(10)) { broker.unreadBytes(from: "edgeflow-gw1") > 0 }
        #expect(published, "the uplink published while the broker was frozen")
        #expect(spool.ackedSequence == 0, "published but not acknowledged by the broker: nothing leaves the spool")
        #expect(uplink.stats.acknowledgedBatches == 0)
        broker.resume()

        let acknowledged = await eventually(timeout: .seconds(20)) { spool.ackedSequence == UInt64(count) }
        #expect(acknowledged, "acked \(spool.ackedSequence) of \(count): \(uplink.stats)")
        let arrived = await eventually(timeout: .seconds(10)) { Set(arrivals(subscriber).keys) == Set(1...count) }
        #expect(arrived, "missing: \(Set(1...count).subtracting(arrivals(subscriber).keys).sorted())")
        #expect(arrivals(subscriber).values.allSatisfy { $0 == 1 }, "no connection was lost: no duplicates")

        let received = batches(subscriber)
        #expect(received.count >= (count + 4) / 5, "one message per batch of at most 5 records")
        for batch in received {
            let id = "\(batch.sequences.first ?? 0)-\(batch.sequences.last ?? 0)"
            #expect(batch.batch == id && batch.topic == "edgeflow/gw1/data/\(id)", "\(batch)")
            #expect(batch.sequences.count <= 5)
        }
        let stats = uplink.stats
        #expect(stats.acknowledgedRecords == UInt64(count) && stats.acknowledgedBatches == UInt64(received.count))
        #expect(stats.reconnects == 0 && stats.connected && stats.lastError == nil && stats.lastAcknowledgedAt > 0)

        #expect(try await broker.retained("edgeflow/gw1/status") == "online")
        #expect(subscriber.messages().contains { $0.topic == "edgeflow/gw1/status" && $0.payload == "online" })
        // Persistent session, MQTT 3.1.1, the keep-alive and the retained QoS 1 will, as the broker saw them.
        let log = broker.log()
        #expect(log.contains("as edgeflow-gw1 (p2, c0, k30)"), "\(log.suffix(2000))")
        #expect(log.contains("Will message specified (7 bytes) (r1, q1)"))
    }

    @Test func aBrokerRestartLosesNothingAndTheBatchInFlightIsSentAgain() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-mqtt-restart")
        let broker = try MosquittoBroker(in: dir)
        try await broker.start()
        let subscriber = try await MosquittoSubscriber(broker: broker, in: dir)
        let spool = try Spool(directory: dir.file("spool"))
        let uplink = MQTTUplink(spool: spool, settings: settings(broker, gateway: "gw2"), logger: logger)
        try uplink.start()
        defer { uplink.stop(flushNanoseconds: 0) }

        for n in 1...20 { _ = try spool.append(record(n)) }
        #expect(await eventually(timeout: .seconds(20)) { spool.ackedSequence == 20 }, "\(uplink.stats)")
        // Otherwise the broker would redeliver to the subscriber after the restart by itself.
        #expect(await eventually { broker.subscriberCaughtUp() }, "\(broker.currentLog())")

        // A batch goes out to a frozen broker, which is then stopped before reading it.
        broker.pause()
        for n in 21...25 { _ = try spool.append(record(n)) }
        let inFlight = await eventually(timeout: .seconds(10)) { broker.unreadBytes(from: "edgeflow-gw2") > 0 }
        #expect(inFlight, "batch 21-25 is in flight")
        try await broker.stop()
        for n in 26...40 { _ = try spool.append(record(n)) }
        let noticed = await eventually(timeout: .seconds(10)) {
            !uplink.stats.connected && uplink.stats.lastError != nil
        }
        #expect(noticed, "the uplink noticed the broker is gone: \(uplink.stats)")
        #expect(spool.ackedSequence == 20, "nothing is acknowledged while the broker is down")

        try await broker.start()
        let delivered = await eventually(timeout: .seconds(30)) { spool.ackedSequence == 40 }
        #expect(delivered, "acked \(spool.ackedSequence) of 40: \(uplink.stats)")
        let arrived = await eventually(timeout: .seconds(15)) { Set(arrivals(subscriber).keys) == Set(1...40) }
        #expect(arrived, "missing: \(Set(1...40).subtracting(arrivals(subscriber).keys).sorted())")
        let doubled = arrivals(subscriber).filter { $0.value > 1 }.keys.sorted()
        #expect(
            doubled.count <= 5 && doubled.allSatisfy { (21...25).contains($0) },
            "only the batch in flight: \(doubled)")
        #expect(uplink.stats.reconnects >= 1 && uplink.stats.connected, "\(uplink.stats)")
        // libmosquitto sent the unacknowledged batch again itself, flagged DUP, after the reconnect.
        #expect(broker.log().contains("Received PUBLISH from edgeflow-gw2 (d1, q1"), "\(broker.log().suffix(3000))")
        #expect(try await broker.retained("edgeflow/gw2/status") == "online")
    }

    @Test func stopFlushesWaitingRecordsAndLeavesARetainedOffline() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-mqtt-stop")
        let broker = try MosquittoBroker(in: dir)
        try await broker.start()
        let spool = try Spool(directory: dir.file("spool"))
        // A batch would wait a minute to fill: only the stop's flush sends it.
        let uplink = MQTTUplink(
            spool: spool,
            settings: settings(broker, gateway: "gw3", batchRecords: 100, batchIntervalNanoseconds: 60_000_000_000),
            logger: logger)
        for n in 1...12 { _ = try spool.append(record(n)) }
        try uplink.start()
        defer { uplink.stop(flushNanoseconds: 0) }
        #expect(await eventually { uplink.stats.connected })
        #expect(try await broker.retained("edgeflow/gw3/status") == "online")
        #expect(spool.ackedSequence == 0, "the batch is not due yet")

        uplink.stop(flushNanoseconds: 5_000_000_000)
        #expect(spool.ackedSequence == 12, "stop delivered the waiting records: \(uplink.stats)")
        #expect(uplink.stats.acknowledgedBatches == 1 && !uplink.stats.connected)
        #expect(try await broker.retained("edgeflow/gw3/status") == "offline")
        #expect(broker.log().contains("Client edgeflow-gw3 disconnected."), "a clean DISCONNECT after offline")
    }

    @Test func stopWithNoBrokerReturnsAndKeepsTheRecords() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-mqtt-nobroker")
        let port = try freeTCPPort()
        let spool = try Spool(directory: dir.file("spool"))
        for n in 1...3 { _ = try spool.append(record(n)) }
        let uplink = MQTTUplink(
            spool: spool,
            settings: MQTTUplinkSettings(
                host: "127.0.0.1", port: Int(port), gateway: "gw4", backoffInitialNanoseconds: 100_000_000,
                backoffMaximumNanoseconds: 200_000_000),
            logger: logger)
        try uplink.start()
        #expect(await eventually { uplink.stats.lastError != nil }, "a refused connection is retried, not thrown")
        let clock = ContinuousClock()
        let started = clock.now
        uplink.stop(flushNanoseconds: 300_000_000)
        #expect(clock.now - started < .seconds(2), "stop honours its flush deadline")
        #expect(spool.ackedSequence == 0 && !uplink.stats.connected && uplink.stats.acknowledgedBatches == 0)
    }

    @Test func credentialsComeFromThePasswordFileAndARefusalIsRetriedNotThrown() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-mqtt-auth")
        let passwd = try requireMosquittoTool("mosquitto_passwd")
        let users = dir.file("users")
        let made = try await runToCompletion(passwd, ["-c", "-b", users, "gateway", "s3cret pass"], in: dir)
        #expect(made.status == 0, "\(made.output)")
        let broker = try MosquittoBroker(in: dir, listenerOptions: "password_file \(users)", allowAnonymous: false)
        try await broker.start()
        let wrongFile = try dir.write("wrong.txt", "not it\n")
        let spool = try Spool(directory: dir.file("spool"))
        for n in 1...3 { _ = try spool.append(record(n)) }
        var wrong = settings(broker, gateway: "gw5")
        wrong.username = "gateway"
        wrong.passwordFile = wrongFile
        let log = CollectedLog()
        let logger = Logger(label: "auth") { _ in log }
        let refused = MQTTUplink(spool: spool, settings: wrong, logger: logger)
        try refused.start()
        let sawRefusal = await eventually { refused.stats.lastError?.contains("refused") == true }
        #expect(sawRefusal, "\(refused.stats)")
        #expect(!refused.stats.connected && spool.ackedSequence == 0)
        refused.stop(flushNanoseconds: 0)

        var right = wrong
        // The file ends with a newline, as editors write it; it is not part of the password.
        right.passwordFile = try dir.write("password.txt", "s3cret pass\n")
        let uplink = MQTTUplink(spool: spool, settings: right, logger: logger)
        try uplink.start()
        defer { uplink.stop(flushNanoseconds: 0) }
        #expect(await eventually(timeout: .seconds(10)) { spool.ackedSequence == 3 }, "\(uplink.stats)")
        #expect(!log.lines.isEmpty && !log.lines.contains { $0.contains("s3cret") || $0.contains("not it") })

        var missing = right
        missing.passwordFile = dir.file("absent.txt")
        #expect(throws: FileError.self) { try MQTTUplink(spool: spool, settings: missing, logger: logger).start() }
    }

    @Test func mqttsVerifiesTheBrokerAgainstTheGivenCA() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-mqtt-tls")
        try await makeTestCertificates(in: dir)
        let broker = try MosquittoBroker(
            in: dir,
            listenerOptions: "certfile \(dir.file("server.crt"))\nkeyfile \(dir.file("server.key"))")
        try await broker.start()
        let spool = try Spool(directory: dir.file("spool"))
        for n in 1...4 { _ = try spool.append(record(n)) }

        // The system's CAs do not know this broker: the handshake fails and nothing is acknowledged.
        // Every attempt fails the same way: libmosquitto 2.0.11 would fail the second one with
        // "Invalid function arguments" instead, were it not worked around (upstream #2288).
        var untrusted = settings(broker, gateway: "gw6")
        untrusted.tls = true
        let log = CollectedLog()
        let refused = MQTTUplink(spool: spool, settings: untrusted, logger: Logger(label: "tls") { _ in log })
        try refused.start()
        let secondAttempt = await eventually { log.lines.contains { $0.contains("attempts=2") } }
        #expect(secondAttempt, "\(log.lines)")
        let failures = log.lines.filter { $0.contains("delivery failed") }
        #expect(!failures.isEmpty && failures.allSatisfy { $0.contains("certificate verify failed") }, "\(failures)")
        #expect(!refused.stats.connected && spool.ackedSequence == 0)
        refused.stop(flushNanoseconds: 0)

        var trusted = untrusted
        trusted.caFile = dir.file("ca.crt")
        let uplink = MQTTUplink(spool: spool, settings: trusted, logger: logger)
        try uplink.start()
        defer { uplink.stop(flushNanoseconds: 0) }
        #expect(await eventually(timeout: .seconds(10)) { spool.ackedSequence == 4 }, "\(uplink.stats)")
        #expect(uplink.stats.connected)
    }

    func parsed(_ url: String) -> String? {
        MQTTUplinkSettings.parse(url: url).map { "\($0.host) \($0.port) \($0.tls)" }
    }

    @Test func urlsAndTopics() throws {
        #expect(parsed("mqtt://broker.local") == "broker.local 1883 false")
        #expect(parsed("mqtts://broker.local") == "broker.local 8883 true")
        #expect(parsed("MQTT://10.0.0.2:1884/") == "10.0.0.2 1884 false")
        #expect(parsed("mqtts://[::1]:8884") == "::1 8884 true")
        let refused = [
            "http://h", "mqtt://", "mqtt://h:0", "mqtt://h:70000", "mqtt://u:p@h", "mqtt://h/t", "mqtt://h:x", "h:1883",
        ]
        for bad in refused {
            #expect(MQTTUplinkSettings.parse(url: bad) == nil, "\(bad)")
        }
        let settings = MQTTUplinkSettings(host: "h", gateway: "gw", topic: "site/${gateway}/${batch}")
        #expect(settings.dataTopic(first: 7, last: 9) == "site/gw/7-9")
        #expect(settings.statusTopic == "edgeflow/gw/status")
        #expect(settings.clientID == "edgeflow-gw" && settings.keepAliveSeconds == 30 && settings.topicProblem == nil)
        #expect(MQTTUplinkSettings(host: "h", gateway: "gw", topic: "a/+/b").topicProblem != nil)
        #expect(MQTTUplinkSettings(host: "h", gateway: "g#", topic: "a/b").topicProblem != nil, "the status topic too")
    }
}
