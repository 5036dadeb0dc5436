import EdgeCore
import EdgeTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The `Type=notify` contract of config/systemd/edgeflow.service, checked against a stand-in for
/// systemd's notification socket (peers/notify_receiver.py, which shares no code with edgeflow):
/// READY=1 only once the agent runs, WATCHDOG=1 while it runs, STOPPING=1 when SIGTERM arrives.
@Suite(.serialized)
struct SystemdNotifyTests {
    static let receiverScript: String = {
        let file = #filePath
        return file[..<(file.lastIndex(of: "/") ?? file.endIndex)] + "/peers/notify_receiver.py"
    }()

    /// A receiver on a fresh abstract-namespace address (as systemd uses) or a socket file.
    func startReceiver(in dir: TemporaryDirectory, abstract: Bool, snapshot: String? = nil) async throws
        -> (PeerProcess, String)
    {
        let python = try requireExecutable("python3", install: "apt-get install python3")
        let address =
            abstract ? "@edgeflow-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max))" : dir.file("notify")
        let receiver = try PeerProcess.start(
            python, [Self.receiverScript, address] + (snapshot.map { [$0] } ?? []), log: dir.uniquePath("notify.log"),
            environment: ["PYTHONUNBUFFERED": "1"])
        try await receiver.waitForOutput(containing: "LISTENING")
        return (receiver, address)
    }

    /// The messages received so far, in order.
    func messages(_ receiver: PeerProcess) -> [String] {
        receiver.output().split(separator: "\n").filter { $0.hasPrefix("MESSAGE ") }.map {
            $0.split(separator: " ", maxSplits: 2).dropFirst(2).first.map(String.init) ?? ""
        }
    }

    /// Waits (bounded) until `count` received messages contain `text`.
    func waitForMessages(_ receiver: PeerProcess, containing text: String, count: Int = 1) async throws {
        let deadline = ContinuousClock.now + .seconds(15)
        while messages(receiver).filter({ $0.contains(text) }).count < count {
            guard ContinuousClock.now < deadline else {
                throw PeerError("expected \(count) notification(s) with \(text); got:\n\(receiver.output())")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// `edgeflow run --config config` with the notification variables in `environment`.
    func startAgent(_ config: String, in dir: TemporaryDirectory, environment: [String: String]) throws
        -> PeerProcess
    {
        try PeerProcess.start(
            EdgeflowBinary.path, ["run", "--config", config], log: dir.uniquePath("agent.log"),
            environment: environment)
    }

    /// SIGTERM, as `systemctl stop` sends it; the agent drains and exits 0.
    func stopAgent(_ agent: PeerProcess) async {
        kill(agent.pid, SIGTERM)
        #expect(await agent.waitForExit(timeout: .seconds(15)) == 0, "\(agent.output())")
    }

    func simulatedConfig(_ dir: TemporaryDirectory) throws -> String {
        try dir.write(
            "config.yaml",
            """
            agent: {name: notify-test, data_dir: \(dir.path)/data, log_level: warning}
            boards_dir: \(EdgeflowBinary.root)/boards
            board: sim
            sources:
              - id: boiler
                type: simulated
                interval: 50ms
                points:
                  - {name: temp, waveform: sine, min: 60, max: 95, period: 10s}
            """)
    }

    @Test(arguments: [true, false])
    func readyThenWatchdogPingsThenStoppingOnSIGTERM(abstractAddress: Bool) async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-notify")
        let (receiver, address) = try await startReceiver(in: dir, abstract: abstractAddress)
        defer { receiver.terminate() }
        let config = try simulatedConfig(dir)
        // 1 s watchdog: a ping is due every 500 ms.
        let agent = try startAgent(config, in: dir, environment: ["NOTIFY_SOCKET": address, "WATCHDOG_USEC": "1000000"])
        defer { agent.terminate() }
        try await waitForMessages(receiver, containing: "READY=1")
        try await waitForMessages(receiver, containing: "WATCHDOG=1", count: 2)
        await stopAgent(agent)
        try await waitForMessages(receiver, containing: "STOPPING=1")

        let received = messages(receiver)
        let ready = try #require(received.firstIndex { $0.contains("READY=1") })
        #expect(received[ready].contains("STATUS=running: 1 sources"), "\(received)")
        let firstPing = try #require(received.firstIndex { $0 == "WATCHDOG=1" })
        let stopping = try #require(received.firstIndex { $0.contains("STOPPING=1") })
        #expect(ready < firstPing && firstPing < stopping, "\(received)")
        #expect(received.filter { $0.contains("READY=1") }.count == 1)
    }

    /// WATCHDOG_PID names the process systemd watches; an agent started with another pid there
    /// (a child that inherited the environment) must not feed that watchdog.
    @Test func watchdogVariablesForAnotherProcessAreIgnored() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-notify-pid")
        let (receiver, address) = try await startReceiver(in: dir, abstract: true)
        defer { receiver.terminate() }
        let config = try simulatedConfig(dir)
        // A 200 ms watchdog would want a ping every 100 ms.
        let agent = try startAgent(
            config, in: dir, environment: ["NOTIFY_SOCKET": address, "WATCHDOG_USEC": "200000", "WATCHDOG_PID": "1"])
        defer { agent.terminate() }
        try await waitForMessages(receiver, containing: "READY=1")
        // Ten 50 ms frames recorded after READY=1: at least four ping intervals have passed.
        let records = dir.file("data/records.jsonl")
        let before = readTextFile(records).split(separator: "\n").count
        let deadline = ContinuousClock.now + .seconds(15)
        while readTextFile(records).split(separator: "\n").count < before + 10 {
            guard ContinuousClock.now < deadline else { throw PeerError("no frames recorded: \(agent.output())") }
            try await Task.sleep(for: .milliseconds(20))
        }
        await stopAgent(agent)
        try await waitForMessages(receiver, containing: "STOPPING=1")
        #expect(!messages(receiver).contains { $0.contains("WATCHDOG=1") }, "\(receiver.output())")
    }

    @Test func aConfigThatDoesNotCompileNeverSignalsReady() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-notify-bad")
        let (receiver, address) = try await startReceiver(in: dir, abstract: true)
        defer { receiver.terminate() }
        let config = try dir.write(
            "config.yaml", "agent: {name: bad}\nboard: sim\nsources: [{id: x, type: simulated, interval: 10}]\n")
        let agent = try startAgent(config, in: dir, environment: ["NOTIFY_SOCKET": address, "WATCHDOG_USEC": "1000000"])
        defer { agent.terminate() }
        #expect(await agent.waitForExit(timeout: .seconds(15)) == 2, "\(agent.output())")
        // Datagrams on one socket arrive in order: once this marker is in, anything the agent
        // sent before it exited is in too.
        try SystemdNotifier(socketPath: address, watchdogNanoseconds: nil).notify("TEST_MARKER=1")
        try await waitForMessages(receiver, containing: "TEST_MARKER=1")
        #expect(messages(receiver) == ["TEST_MARKER=1"], "\(receiver.output())")
    }

    /// Readiness waits for start-up to drive the outputs to their safe values. The device never
    /// answers (a silent unit), so that write ends only with the device's 2 s response timeout:
    /// READY=1 must come after the write request reached the server (the receiver copies the
    /// server's request log at the instant READY=1 arrives) and not before those 2 s have passed.
    @Test func readyWaitsForTheSafeValueWriteOfEveryOutput() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-notify-modbus")
        let tools = try await ModbusPeerTools.require(in: dir)
        let port = try freeTCPPort()
        let server = try ModbusServerPeer(
            tools: tools, directory: dir,
            layout: #"{"silent_units": [1], "units": {"1": {"holding": "#
                + #"[{"address": 10, "type": "uint16", "value": 7}]}}}"#,
            link: .tcp(port: port))
        try await server.start()
        defer { server.stop() }
        let (receiver, address) = try await startReceiver(in: dir, abstract: true, snapshot: server.requestLog)
        defer { receiver.terminate() }
        let config = try dir.write(
            "config.yaml",
            """
            agent: {name: notify-modbus, data_dir: \(dir.path)/data, log_level: warning}
            boards_dir: \(EdgeflowBinary.root)/boards
            board: sim
            buses:
              - {id: plant, type: tcp, host: 127.0.0.1, port: \(port)}
            sources:
              - {id: boiler, type: modbus, bus: plant, unit: 1, poll: 200ms, timeout: 2s,
                 points: [{name: sp, space: holding, address: 10, type: uint16}]}
            outputs:
              - {id: setpoint, type: modbus, device: boiler, point: sp, safe_value: 20, min: 0, max: 50}
            """)
        let spawned = ContinuousClock.now
        let agent = try startAgent(config, in: dir, environment: ["NOTIFY_SOCKET": address])
        defer { agent.terminate() }
        try await waitForMessages(receiver, containing: "READY=1")
        // Seen at most 20 ms after it was sent, so this is an upper bound of the agent's start-up.
        let seen = ContinuousClock.now - spawned
        #expect(seen >= .milliseconds(1900), "READY=1 \(seen) after exec, before the write's 2 s timeout passed")
        try await receiver.waitForOutput(containing: "SNAPSHOT END")
        let snapshot = receiver.output().split(separator: "\n").filter { $0.hasPrefix("SNAPSHOT ") }
            .map { $0.dropFirst("SNAPSHOT ".count).split(separator: " ").compactMap { Int($0) } }
        // "unit function address count [value]": a write (FC6 or FC16) of register 10 by unit 1.
        #expect(snapshot.contains { $0.count >= 4 && $0[0] == 1 && [6, 16].contains($0[1]) && $0[2] == 10 },
                "\(receiver.output())")
        await stopAgent(agent)
    }
}
