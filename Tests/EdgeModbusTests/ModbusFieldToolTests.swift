import EdgeCore
import EdgeModbus
import Testing

@Suite struct ModbusFieldToolTests {
    @Test func parsesTCPEndpointsAndExplainsBadOnes() throws {
        #expect(try ModbusFieldTool.parseTCPEndpoint("10.0.0.5:1502").get() == ("10.0.0.5", 1502))
        #expect(try ModbusFieldTool.parseTCPEndpoint("plc.local").get() == ("plc.local", 502))
        #expect(try ModbusFieldTool.parseTCPEndpoint("[::1]:5020").get() == ("::1", 5020))
        let failures = [
            ("10.0.0.5:x", "port 'x' in '10.0.0.5:x' must be a number 1...65535"),
            ("10.0.0.5:0", "port '0' in '10.0.0.5:0' must be a number 1...65535"),
            (":502", "':502' has no host; write HOST:PORT"),
            ("[::1:502", "'[::1:502' has '[' without ']'; write [::1]:502"),
        ]
        for (text, message) in failures {
            switch ModbusFieldTool.parseTCPEndpoint(text) {
            case .success(let endpoint): Issue.record("parsed \(text) as \(endpoint)")
            case .failure(let error): #expect(error.message == message)
            }
        }
    }

    @Test func findsUsageErrorsBeforeAnyIO() {
        let cases: [(ModbusSpace, Int, Int, ModbusDataType?, ModbusByteOrder?, String)] = [
            (.holding, 70000, 1, nil, nil, "--address 70000 must be 0...65535 (0-based protocol address)"),
            (.holding, 0, 0, nil, nil, "--count 0 must be at least 1"),
            (.holding, 0, 126, nil, nil,
             "--count 126 × 1 register(s) = 126 exceeds the 125 registers one request can read"),
            (.holding, 0, 32, .float64, nil,
             "--count 32 × 4 register(s) = 128 exceeds the 125 registers one request can read"),
            (.holding, 0, 1, nil, .cdab, "--order CDAB needs --type (raw registers have no order)"),
            (.holding, 0, 1, .int16, .cdab, "order CDAB is for 32- and 64-bit types; int16 takes AB or BA"),
            (.coil, 0, 1, .float32, nil, "coil points hold single bits, so their type is bool (got float32)"),
            (.input, 65535, 1, .float32, nil, "reading 2 registers from 65535 runs past address 65535"),
        ]
        for (space, address, count, type, order, message) in cases {
            let problem = ModbusFieldTool.checkRead(
                space: space, address: address, count: count, type: type, order: order)
            #expect(problem?.message == message)
        }
        #expect(ModbusFieldTool.checkRead(space: .coil, address: 0, count: 2000, type: nil, order: nil) == nil)
    }

    @Test func showsAWideValueInAllFourOrdersSideBySide() throws {
        let fake = FakeTransport()
        fake.set(unit: 1, .holding, 20, [0xC49A, 0x5200])
        let report = try ModbusFieldTool.read(
            fake, unit: ModbusUnitID(1), space: .holding, address: 20, count: 1, type: .float32, order: nil)
        #expect(report.showsAllOrders)
        #expect(report.rows[0].values.map(\.order) == [.abcd, .badc, .cdab, .dcba])
        #expect(report.rows[0].values[0].value == .float(-1234.5625))
        let lines = report.text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "unit 1 holding 20 float32")
        #expect(lines[1].hasPrefix("address  raw        ABCD        BADC"))
        #expect(lines[2].hasPrefix("20       C49A 5200  -1234.5625  "))
        #expect(report.json.hasPrefix(
            #"{"unit":1,"space":"holding","address":20,"type":"float32","values":[{"address":20,"#
                + #""registers":[50330,20992],"ABCD":-1234.5625,"BADC":"#))
    }

    @Test func readsRawRegistersBitsAndFixedOrders() throws {
        let fake = FakeTransport()
        fake.set(unit: 2, .holding, 0, [100, 0xFFFF])
        fake.set(unit: 2, .coil, 0, [1, 0, 1])
        fake.set(unit: 2, .input, 4, [0x7B00, 0x08C5, 0xA1D8, 0xCCF9])
        let raw = try ModbusFieldTool.read(
            fake, unit: ModbusUnitID(2), space: .holding, address: 0, count: 2, type: nil, order: nil)
        #expect(raw.text == """
            unit 2 holding 0
            address  raw   uint16
            0        0064  100
            1        FFFF  65535
            """)
        #expect(raw.json == #"{"unit":2,"space":"holding","address":0,"values":[{"address":0,"registers":[100],"#
            + #""value":100},{"address":1,"registers":[65535],"value":65535}]}"#)
        let bits = try ModbusFieldTool.read(
            fake, unit: ModbusUnitID(2), space: .coil, address: 0, count: 3, type: nil, order: nil)
        #expect(bits.rows.map { $0.values[0].value } == [.bool(true), .bool(false), .bool(true)])
        #expect(bits.text == "unit 2 coil 0\naddress  bit\n0        1\n1        0\n2        1")
        let big = try ModbusFieldTool.read(
            fake, unit: ModbusUnitID(2), space: .input, address: 4, count: 1, type: .uint64, order: .dcba)
        #expect(big.rows[0].values.count == 1)
        #expect(big.json.contains(#""value":"18000000000000000123""#), "beyond 2^53 stays exact as a string")
    }

    @Test func reportsTheDevicesExceptionFromARead() {
        let fake = FakeTransport()
        fake.respond { FakeTransport.exception($0, .illegalDataAddress) }
        do {
            _ = try ModbusFieldTool.read(
                fake, unit: ModbusUnitID(1), space: .holding, address: 500, count: 2, type: nil, order: nil)
            Issue.record("read succeeded")
        } catch {
            #expect(error.exception == .illegalDataAddress)
        }
    }

    @Test func scansUnitsAndListsWhoAnswered() throws {
        let fake = FakeTransport()
        fake.respond { call in
            switch call.unit {
            case 3: nil
            case 5: FakeTransport.exception(call, .illegalDataAddress)
            case 6: FakeTransport.exception(call, .gatewayTargetFailedToRespond)
            default: FakeTransport.timeout(call)
            }
        }
        var progress: [UInt8] = []
        let hits = try ModbusFieldTool.scan(fake, units: 1...8, timeout: .milliseconds(50)) { unit, _ in
            progress.append(unit.rawValue)
        }
        #expect(hits == [ModbusScanHit(unit: ModbusUnitID(3), exception: nil),
                         ModbusScanHit(unit: ModbusUnitID(5), exception: .illegalDataAddress)])
        #expect(progress == Array(1...8))
        #expect(hits[1].description == "unit 5: answered with exception 02 (illegal data address)")
        #expect(fake.state.withLock { $0.responseTimeout } == .milliseconds(50))
    }

    @Test func endsAScanWhenTheLinkCannotBeOpened() {
        let fake = FakeTransport()
        fake.state.withLock { $0.refuseConnect = ModbusError(.connection, operation: "connect", message: "refused") }
        #expect(throws: ModbusError.self) { try ModbusFieldTool.scan(fake, units: 1...247) }
    }

    @Test func writesOneRegisterOrCoil() throws {
        let fake = FakeTransport()
        let unit = ModbusUnitID(1)
        let negative = try ModbusFieldTool.write(
            fake, unit: unit, space: .holding, address: 7, value: .int(-2), type: nil, order: nil, verify: true)
        #expect(negative.target == .register(7, 0xFFFE))
        let coil = try ModbusFieldTool.write(
            fake, unit: unit, space: .coil, address: 2, value: .bool(true), type: nil, order: nil, verify: false)
        #expect(coil.target == .coil(2, true))
        let typed = try ModbusFieldTool.write(
            fake, unit: unit, space: .holding, address: 10, value: .float(21.5), type: .float32, order: .cdab,
            verify: true)
        #expect(typed.target == .registers(10, [0, 0x41AC]))
        let failures: [(ModbusSpace, ModbusValue, ModbusDataType?, String)] = [
            (.input, .int(1), nil, "input is read-only; write to holding or coil"),
            (.holding, .int(70000), nil, "70000 is out of range for uint16 (0...65535)"),
            (.holding, .int(1), .bit(20), "bit index 20 must be 0...15 (a register has 16 bits)"),
        ]
        for (space, value, type, message) in failures {
            do {
                _ = try ModbusFieldTool.write(
                    fake, unit: unit, space: space, address: 0, value: value, type: type, order: nil, verify: false)
                Issue.record("wrote \(value)")
            } catch {
                #expect(error.message == message)
            }
        }
    }
}
