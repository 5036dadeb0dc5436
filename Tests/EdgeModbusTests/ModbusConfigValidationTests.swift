import EdgeCore
import EdgeModbus
import Testing

/// A config mistake and the diagnostic it must produce.
struct ValidationCase: Sendable, CustomTestStringConvertible {
    var name: String
    var point: ModbusPoint
    var path: String
    var message: String
    var severity: Diagnostic.Severity = .error

    var testDescription: String { name }
}

private func p(
    _ space: ModbusSpace = .holding, _ address: UInt16 = 0, type: ModbusDataType = .uint16,
    order: ModbusByteOrder? = nil, scale: Double = 1, offset: Double = 0, deadband: Double? = nil, name: String = "x"
) -> ModbusPoint {
    ModbusPoint(
        name: name, space: space, address: ModbusAddress(address), type: type, order: order, scale: scale,
        offset: offset, deadband: deadband)
}

let validationCases: [ValidationCase] = [
    ValidationCase(
        name: "32-bit order on int16", point: p(type: .int16, order: .abcd), path: "order",
        message: "order ABCD is for 32- and 64-bit types; int16 takes AB or BA"),
    ValidationCase(
        name: "16-bit order on float32", point: p(type: .float32, order: .ba), path: "order",
        message: "order BA is for 16-bit values and strings; float32 takes ABCD, BADC, CDAB or DCBA"),
    ValidationCase(
        name: "order on a bit", point: p(type: .bit(2), order: .ab), path: "order",
        message: "order AB does not apply to bit(2)"),
    ValidationCase(
        name: "order on a coil", point: p(.coil, 0, type: .bool, order: .ab), path: "order",
        message: "order AB does not apply to a coil bit"),
    ValidationCase(
        name: "empty string", point: p(type: .string(length: 0)), path: "type",
        message: "string length 0 must be 1...250 characters (at most 125 registers)"),
    ValidationCase(
        name: "string too long", point: p(type: .string(length: 251)), path: "type",
        message: "string length 251 must be 1...250 characters (at most 125 registers)"),
    ValidationCase(
        name: "bit 16", point: p(type: .bit(16)), path: "type",
        message: "bit index 16 must be 0...15 (a register has 16 bits)"),
    ValidationCase(
        name: "negative bit", point: p(type: .bit(-1)), path: "type",
        message: "bit index -1 must be 0...15 (a register has 16 bits)"),
    ValidationCase(
        name: "float64 past the end", point: p(.input, 65533, type: .float64), path: "address",
        message: "float64 at address 65533 needs 4 registers and runs past the last address 65535"),
    ValidationCase(
        name: "float32 in a coil", point: p(.coil, 0, type: .float32), path: "type",
        message: "coil points hold single bits, so their type is bool (got float32)"),
    ValidationCase(
        name: "zero scale", point: p(scale: 0), path: "scale",
        message: "scale must be a finite, non-zero number (got 0.0)"),
    ValidationCase(
        name: "infinite offset", point: p(offset: .infinity), path: "offset",
        message: "offset must be a finite number (got inf)"),
    ValidationCase(
        name: "negative deadband", point: p(deadband: -1), path: "deadband",
        message: "deadband must be a finite number >= 0 (got -1.0)"),
    ValidationCase(
        name: "scaled string", point: p(type: .string(length: 4), scale: 2), path: "scale",
        message: "scale and offset do not apply to a string point"),
    ValidationCase(name: "empty name", point: p(name: " "), path: "name", message: "point name is empty"),
    ValidationCase(
        name: "4xxxx reference", point: p(.holding, 40_001), path: "address",
        message: "address 40001 looks like a 1-based reference (40001 = holding 0); "
            + "addresses here are 0-based protocol addresses",
        severity: .warning),
    ValidationCase(
        name: "3xxxx reference", point: p(.input, 30_010), path: "address",
        message: "address 30010 looks like a 1-based reference (30001 = input 0); "
            + "addresses here are 0-based protocol addresses",
        severity: .warning),
]

@Suite struct ModbusConfigValidationTests {
    @Test(arguments: validationCases)
    func reportsEachMistakeOnItsField(_ c: ValidationCase) {
        let problems = c.point.validate()
        #expect(problems.count == 1, "\(problems)")
        #expect(problems.first?.path == c.path)
        #expect(problems.first?.message == c.message)
        #expect(problems.first?.severity == c.severity)
        #expect(problems.first?.location == nil)
    }

    @Test func acceptsEveryTypeWithItsDefaultAndValidOrders() {
        let types: [ModbusDataType] = ModbusDataType.scalarTypes.filter { $0 != .bool } + [.string(length: 8), .bit(15)]
        for type in types {
            #expect(p(type: type).validate().isEmpty, "\(type)")
            for order in type.validOrders {
                #expect(p(type: type, order: order).validate().isEmpty, "\(type) \(order)")
            }
        }
        #expect(p(.coil, 65535, type: .bool).validate().isEmpty)
        #expect(p(.holding, 65534, type: .float32).validate().isEmpty)
    }

    @Test func hintsTheZeroBasedAddressOfAReference() {
        #expect(p(.holding, 40_011).validate().first?.hint == "if 40011 is a reference number, the address is 10")
    }

    @Test func parsesTypeNamesAndExplainsBadOnes() throws {
        #expect(try ModbusDataType.parse("Float32").get() == .float32)
        #expect(try ModbusDataType.parse("string(12)").get() == .string(length: 12))
        #expect(try ModbusDataType.parse("string:12").get() == .string(length: 12))
        #expect(try ModbusDataType.parse("bit( 3 )").get() == .bit(3))
        let failures: [(String, String)] = [
            ("string", "type string needs a length in characters, e.g. string(10)"),
            ("bit", "type bit needs a bit index 0...15, e.g. bit(3)"),
            ("string(x)", "'x' in type 'string(x)' is not a whole number"),
            ("int8", "unknown type 'int8'; expected one of bool, int16, uint16, int32, uint32, int64, uint64, "
                + "float32, float64, string(N), bit(N)"),
            ("float(2)", "unknown type 'float(2)'; only string(N) and bit(N) take a number"),
        ]
        for (text, message) in failures {
            switch ModbusDataType.parse(text) {
            case .success(let type): Issue.record("parsed '\(text)' as \(type)")
            case .failure(let error): #expect(error.message == message)
            }
        }
        #expect(ModbusByteOrder(parsing: "cdab") == .cdab)
        #expect(ModbusByteOrder(parsing: "ACBD") == nil)
        #expect(ModbusSpace(parsing: "holding_register") == .holding)
        #expect(ModbusParity(parsing: "even") == .even)
    }

    @Test func checksDevicesWithTheirPointsAndBus() {
        let rtu = ModbusTransportConfig.rtu(ModbusRTUSettings(device: "/dev/ttyUSB0", baud: 19200, parity: .even))
        var device = ModbusDeviceConfig(
            id: "meter", unit: ModbusUnitID(0), responseTimeout: .zero, pollInterval: .seconds(1),
            retry: ModbusRetryPolicy(initialBackoff: .seconds(2), maxBackoff: .seconds(1), multiplier: 0.5, jitter: 2),
            planning: ModbusPlanOptions(maxRegistersPerRequest: 200),
            points: [p(name: "a"), p(.holding, 1, type: .float32, order: .ab, name: "a")])
        let problems = device.validate(transport: rtu).map { "\($0.path): \($0.message)" }
        #expect(
            problems == [
                "unit: unit 0 is not a slave address on a serial line (1...247)",
                "response_timeout: response timeout must be more than 0 and at most 60 s",
                "retry.max_backoff: max backoff must be at least the initial backoff",
                "retry.multiplier: backoff multiplier must be a number >= 1 (got 0.5)",
                "retry.jitter: jitter must be a fraction 0...1 (got 2.0)",
                "max_registers_per_request: max registers per request must be 1...125 (protocol limit)",
                "points[1].order: order AB is for 16-bit values and strings; float32 takes ABCD, BADC, CDAB or DCBA",
                "points[1].name: point name 'a' is already used by points[0]",
            ])
        device.unit = ModbusUnitID(0)
        let onTCP = device.validate(transport: .tcp(ModbusTCPSettings(host: "gw")))
        #expect(onTCP.allSatisfy { !$0.path.hasPrefix("unit") })
    }

    @Test func checksBusSettingsAndDuplicatesAcrossDevices() {
        let bad = ModbusBusConfig(
            id: "rs485",
            transport: .rtu(ModbusRTUSettings(device: "", baud: 0, parity: .none, dataBits: 9, stopBits: 3)))
        #expect(
            bad.validate().map { "\($0.path): \($0.message)" } == [
                "device: serial device path is empty",
                "baud: baud 0 must be 50...4000000",
                "data_bits: data bits 9 must be 5...8",
                "stop_bits: stop bits 3 must be 1 or 2",
            ])
        let tcp = ModbusBusConfig(
            id: "gw", transport: .tcp(ModbusTCPSettings(host: "", port: 0, connectTimeout: .zero)))
        #expect(
            tcp.validate().map(\.path) == ["host", "port", "connect_timeout"])
        let devices = [
            ModbusDeviceConfig(id: "a", unit: ModbusUnitID(1), points: [p()]),
            ModbusDeviceConfig(id: "a", unit: ModbusUnitID(1), points: [p()]),
        ]
        let problems = tcp.validate(devices: devices)
        #expect(problems.map(\.path) == ["devices[1].id", "devices[1].unit"])
        #expect(problems.map(\.severity) == [.error, .warning])
        #expect(problems.first?.message == "device id 'a' is already used by devices[0]")
    }
}
