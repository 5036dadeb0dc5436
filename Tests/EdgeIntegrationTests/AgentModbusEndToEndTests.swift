import EdgeTestSupport
import Foundation
import Testing

/// `edgeflow run` as a field engineer runs it: a config with a Modbus TCP bus to a real
/// pymodbus server and a second bus to a device that never answers; the record stream must hold
/// each poll cycle as one whole frame with the exact decoded values (a string point as a
/// string), and the dead device's points as failed quality, never fake values.
struct AgentModbusEndToEndTests {
    @Test func runPollsARealServerAndReportsADeadDeviceAsQuality() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-e2e")
        let tools = try await ModbusPeerTools.require(in: dir)
        let port = try freeTCPPort()
        let layout = """
            {"units": {"1": {"holding": [
                {"address": 0, "type": "float32", "order": "CDAB", "value": 21.5},
                {"address": 2, "type": "int32", "order": "ABCD", "value": -123456},
                {"address": 4, "type": "uint16", "value": 2305},
                {"address": 5, "type": "string", "value": "SN-4711"}],
              "coil": [[0, true]]}}}
            """
        let server = try ModbusServerPeer(tools: tools, directory: dir, layout: layout, link: .tcp(port: port))
        try await server.start()
        defer { server.stop() }
        let silent = try SilentTCPListener()
        let config = """
            agent: {name: e2e, data_dir: \(dir.path)/data, view: log, log_level: notice}
            boards_dir: \(EdgeflowBinary.root)/boards
            board: sim
            buses:
              - {id: plant, type: tcp, host: 127.0.0.1, port: \(port)}
              - {id: dead, type: tcp, host: 127.0.0.1, port: \(silent.port), connect_timeout: 500ms}
            sources:
              - id: boiler
                type: modbus
                bus: plant
                unit: 1
                poll: 200ms
                points:
                  - {name: temp, space: holding, address: 0, type: float32, order: CDAB, unit: degC}
                  - {name: count, space: holding, address: 2, type: int32, order: ABCD}
                  - {name: level, space: holding, address: 4, type: uint16, scale: 0.1}
                  - {name: running, space: coil, address: 0}
                  - {name: serial, space: holding, address: 5, type: string(8)}
              - id: ghost
                type: modbus
                bus: dead
                unit: 7
                poll: 200ms
                timeout: 200ms
                points:
                  - {name: x, space: holding, address: 0}
            apps: [app.json]
            """
        // A condition on the string point: it only holds if the text reaches flows as a string.
        _ = try dir.write(
            "app.json",
            """
            {"appId": "nameplate", "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "boiler", "type": "device", "source": "boiler", "channelId": "in"}],
             "actions": [{"actionId": "seen", "channelId": "in", "type": "log",
                          "condition": "payload.serial == \\"SN-4711\\" && payload.level > 230",
                          "config": {"level": "warning", "message": "nameplate ${payload.serial}"}}]}
            """)
        let path = try dir.write("config.yaml", config)
        let check = try EdgeflowBinary.run(["check", "--config", path])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("FC3 holding 0...8 (9 registers): temp, count, level, serial"))
        let run = try EdgeflowBinary.run(["run", "--config", path], timeout: 3)
        #expect(run.status == 0, "\(run.stderr)")
        let records = try String(contentsOfFile: "\(dir.path)/data/records.jsonl", encoding: .utf8)
        let lines = records.split(separator: "\n")
        let boiler = lines.filter { $0.contains(#""source":"boiler""#) }
        #expect(boiler.count >= 3)
        // Every cycle is one frame carrying all five points, never a cycle split in two.
        let whole = #""points":{"temp":21.5,"count":-123456,"level":230.5,"running":1,"serial":"SN-4711"}}"#
        #expect(boiler.allSatisfy { $0.hasSuffix(whole) }, "\(boiler.first ?? "")")
        #expect(run.stderr.contains("nameplate SN-4711"), "\(run.stderr)")
        let ghost = lines.filter { $0.contains(#""source":"ghost""#) }
        #expect(!ghost.isEmpty)
        #expect(ghost.allSatisfy { $0.contains(#""quality":{"x":"#) && !$0.contains(#""x":0"#) }, "\(ghost.first ?? "")")
    }
}
