import EdgeCore
import EdgeTestSupport
import EdgeUplink
import Foundation
import Logging
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Reconnects a technician can see and force (docs/uplink.md, "Retries and reconnects"), against
/// a real mosquitto broker on 127.0.0.1: the backoff cap `retry_max`, `edgeflow uplink
/// reconnect`, the status counters against the log, and `edgeflow uplink test` over MQTT.
struct UplinkReconnectTests {
    func record(_ n: Int) -> [UInt8] {
        Array(#""kind":"frame","source":"s","ts":\#(1_767_225_600_000 + n),"points":{"n":\#(n)}"#.utf8)
    }

    /// The largest `key=N` in the lines that contain `message`.
    func logged(_ key: String, in lines: [String], message: String) -> Int? {
        lines.filter { $0.contains(message) }.compactMap { line -> Int? in
            guard let range = line.range(of: "\(key)=", options: .backwards) else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }.max()
    }

    /// Down long enough for the backoff to have grown past 30 s without a cap (1 s doubling,
    /// seven failures), the broker comes back and the uplink is connected again within
    /// `retry_max` (1 s here) plus the connection itself.
    @Test func aBrokerRestartIsFollowedByAReconnectWithinRetryMax() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-retry-max")
        let broker = try MosquittoBroker(in: dir)
        try await broker.start()
        let spool = try Spool(directory: dir.file("spool"))
        let log = CollectedLog()
        let settings = MQTTUplinkSettings(
            host: "127.0.0.1", port: Int(broker.port), gateway: "gwr", encoder: .json, batchIntervalNanoseconds: 0,
            backoffInitialNanoseconds: 1_000_000_000, backoffMaximumNanoseconds: 1_000_000_000)
        let uplink = MQTTUplink(spool: spool, settings: settings, logger: Logger(label: "retry-max") { _ in log })
        try uplink.start()
        defer { uplink.stop(flushNanoseconds: 0) }
        #expect(await eventually { uplink.stats.connected }, "\(uplink.stats)")

        try await broker.stop()
        _ = try spool.append(record(1))
        let failing = await eventually(timeout: .seconds(30)) { uplink.stats.retries >= 7 }
        #expect(failing, "\(uplink.stats)")
        let waiting = uplink.stats
        #expect(!waiting.connected && waiting.nextAttemptAt != nil, "a next attempt is scheduled: \(waiting)")
        try await broker.start()
        let clock = ContinuousClock()
        let restarted = clock.now
        #expect(await eventually(timeout: .seconds(10)) { uplink.stats.connected }, "\(uplink.stats)")
        let reconnected = clock.now - restarted
        print("broker restart to reconnect with retry_max 1s:", reconnected)
        #expect(reconnected < .milliseconds(2500), "within retry_max (1 s) and the connection: \(reconnected)")
        #expect(await eventually { spool.ackedSequence == 1 }, "the waiting record went out")

        let stats = uplink.stats
        #expect(stats.reconnects == 1 && stats.nextAttemptAt == nil, "\(stats)")
        // The log counts what status counts: the last logged failure and reconnect carry them.
        let lines = log.lines
        #expect(logged("reconnects", in: lines, message: "reconnected") == Int(stats.reconnects), "\(lines)")
        let lastFailure = try #require(logged("retries", in: lines, message: "records stay in the spool"))
        #expect(lastFailure <= Int(stats.retries) && Int(stats.retries) < 2 * lastFailure, "sparse log: \(lines)")
    }

    /// The agent against mosquitto: `uplink test` publishes a QoS 1 probe the broker hands on,
    /// `uplink reconnect` opens a new connection, and status counts what the broker and the
    /// agent's log saw.
    @Test func uplinkTestAndReconnectWorkAgainstABrokerAndStatusCountsMatchTheLog() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-uplink-reconnect")
        let broker = try MosquittoBroker(in: dir)
        try await broker.start()
        let subscriber = try await MosquittoSubscriber(broker: broker, in: dir)
        let path = try UplinkTests().mqttConfig(
            dir, broker: broker, gateway: "gwx", extra: "  batch_interval: 200ms\n  retry_max: 1s")

        let probe = try EdgeflowBinary.run(["uplink", "test", "--config", path])
        print("uplink test:", probe.stdout)
        #expect(probe.status == 0, "\(probe.stdout) \(probe.stderr)")
        #expect(probe.stdout.contains("PUBACK on edgeflow/gwx/probe in ") && probe.stdout.contains(" ms"))
        let json = try EdgeflowBinary.run(["uplink", "test", "--config", path, "--json"])
        let answer = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(answer?["ok"] as? Bool == true && answer?["latencyMs"] is NSNumber, "\(json.stdout)")
        let arrived = await eventually { subscriber.messages().filter { $0.topic == "edgeflow/gwx/probe" }.count == 2 }
        #expect(arrived, "the broker handed both probes on: \(subscriber.messages())")
        #expect(broker.log().contains("Received PUBLISH from edgeflow-gwx-probe (d0, q1"), "QoS 1, own client id")

        let agent = try PeerProcess.start(EdgeflowBinary.path, ["run", "--config", path], log: dir.file("agent.log"))
        defer { agent.terminate() }
        let socket = "\(dir.path)/data/edgeflow.sock"
        try await agent.waitForFile(socket)
        func uplinkStatus() -> [String: Any] {
            ((try? StatusProbe.status(socket: socket))?["uplink"] as? [String: Any]) ?? [:]
        }
        #expect(await eventually { (uplinkStatus()["acknowledgedRecords"] as? Int ?? 0) > 0 }, "\(agent.output())")
        let connects = { broker.log().components(separatedBy: "New client connected").count - 1 }
        let before = connects()

        let forced = try EdgeflowBinary.run(["uplink", "reconnect", "--socket", socket])
        #expect(forced.status == 0, "\(forced.stdout) \(forced.stderr)")
        #expect(await eventually { uplinkStatus()["reconnects"] as? Int == 1 }, "\(uplinkStatus())")
        #expect(await eventually { connects() == before + 1 }, "the broker saw a new connection")

        // The broker goes away: status shows the retries and when the next attempt comes.
        try await broker.stop()
        let backingOff = await eventually(timeout: .seconds(15)) {
            let u = uplinkStatus()
            return u["state"] as? String == "disconnected" && (u["retries"] as? Int ?? 0) >= 2
                && u["nextAttemptInSeconds"] is NSNumber
        }
        #expect(backingOff, "\(uplinkStatus())")
        let human = try EdgeflowBinary.run(["status", "--socket", socket])
        #expect(human.stdout.contains(" retries, 1 reconnects"), "\(human.stdout)")
        try await broker.start()
        #expect(
            await eventually(timeout: .seconds(10)) { uplinkStatus()["reconnects"] as? Int == 2 }, "\(uplinkStatus())")
        let settled = uplinkStatus()
        #expect(settled["state"] as? String == "connected" && settled["nextAttemptInSeconds"] is NSNull, "\(settled)")

        kill(agent.pid, SIGTERM)
        #expect(await agent.waitForExit(timeout: .seconds(15)) == 0)
        let lines = agent.output().split(separator: "\n").map(String.init)
        #expect(logged("reconnects", in: lines, message: "reconnected") == 2, "\(agent.output())")
        // The stop line carries the final counters; status showed the same ones while running.
        let retries = try #require(logged("retries", in: lines, message: "uplink"))
        #expect(retries >= settled["retries"] as? Int ?? .max, "\(agent.output())")
    }

    /// Without an uplink there is nothing to reconnect: the agent says so and the command fails.
    @Test func uplinkReconnectWithoutAnUplinkIsRefused() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-no-uplink")
        let path = try StatusProbe.tankConfig(dir, interval: "1s")
        let agent = try PeerProcess.start(EdgeflowBinary.path, ["run", "--config", path], log: dir.file("agent.log"))
        defer { agent.terminate() }
        let socket = "\(dir.path)/data/edgeflow.sock"
        try await agent.waitForFile(socket)
        let refused = try EdgeflowBinary.run(["uplink", "reconnect", "--socket", socket])
        #expect(refused.status == 1 && refused.stderr.contains("no uplink"), "\(refused.stdout) \(refused.stderr)")
        let raw = try StatusProbe.curl(socket: socket, url: "http://localhost/uplink/reconnect", method: "POST")
        #expect(raw.status == 409, "\(raw.body)")
    }

    /// HTTP: a 503 asks for 30 s (`Retry-After`, capped at `retry_max` 20 s); `reconnect()` sends
    /// the batch again at once on a new connection, and status counts one retry and one reconnect.
    @Test func reconnectEndsAnHTTPRetryAfterWait() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-http-reconnect")
        let sink = try await UplinkTests.Sink(in: dir, script: ["503 30"])
        let spool = try Spool(directory: dir.file("spool"))
        let uplink = HTTPUplink(
            spool: spool,
            settings: HTTPUplinkSettings(
                url: "http://127.0.0.1:\(sink.port)/ingest", encoder: .json, batchIntervalNanoseconds: 0,
                backoffMaximumNanoseconds: 20_000_000_000),
            deadLetterDirectory: dir.file("dead-letters"), logger: Logger(label: "http-reconnect"))
        try uplink.start()
        defer { uplink.stop(flushNanoseconds: 0) }
        _ = try spool.append(record(1))
        #expect(await eventually { uplink.stats.retries == 1 }, "\(uplink.stats)")
        let waiting = uplink.stats
        let clock = SystemClock()
        let left = (waiting.nextAttemptAt ?? 0) - clock.monotonicNanoseconds()
        #expect(left > 15_000_000_000 && left <= 20_000_000_000, "Retry-After capped at retry_max: \(left) ns")

        uplink.reconnect()
        #expect(await eventually(timeout: .seconds(5)) { spool.ackedSequence == 1 }, "\(uplink.stats)")
        let stats = uplink.stats
        #expect(stats.retries == 1 && stats.reconnects == 1 && stats.nextAttemptAt == nil, "\(stats)")
        let requests = try sink.requests()
        #expect(requests.map(\.status) == [503, 200] && Set(requests.map(\.batch)) == ["1-1"], "\(requests)")
    }
}
