import EdgeTestSupport
import Foundation
import Testing

/// `edgeflow run` as a field engineer runs it: a config with a Modbus TCP bus to a real
/// pymodbus server and a second bus to a device that never answers; the outbox must hold the
/// exact decoded values, and the dead device's points as failed quality, never fake values.
struct AgentModbusEndToEndTests {
    @Test func runPollsARealServerAndReportsADeadDeviceAsQuality() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-e2e")
        let tools = try await ModbusPeerTools.require(in: dir)
        let port = try freeTCPPort()
        let layout = """
            {"units": {"1": {"holding": [
                {"address": 0, "type": "float32", "order": "CDAB", "value": 21.5},
                {"address": 2, "type": "int32", "order": "ABCD", "value": -123456},
                {"address": 4, "type": "uint16", "value": 2305}],
              "coil": [[0, true]]}}}
            """
        let server = try ModbusServerPeer(tools: tools, directory: dir, layout: layout, link: .tcp(port: port))
        try await server.start()
        defer { server.stop() }
        let silent = try SilentTCPListener()
        let config = """
            agent: {name: e2e, data_dir: \(dir.path)/data, view: log, log_level: warning}
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
              - id: ghost
                type: modbus
                bus: dead
                unit: 7
                poll: 200ms
                timeout: 200ms
                points:
                  - {name: x, space: holding, address: 0}
            """
        let path = try dir.write("config.yaml", config)
        let check = try EdgeflowBinary.run(["check", "--config", path])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("FC3 holding 0...4 (5 registers): temp, count, level"))
        let run = try EdgeflowBinary.run(["run", "--config", path], timeout: 3)
        #expect(run.status == 0, "\(run.stderr)")
        let outbox = try String(contentsOfFile: "\(dir.path)/data/outbox.jsonl", encoding: .utf8)
        let lines = outbox.split(separator: "\n")
        let boiler = lines.filter { $0.contains(#""source":"boiler""#) }
        #expect(boiler.count >= 3)
        #expect(boiler.first?.contains(#""temp":21.5,"count":-123456,"level":230.5,"running":1"#) == true, "\(boiler.first ?? "")")
        let ghost = lines.filter { $0.contains(#""source":"ghost""#) }
        #expect(!ghost.isEmpty)
        #expect(ghost.allSatisfy { $0.contains(#""quality":{"x":"#) && !$0.contains(#""x":0"#) }, "\(ghost.first ?? "")")
    }
}
