import ArgumentParser
import EdgeCore
import EdgeModbus

#if canImport(Glibc)
    import Glibc
#endif

/// `edgeflow modbus`: field tools for a technician at the cabinet.
struct ModbusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modbus",
        abstract: "Read registers, scan a bus for units, or write one register or coil.",
        discussion: """
            Addresses are 0-based protocol addresses (reference 40001 is holding 0). Exit codes: 0 ok, \
            1 device or protocol error (the message names the Modbus exception), 2 usage error. \
            Durations take a unit, as in the config: --timeout 500ms, 2s.
            Example: edgeflow modbus read --tcp 192.168.1.50:502 --unit 1 --space holding --address 0 --count 4
            """,
        subcommands: [ModbusReadCommand.self, ModbusScanCommand.self, ModbusWriteCommand.self]
    )
}

/// `edgeflow modbus read`.
struct ModbusReadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "Read registers or bits once and print them decoded.",
        discussion: """
            With a 32- or 64-bit --type and no --order, each value is printed in all four word/byte orders \
            side by side, so you can see which one the device uses.
            Example: edgeflow modbus read --rtu /dev/ttyUSB0 --baud 19200 --parity E --unit 3 --space input \
            --address 100 --type float32 --timeout 500ms --json
            """
    )

    @OptionGroup var link: ModbusLinkOptions

    @Option(parsing: .unconditional, help: "Unit id (slave address) of the device.")
    var unit: Int

    @Option(help: ArgumentHelp("The table to read.", valueName: "holding|input|coil|discrete"))
    var space: String

    @Option(parsing: .unconditional, help: "0-based address of the first register or bit.")
    var address: Int

    @Option(parsing: .unconditional, help: "How many values (of --type, else registers or bits) to read.")
    var count = 1

    @Option(help: ArgumentHelp(
        "Decode as bool, int16, uint16, int32, uint32, int64, uint64, float32, float64, string(N) or bit(N).",
        valueName: "type"))
    var type: String?

    @Option(help: ArgumentHelp("Word/byte order: ABCD, BADC, CDAB, DCBA (AB or BA for 16-bit).", valueName: "code"))
    var order: String?

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func validate() throws {
        _ = try resolved()
    }

    private func resolved() throws
        -> (ModbusTransportConfig, Duration, ModbusUnitID, ModbusSpace, ModbusDataType?, ModbusByteOrder?)
    {
        let (transport, timeout) = try link.transport(defaultTimeout: .seconds(1))
        let unit = try ModbusCLI.unit(self.unit, on: transport)
        let space = try ModbusCLI.space(self.space)
        let type = try ModbusCLI.type(self.type)
        let order = try ModbusCLI.order(self.order)
        if let problem = ModbusFieldTool.checkRead(space: space, address: address, count: count, type: type,
                                                   order: order)
        {
            throw ValidationError(problem.message)
        }
        return (transport, timeout, unit, space, type, order)
    }

    func run() throws {
        let (transport, timeout, unit, space, type, order) = try resolved()
        let client = try ModbusCLI.client(transport, timeout: timeout)
        let report = try ModbusCLI.onDevice { () throws(ModbusError) -> ModbusReadReport in
            try ModbusFieldTool.read(
                client, unit: unit, space: space, address: ModbusAddress(UInt16(address)), count: count, type: type,
                order: order)
        }
        print(json ? report.json : report.text)
    }
}

/// `edgeflow modbus scan`.
struct ModbusScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Probe unit ids on a bus with a short timeout and list who answered.",
        discussion: """
            Each unit is asked for one register (or bit) at --space/--address. A unit that answers with an \
            exception is listed too: it is there, it just refused that address. Exits 1 when nobody answered.
            Example: edgeflow modbus scan --rtu /dev/ttyUSB0 --baud 9600 --parity N --from 1 --to 20 --timeout 200ms
            """
    )

    @OptionGroup var link: ModbusLinkOptions

    @Option(parsing: .unconditional, help: "First unit id to try.")
    var from = 1

    @Option(parsing: .unconditional, help: "Last unit id to try.")
    var to = 247

    @Option(help: ArgumentHelp("The table probed.", valueName: "holding|input|coil|discrete"))
    var space = "holding"

    @Option(parsing: .unconditional, help: "The address probed.")
    var address = 0

    @Flag(help: "Print one JSON object instead of lines.")
    var json = false

    func validate() throws {
        _ = try resolved()
    }

    private func resolved() throws -> (ModbusTransportConfig, Duration, ClosedRange<UInt8>, ModbusSpace) {
        let (transport, timeout) = try link.transport(defaultTimeout: .milliseconds(100))
        let first = try ModbusCLI.unit(from, on: transport)
        let last = try ModbusCLI.unit(to, on: transport)
        guard first <= last else { throw ValidationError("--from \(from) is above --to \(to)") }
        guard (0...65535).contains(address) else { throw ValidationError("--address \(address) must be 0...65535") }
        return (transport, timeout, first.rawValue...last.rawValue, try ModbusCLI.space(space))
    }

    func run() throws {
        let (transport, timeout, units, space) = try resolved()
        let client = try ModbusCLI.client(transport, timeout: timeout)
        let showProgress = isatty(2) == 1
        let hits = try ModbusCLI.onDevice { () throws(ModbusError) -> [ModbusScanHit] in
            try ModbusFieldTool.scan(
                client, units: units, space: space, address: ModbusAddress(UInt16(address)), timeout: timeout
            ) { unit, found in
                if showProgress {
                    printProgress("scanning unit \(unit) (\(Int(unit.rawValue) - Int(units.lowerBound) + 1) of "
                        + "\(units.count)), \(found) found")
                }
            }
        }
        if showProgress { printProgress("") }
        if json {
            let items = hits.map { hit in
                "{\"unit\":\(hit.unit)" + (hit.exception.map { ",\"exception\":\($0.rawValue)" } ?? "") + "}"
            }
            print("{\"answered\":[\(items.joined(separator: ","))]}")
        } else {
            for hit in hits { print(hit) }
        }
        if hits.isEmpty {
            printError("error: no unit answered in \(units.lowerBound)...\(units.upperBound)")
            throw ExitCode(1)
        }
    }

    /// Rewrites the progress line on a terminal.
    private func printProgress(_ text: String) {
        let line = Array(("\r\u{1B}[K" + text).utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}

/// `edgeflow modbus write`.
struct ModbusWriteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write",
        abstract: "Write one holding register (FC6) or coil (FC5), or one typed value (FC16).",
        discussion: """
            Without --type a holding value must fit one register (-32768...65535). With --type the value is \
            encoded in --order (default ABCD, or AB for 16-bit types). A negative value is written as is: \
            --value -5.
            Example: edgeflow modbus write --tcp 127.0.0.1:5020 --unit 1 --space holding --address 10 \
            --value -5 --verify
            """
    )

    @OptionGroup var link: ModbusLinkOptions

    @Option(parsing: .unconditional, help: "Unit id (slave address) of the device.")
    var unit: Int

    @Option(help: ArgumentHelp("The table written.", valueName: "holding|coil"))
    var space: String

    @Option(parsing: .unconditional, help: "0-based address of the register or coil.")
    var address: Int

    // `.unconditional`: `--value -5` is a negative value, not an unknown option.
    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("The value: a number, true/false or on/off for a coil, text for string(N).",
                               valueName: "value"))
    var value: String

    @Option(help: ArgumentHelp("Encode as this type (see read).", valueName: "type"))
    var type: String?

    @Option(help: ArgumentHelp("Word/byte order for --type.", valueName: "code"))
    var order: String?

    @Flag(help: "Read the value back and compare.")
    var verify = false

    @Flag(help: "Print one JSON object instead of a line.")
    var json = false

    func validate() throws {
        _ = try resolved()
    }

    private func resolved() throws
        -> (ModbusTransportConfig, Duration, ModbusUnitID, ModbusSpace, ModbusValue, ModbusDataType?,
            ModbusByteOrder?)
    {
        let (transport, timeout) = try link.transport(defaultTimeout: .seconds(1))
        let unit = try ModbusCLI.unit(self.unit, on: transport)
        let space = try ModbusCLI.space(self.space, writable: true)
        guard (0...65535).contains(address) else { throw ValidationError("--address \(address) must be 0...65535") }
        let type = try ModbusCLI.type(self.type)
        let order = try ModbusCLI.order(self.order)
        if order != nil && type == nil { throw ValidationError("--order needs --type") }
        let parsed: ModbusValue
        if case .string = type {
            parsed = .string(value)
        } else if let number = ModbusValue.parse(value) {
            parsed = number
        } else {
            throw ValidationError("--value '\(value)' is not a number, true/false or on/off")
        }
        return (transport, timeout, unit, space, parsed, type, order)
    }

    func run() throws {
        let (transport, timeout, unit, space, value, type, order) = try resolved()
        let client = try ModbusCLI.client(transport, timeout: timeout)
        let result = try ModbusCLI.onDevice { () throws(ModbusError) -> ModbusWriteResult in
            try ModbusFieldTool.write(
                client, unit: unit, space: space, address: ModbusAddress(UInt16(address)), value: value, type: type,
                order: order, verify: verify)
        }
        if json {
            printJSON([
                ("unit", .number(Double(unit.rawValue))), ("function", .number(Double(result.target.functionCode))),
                ("address", .number(Double(result.target.address.rawValue))), ("write", .string("\(result.target)")),
                ("verified", .bool(result.verified)),
            ])
        } else {
            print("unit \(unit): \(result.target)" + (result.verified ? " (verified)" : ""))
        }
    }
}
