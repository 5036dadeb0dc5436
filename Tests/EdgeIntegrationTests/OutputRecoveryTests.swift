import EdgeTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// docs/safety.md, "Output lifecycle", against a real pymodbus device over TCP: an output whose
/// device is down at start, resets, is overridden, or drops a write, ends where status and the
/// device agree, without a restart. The device is read independently with mbpoll and through
/// the peer's request log, never through the agent.
struct OutputRecoveryTests {
    /// Holding register 0 is `want` (what the flow writes), 10 is `sp`, the output's register.
    static let layout =
        #"{"units": {"1": {"holding": [{"address": 0, "type": "uint16", "value": WANT}, "#
        + #"{"address": 10, "type": "uint16", "value": 0}]}}}"#

    /// A running pymodbus device (or one to be started), the agent's config and its socket.
    struct Rig {
        let dir: TemporaryDirectory
        let server: ModbusServerPeer
        let config: String
        let socket: String

        /// `want` is register 0 at the device's start; `output` adds keys to the output.
        init(want: Int, output: String = "", startDevice: Bool = true) async throws {
            dir = try TemporaryDirectory(prefix: "edgeflow-outputs")
            let tools = try await ModbusPeerTools.require(in: dir)
            let port = try freeTCPPort()
            server = try ModbusServerPeer(
                tools: tools, directory: dir,
                layout: OutputRecoveryTests.layout.replacingOccurrences(of: "WANT", with: "\(want)"),
                link: .tcp(port: port))
            if startDevice { try await server.start() }
            socket = dir.file("agent.sock")
            _ = try dir.write(
                "app.json",
                """
                {"appId": "plant", "channels": [{"channelId": "in"}],
                 "eventSources": [{"id": "plc", "type": "device", "source": "plc", "channelId": "in"}],
                 "actions": [{"actionId": "heat", "channelId": "in", "type": "modbus-write", "condition": "payload.want > 0",
                              "config": {"output": "setpoint", "value": "${payload.want}"}}]}
                """)
            config = try dir.write(
                "config.yaml",
                """
                agent:
                  name: outputs
                  data_dir: \(dir.path)/data
                  view: log
                  log_level: notice
                  status: {socket: \(socket), output_unconfirmed_max: 1s}
                boards_dir: \(EdgeflowBinary.root)/boards
                board: sim
                buses:
                  - {id: plant, type: tcp, host: 127.0.0.1, port: \(port)}
                sources:
                  - id: plc
                    type: modbus
                    bus: plant
                    unit: 1
                    poll: 200ms
                    timeout: 300ms
                    retry: {initial_backoff: 200ms, max_backoff: 1s, parked_probe: 1s}
                    points:
                      - {name: want, space: holding, address: 0, type: uint16}
                      - {name: sp, space: holding, address: 10, type: uint16}
                outputs:
                  - {id: setpoint, type: modbus, device: plc, point: sp, safe_value: 20, min: 10, max: 50, max_step: 20\(output)}
                apps: [app.json]
                """)
        }

        /// Starts the agent and waits for its status socket.
        func startAgent() async throws -> PeerProcess {
            let agent = try PeerProcess.start(
                EdgeflowBinary.path, ["run", "--config", config], log: dir.file("agent.log"))
            try await agent.waitForFile(socket)
            return agent
        }

        /// Starts the agent (with `want` 30 at the device), waits for the flow's 30 on the
        /// device, then stops the flow writing (`want` 0) for two polls, so that from then on only
        /// the agent's read-back writes the register.
        func startAgentAndLetTheFlowSet30() async throws -> PeerProcess {
            let agent = try await startAgent()
            try await waitFor("the flow's value on the device") { try await server.readHoldingRegister(10) == 30 }
            try await server.control("set 1 0 0")
            try await waitForPolls(2)
            return agent
        }

        /// The `setpoint` entry of the agent's status document.
        func output() throws -> [String: Any] {
            let status = try StatusProbe.status(socket: socket)
            guard
                let entry = (status["outputs"] as? [[String: Any]])?.first(where: { $0["id"] as? String == "setpoint" })
            else { throw PeerError("no output 'setpoint' in \(status)") }
            return entry
        }

        /// Writes the device received at `sp`, in order, with their values.
        func spWrites() -> [Int] {
            server.requests().filter { $0.function == 6 && $0.address == 10 }.compactMap(\.written)
        }

        /// Polls of the device (the read of both points) logged so far.
        func polls() -> Int { server.requests().filter { $0.function == 3 && $0.address == 0 }.count }

        /// Waits until the device has been polled `count` more times than now.
        func waitForPolls(_ count: Int) async throws {
            let target = polls() + count
            try await waitFor("\(count) more polls") { polls() >= target }
        }
    }

    @Test func aDeviceDownAtStartGetsItsSafeValueOnceItAnswersAndTheFlowsWritesThenTakeEffect() async throws {
        let rig = try await Rig(want: 30, startDevice: false)
        let agent = try await rig.startAgent()
        defer { agent.terminate() }
        try await waitFor("the output pending with the device's error") {
            let o = try rig.output()
            return o["state"] as? String == "pending" && o["lastError"] is String && o["value"] is NSNull
        }
        // Down for 5 s, counted by the agent's own clock of the output's state.
        try await waitFor("5 s pending", timeout: .seconds(15)) {
            (try rig.output()["stateSeconds"] as? Double ?? 0) >= 5
        }
        let check = try EdgeflowBinary.run(["status", "--check", "--socket", rig.socket])
        #expect(check.status == 1, "\(check.stdout)")
        #expect(check.stderr.contains("output setpoint: pending for"), "\(check.stderr)")
        #expect(rig.spWrites().isEmpty)
        // A reload keeps the output pending, with its failures and last error, instead of a fresh
        // start that would hide why.
        let before = try rig.output()
        kill(agent.pid, SIGHUP)
        try await waitFor("the reload applied") { try StatusProbe.status(socket: rig.socket)["generation"] as? Double == 2 }
        let after = try rig.output()
        #expect(after["state"] as? String == "pending")
        #expect((after["failures"] as? Double ?? 0) >= (before["failures"] as? Double ?? 1), "\(before) -> \(after)")
        #expect(after["lastError"] as? String == before["lastError"] as? String)

        try await rig.server.start()
        // Backoff (or a parked probe) at most 1 s, then a poll: the safe value lands well within 5 s.
        try await waitFor("the safe value written", timeout: .seconds(5)) { !rig.spWrites().isEmpty }
        #expect(rig.spWrites().first == 20, "the first write after the device came back is the safe value")
        try await waitFor("the flow's value on the device") { try await rig.server.readHoldingRegister(10) == 30 }
        #expect(Array(rig.spWrites().prefix(2)) == [20, 30], "\(rig.spWrites())")
        try await waitFor("status confirmed at 30") {
            let o = try rig.output()
            return o["state"] as? String == "confirmed" && o["value"] as? Double == 30
                && o["commanded"] as? Double == 30
        }
        #expect(try EdgeflowBinary.run(["status", "--check", "--socket", rig.socket]).status == 0)
        let table = try EdgeflowBinary.run(["status", "--socket", rig.socket])
        #expect(table.stdout.contains("OUTPUT"), "\(table.stdout)")
        #expect(
            table.stdout.split(separator: "\n").contains { $0.hasPrefix("setpoint") && $0.contains("confirmed  30") },
            "\(table.stdout)")
    }

    @Test func aDeviceResetIsDetectedAndReDrivenWithinTwoPolls() async throws {
        let rig = try await Rig(want: 30)
        let agent = try await rig.startAgentAndLetTheFlowSet30()
        defer { agent.terminate() }
        let writesBefore = rig.spWrites().count
        try await rig.server.control("set 1 10 0")
        let pollsAtReset = rig.polls()
        try await waitFor("the register re-driven") { rig.spWrites().count > writesBefore }
        #expect(rig.spWrites().last == 30)
        #expect(rig.polls() - pollsAtReset <= 2, "re-driven after \(rig.polls() - pollsAtReset) polls")
        try await waitFor("the register at 30 again") { try await rig.server.readHoldingRegister(10) == 30 }
        try await waitFor("status agrees again with one mismatch counted") {
            let o = try rig.output()
            return o["mismatch"] as? Bool == false && o["mismatches"] as? Double == 1 && o["value"] as? Double == 30
        }
        #expect(agent.output().components(separatedBy: "output disagrees with its device").count == 2, "logged once")
        let metrics = try StatusProbe.curl(socket: rig.socket, url: "http://localhost/metrics").body
        for line in [
            #"edgeflow_output_mismatches_total{output="setpoint"} 1"#,
            #"edgeflow_output_state{output="setpoint",state="confirmed"} 1"#,
            #"edgeflow_output_state{output="setpoint",state="unknown"} 0"#, #"edgeflow_output_value{output="setpoint"} 30"#,
            #"edgeflow_output_commanded_value{output="setpoint"} 30"#, #"edgeflow_output_failures_total{output="setpoint"} 0"#,
        ] {
            #expect(metrics.contains(line + "\n"), "\(line) missing in:\n\(metrics)")
        }
    }

    @Test func withOnMismatchReportAChangeBehindTheAgentsBackIsShownNotReDriven() async throws {
        let rig = try await Rig(want: 30, output: ", on_mismatch: report")
        let agent = try await rig.startAgentAndLetTheFlowSet30()
        defer { agent.terminate() }
        let writesBefore = rig.spWrites().count
        try await rig.server.control("set 1 10 42")  // a technician at the HMI
        try await waitFor("status showing the mismatch") {
            let o = try rig.output()
            return o["mismatch"] as? Bool == true && o["value"] as? Double == 42 && o["commanded"] as? Double == 30
        }
        try await rig.waitForPolls(3)
        #expect(try await rig.server.readHoldingRegister(10) == 42, "report leaves the device alone")
        #expect(rig.spWrites().count == writesBefore)
        #expect(try rig.output()["mismatches"] as? Double == 1)
        try await waitFor("--check failing on the mismatch") {
            let check = try EdgeflowBinary.run(["status", "--check", "--socket", rig.socket])
            return check.status == 1 && check.stderr.contains("output setpoint: the device holds 42, commanded 30")
        }
    }

    @Test func afterAWriteLostInFlightAndAnOutageStatusAndDeviceAgreeAndTheFlowsNextValueTakesEffect() async throws {
        // At power-on the device asks for nothing (want = 0), so after its outage only the
        // agent's read-back can put the register back.
        let rig = try await Rig(want: 0)
        let agent = try await rig.startAgent()
        try await rig.server.control("set 1 0 30")
        try await waitFor("the flow's value on the device") { try await rig.server.readHoldingRegister(10) == 30 }

        // A write lost in flight: the device never answers it, the output becomes unknown, and
        // the next answered poll re-drives the safe value before the flow's 40 goes through.
        try await rig.server.control("drop_writes 1")
        try await rig.server.control("set 1 0 40")
        try await waitFor("the flow's 40 on the device") { try await rig.server.readHoldingRegister(10) == 40 }
        let writes = rig.spWrites()
        #expect(Array(writes.suffix(3)) == [40, 20, 40], "lost 40, safe value re-driven, 40 again: \(writes)")
        try await waitFor("status confirmed at 40") {
            let o = try rig.output()
            return o["state"] as? String == "confirmed" && o["value"] as? Double == 40
        }
        let afterLoss = try rig.output()
        #expect(afterLoss["failures"] as? Double == 1)
        #expect((afterLoss["lastError"] as? String)?.isEmpty == false)
        #expect(agent.output().components(separatedBy: "output unknown").count == 2, "one line per transition")

        // An outage: the device goes away and comes back from its power-on state (sp = 0).
        rig.server.stop()
        try await waitFor("the source failing") {
            StatusProbe.source("plc", in: try StatusProbe.status(socket: rig.socket))?["state"] as? String != "ok"
        }
        try await rig.server.start()
        try await waitFor("the register restored to 40") { try await rig.server.readHoldingRegister(10) == 40 }
        try await waitFor("status agreeing at 40") {
            let o = try rig.output()
            return o["state"] as? String == "confirmed" && o["value"] as? Double == 40
                && o["mismatch"] as? Bool == false
        }
        try await rig.server.control("set 1 0 35")
        try await waitFor("the flow's next value on the device") { try await rig.server.readHoldingRegister(10) == 35 }
        try await waitFor("status at 35") { try rig.output()["value"] as? Double == 35 }

        // SIGTERM: the safe value lands on the device.
        kill(agent.pid, SIGTERM)
        #expect(await agent.waitForExit(timeout: .seconds(15)) == 0, "\(agent.output())")
        #expect(try await rig.server.readHoldingRegister(10) == 20)
    }
}

/// Waits, bounded, until `condition` holds, checking every 50 ms.
func waitFor(_ what: String, timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws {
    let clock = ContinuousClock()
    let end = clock.now + timeout
    while clock.now < end {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    if try await condition() { return }
    throw PeerError("timed out after \(timeout) waiting for \(what)")
}
