import EdgeTestSupport
import Foundation
import Testing

/// `edgeflow modbus read | scan | write` as a technician runs them, against pymodbus 3.16.1:
/// output, and exit codes 0 (ok), 1 (device or protocol error), 2 (usage error).
@Suite struct ModbusCLITests {
    let directory: TemporaryDirectory
    let server: ModbusServerPeer
    let tcp: [String]

    init() async throws {
        directory = try TemporaryDirectory(prefix: "edgeflow-mbcli")
        let tools = try await ModbusPeerTools.require(in: directory)
        let port = try freeTCPPort()
        server = try ModbusServerPeer(tools: tools, directory: directory, layout: KnownDevice.layout,
                                      link: .tcp(port: port))
        try await server.start()
        tcp = ["--tcp", "127.0.0.1:\(port)", "--unit", "1"]
    }

    @Test func readPrintsAWideTypeInAllFourOrdersSideBySide() throws {
        let r = try EdgeflowBinary.run(["modbus", "read"] + tcp + ["--space", "holding", "--address", "24",
                                                                    "--type", "float32"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "unit 1 holding 24 float32")
        let header = lines[1].split(separator: " ").map(String.init)
        let row = lines[2].split(separator: " ").map(String.init)
        #expect(header == ["address", "raw", "ABCD", "BADC", "CDAB", "DCBA"])
        // address, two raw words, then one value per order: CDAB is the fifth value column.
        #expect(row.count == 7 && row[5] == "-1234.5625", "\(lines[2])")
    }

    @Test func readPrintsJSONWithAFixedOrder() throws {
        let r = try EdgeflowBinary.run(["modbus", "read"] + tcp + ["--space", "holding", "--address", "30",
                                                                    "--type", "int32", "--order", "ABCD", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == #"{"unit":1,"space":"holding","address":30,"type":"int32","values":[{"address":30,"#
            + #""registers":[63652,13035],"value":-123456789}]}"# + "\n")
    }

    @Test func aModbusExceptionExitsOneAndIsNamed() throws {
        let r = try EdgeflowBinary.run(["modbus", "read"] + tcp + ["--space", "holding", "--address", "1000"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("read holding 1000 from unit 1: Modbus exception 02 (illegal data address)"))
    }

    @Test func usageErrorsExitTwoWithAPreciseMessage() throws {
        let cases: [([String], String)] = [
            (["--space", "holdings", "--address", "0"], "--space 'holdings' is not a table"),
            (["--space", "holding", "--address", "0", "--type", "int16", "--order", "CDAB"],
             "order CDAB is for 32- and 64-bit types; int16 takes AB or BA"),
            (["--space", "holding", "--address", "0", "--count", "200"], "exceeds the 125 registers"),
            (["--space", "holding", "--address", "0", "--type", "float"], "unknown type 'float'"),
        ]
        for (arguments, message) in cases {
            let r = try EdgeflowBinary.run(["modbus", "read"] + tcp + arguments)
            #expect(r.status == 2, "\(arguments)")
            #expect(r.stderr.contains(message), "\(r.stderr)")
        }
        let noLink = try EdgeflowBinary.run(["modbus", "read", "--unit", "1", "--space", "holding", "--address", "0"])
        #expect(noLink.status == 2)
        #expect(noLink.stderr.contains("--tcp HOST:PORT or --rtu DEVICE"))
        let rtu = try EdgeflowBinary.run(["modbus", "read", "--rtu", "/dev/ttyUSB9", "--unit", "1", "--space",
                                          "holding", "--address", "0"])
        #expect(rtu.status == 2)
        #expect(rtu.stderr.contains("--rtu needs --baud"))
    }

    @Test func writeStoresAValueTheServerHolds() throws {
        let w = try EdgeflowBinary.run(["modbus", "write"] + tcp + ["--space", "holding", "--address", "100",
                                                                     "--value", "42.25", "--type", "float32",
                                                                     "--order", "CDAB", "--verify"])
        #expect(w.status == 0, "\(w.stderr)")
        #expect(w.stdout.contains("FC16 holding 100...101") && w.stdout.contains("(verified)"))
        let r = try EdgeflowBinary.run(["modbus", "read"] + tcp + ["--space", "holding", "--address", "100",
                                                                    "--type", "float32", "--order", "CDAB"])
        #expect(r.stdout.contains("42.25"))
        let readOnly = try EdgeflowBinary.run(["modbus", "write"] + tcp + ["--space", "input", "--address", "0",
                                                                            "--value", "1"])
        #expect(readOnly.status == 2)
    }

    @Test func scanListsWhoAnsweredAndExitsOneWhenNobodyDid() throws {
        let base = ["modbus", "scan", tcp[0], tcp[1]]
        let r = try EdgeflowBinary.run(base + ["--from", "1", "--to", "3"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "unit 1: answered\nunit 2: answered\n"
            + "unit 3: answered with exception 04 (server device failure)\n")
        let silent = try EdgeflowBinary.run(base + ["--from", "9", "--to", "9", "--json"])
        #expect(silent.status == 1)
        #expect(silent.stdout == "{\"answered\":[]}\n")
        #expect(silent.stderr.contains("no unit answered in 9...9"))
    }

    @Test func aValueStartingWithADashIsAValueAndWriteJSONDescribesTheWrite() throws {
        let w = try EdgeflowBinary.run(["modbus", "write"] + tcp + ["--space", "holding", "--address", "110",
                                                                     "--value", "-5", "--json"])
        #expect(w.status == 0, "\(w.stderr)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(w.stdout.utf8)) as? [String: Any], "\(w.stdout)")
        #expect(object["unit"] as? Int == 1 && object["function"] as? Int == 6 && object["address"] as? Int == 110)
        #expect(object["verified"] as? Bool == false)
        // The server saw a single-register write at 110 (its own request log).
        #expect(server.requests().contains { $0.function == 6 && $0.address == 110 }, "\(server.requests())")
        let negativeAddress = try EdgeflowBinary.run(["modbus", "read"] + tcp + ["--space", "holding", "--address", "-1"])
        #expect(negativeAddress.status == 2)
        #expect(negativeAddress.stderr.contains("--address -1 must be 0...65535"), "\(negativeAddress.stderr)")
    }

    @Test func timeoutsTakeTheUnitsOfTheConfig() throws {
        let read = ["modbus", "read"] + tcp + ["--space", "holding", "--address", "0", "--timeout"]
        for accepted in ["500ms", "2s", "1.5s"] {
            let r = try EdgeflowBinary.run(read + [accepted])
            #expect(r.status == 0, "--timeout \(accepted): \(r.stderr)")
        }
        let refused: [(String, String)] = [
            ("500", "'500' is not a duration; add a unit, e.g. 500ms or 500s"),
            ("fast", "'fast' is not a duration; write a number and a unit"),
            ("-1s", "'-1s' is not a duration"),
            ("90s", "--timeout 90s must be 1ms...1m"),
        ]
        for (value, message) in refused {
            let r = try EdgeflowBinary.run(read + [value])
            #expect(r.status == 2, "--timeout \(value)")
            #expect(r.stderr.contains(message), "--timeout \(value): \(r.stderr)")
        }
    }
}
