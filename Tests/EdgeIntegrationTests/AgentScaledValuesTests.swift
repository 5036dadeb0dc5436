import EdgeTestSupport
import Foundation
import Testing

/// A scaled register reaches the record stream as the decimal number the scale describes: a real
/// pymodbus server holds 299, the config says `scale: 0.1`, and `edgeflow run` must record the
/// text `29.9`, never the binary product `29.900000000000002`.
struct AgentScaledValuesTests {
    @Test func scaledRegistersAreRecordedAsTheirDecimalValue() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-scale")
        let tools = try await ModbusPeerTools.require(in: dir)
        let port = try freeTCPPort()
        let layout = """
            {"units": {"1": {"holding": [
                {"address": 0, "type": "int16", "value": 299},
                {"address": 1, "type": "int16", "value": -32768},
                {"address": 2, "type": "uint16", "value": 655}]}}}
            """
        let server = try ModbusServerPeer(tools: tools, directory: dir, layout: layout, link: .tcp(port: port))
        try await server.start()
        defer { server.stop() }
        let config = """
            agent: {name: scale, data_dir: \(dir.path)/data, view: log, log_level: notice}
            boards_dir: \(EdgeflowBinary.root)/boards
            board: sim
            buses:
              - {id: plant, type: tcp, host: 127.0.0.1, port: \(port)}
            sources:
              - id: meter
                type: modbus
                bus: plant
                unit: 1
                poll: 200ms
                points:
                  - {name: temp, space: holding, address: 0, type: int16, scale: 0.1}
                  - {name: low, space: holding, address: 1, type: int16, scale: 0.01}
                  - {name: shifted, space: holding, address: 2, type: uint16, scale: 0.1, offset: -40.05}
            """
        let path = try dir.write("config.yaml", config)
        let run = try EdgeflowBinary.run(["run", "--config", path], timeout: 2)
        #expect(run.status == 0, "\(run.stderr)")
        let records = try String(contentsOfFile: "\(dir.path)/data/records.jsonl", encoding: .utf8)
        let meter = records.split(separator: "\n").filter { $0.contains(#""source":"meter""#) }
        #expect(meter.count >= 2)
        // 299 × 0.1 = 29.9; -32768 × 0.01 = -327.68; 655 × 0.1 - 40.05 = 65.5 - 40.05 = 25.45.
        let points = #""points":{"temp":29.9,"low":-327.68,"shifted":25.45}}"#
        #expect(meter.allSatisfy { $0.hasSuffix(points) }, "\(meter.first ?? "")")
    }
}
