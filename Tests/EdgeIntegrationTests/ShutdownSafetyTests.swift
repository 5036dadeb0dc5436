import EdgeTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// docs/safety.md S5: whatever stops the agent, outputs end at their safe value. A flow drives a
/// Modbus holding register on a real pymodbus server and a simulated GPIO line away from safe;
/// then SIGTERM (systemd's stop) or SIGINT (Ctrl-C) stops the agent, and the register, read back
/// afterwards with mbpoll (an independent Modbus master), holds the safe value again.
struct ShutdownSafetyTests {
    @Test(arguments: [SIGTERM, SIGINT])
    func outputsEndAtTheirSafeValueAfterASignal(signal: Int32) async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-safe-stop")
        let tools = try await ModbusPeerTools.require(in: dir)
        let port = try freeTCPPort()
        let layout = """
            {"units": {"1": {"holding": [{"address": 0, "type": "uint16", "value": 80},
                                          {"address": 10, "type": "uint16", "value": 5}]}}}
            """
        let server = try ModbusServerPeer(tools: tools, directory: dir, layout: layout, link: .tcp(port: port))
        try await server.start()
        defer { server.stop() }
        _ = try dir.write(
            "app.json",
            """
            {"appId": "stop", "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "boiler", "type": "device", "source": "boiler", "channelId": "in"}],
             "actions": [
               {"actionId": "heat", "channelId": "in", "type": "modbus-write", "condition": "payload.temp > 50",
                "config": {"output": "setpoint", "value": 30}},
               {"actionId": "lamp", "channelId": "in", "type": "gpio-write", "condition": "payload.temp > 50",
                "config": {"output": "lamp", "value": 1}}
             ]}
            """)
        let config = try dir.write(
            "config.yaml",
            """
            agent: {name: stop-test, data_dir: \(dir.path)/data, view: live, log_level: warning}
            boards_dir: \(EdgeflowBinary.root)/boards
            board: sim
            buses:
              - {id: plant, type: tcp, host: 127.0.0.1, port: \(port)}
            sources:
              - id: boiler
                type: modbus
                bus: plant
                unit: 1
                poll: 100ms
                points:
                  - {name: temp, space: holding, address: 0, type: uint16}
                  - {name: sp, space: holding, address: 10, type: uint16}
            outputs:
              - {id: setpoint, type: modbus, device: boiler, point: sp, safe_value: 20, min: 0, max: 50}
              - {id: lamp, type: gpio, line: GPIO27, safe_value: 0}
            apps: [app.json]
            """)

        let agent = try PeerProcess.start(EdgeflowBinary.path, ["run", "--config", config], log: dir.file("agent.log"))
        defer { agent.terminate() }
        // The flow has driven both outputs away from safe once the live view says so.
        try await agent.waitForOutput(containing: "output setpoint (boiler.sp) = 30")
        try await agent.waitForOutput(containing: "output lamp (GPIO27) = 1")
        #expect(
            try await mbpollHoldingRegister(tools, port: port, address: 10) == 30, "the flow's write reached the device")

        kill(agent.pid, signal)
        let status = await agent.waitForExit(timeout: .seconds(15))
        #expect(status == 0, "\(agent.output())")
        #expect(
            try await mbpollHoldingRegister(tools, port: port, address: 10) == 20, "setpoint back at its safe value")
        let log = agent.output()
        let lampLines = log.split(separator: "\n").filter { $0.hasPrefix("output lamp (GPIO27) = ") }
        #expect(lampLines.last == "output lamp (GPIO27) = 0", "the simulated line ends at its safe value")
        let setpointLines = log.split(separator: "\n").filter { $0.hasPrefix("output setpoint (boiler.sp) = ") }
        #expect(setpointLines.last == "output setpoint (boiler.sp) = 20", "\(log)")
        // Start-up drives the safe value before acquisition can start a flow.
        #expect(setpointLines.first == "output setpoint (boiler.sp) = 20", "\(log)")
        #expect(lampLines.first == "output lamp (GPIO27) = 0", "\(log)")
        #expect(!log.contains("output not confirmed"), "\(log)")
    }

}
