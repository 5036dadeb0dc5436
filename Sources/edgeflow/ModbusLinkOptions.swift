import ArgumentParser
import EdgeModbus

/// How `edgeflow modbus` reaches the device: `--tcp HOST:PORT` or `--rtu DEVICE --baud N --parity N|E|O`.
struct ModbusLinkOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A Modbus TCP device or gateway.", valueName: "host:port"))
    var tcp: String?

    @Option(help: ArgumentHelp("The serial device of an RTU line, e.g. /dev/ttyUSB0.", valueName: "device"))
    var rtu: String?

    @Option(help: "Baud rate of the RTU line (needed with --rtu).")
    var baud: Int?

    @Option(help: ArgumentHelp("Parity of the RTU line: N, E or O (needed with --rtu).", valueName: "N|E|O"))
    var parity: String?

    @Option(name: .customLong("data-bits"), help: "Data bits of the RTU line.")
    var dataBits = 8

    @Option(name: .customLong("stop-bits"), help: "Stop bits of the RTU line.")
    var stopBits = 1

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Response timeout with a unit, e.g. 500ms or 2s (default 1s; 100ms for scan).",
                           valueName: "duration"),
        transform: CLIDuration.parse)
    var timeout: Duration?

    /// The link, or a usage error naming the option at fault.
    func transport(defaultTimeout: Duration) throws -> (ModbusTransportConfig, Duration) {
        let timeout = try CLIDuration.check(
            timeout ?? defaultTimeout, option: "--timeout", within: .milliseconds(1) ... .seconds(60))
        switch (tcp, rtu) {
        case (nil, nil):
            throw ValidationError(
                "say how to reach the device: --tcp HOST:PORT or --rtu DEVICE --baud N --parity N|E|O")
        case (.some, .some):
            throw ValidationError("--tcp and --rtu exclude each other; give one")
        case (.some(let endpoint), nil):
            for (given, name) in [(baud != nil, "--baud"), (parity != nil, "--parity")] where given {
                throw ValidationError("\(name) applies to --rtu only, not to --tcp")
            }
            switch ModbusFieldTool.parseTCPEndpoint(endpoint) {
            case .failure(let problem):
                throw ValidationError("--tcp: \(problem.message)")
            case .success(let parsed):
                let connect = max(timeout, .seconds(1))
                return (.tcp(ModbusTCPSettings(host: parsed.host, port: parsed.port, connectTimeout: connect)), timeout)
            }
        case (nil, .some(let device)):
            guard let baud else { throw ValidationError("--rtu needs --baud, e.g. --baud 19200") }
            guard let parityText = parity else { throw ValidationError("--rtu needs --parity N, E or O") }
            guard let parsedParity = ModbusParity(parsing: parityText) else {
                throw ValidationError("--parity '\(parityText)' must be N, E or O")
            }
            let settings = ModbusRTUSettings(
                device: device, baud: baud, parity: parsedParity, dataBits: dataBits, stopBits: stopBits)
            let bus = ModbusBusConfig(id: "cli", transport: .rtu(settings))
            if let problem = bus.validate().first(where: { $0.severity == .error }) {
                throw ValidationError("--\(problem.path.replacingUnderscores): \(problem.message)")
            }
            return (.rtu(settings), timeout)
        }
    }
}

/// Options shared by commands that address one unit.
enum ModbusCLI {
    /// The unit id, checked against the kind of link.
    static func unit(_ value: Int, on transport: ModbusTransportConfig) throws -> ModbusUnitID {
        let range = transport.isSerial ? 1...247 : 0...255
        guard range.contains(value) else {
            let note = transport.isSerial ? " (0 is broadcast and gets no answer on a serial line)" : ""
            throw ValidationError("--unit \(value) must be \(range.lowerBound)...\(range.upperBound)\(note)")
        }
        return ModbusUnitID(UInt8(value))
    }

    /// The table named by `--space`.
    static func space(_ text: String, writable: Bool = false) throws -> ModbusSpace {
        guard let space = ModbusSpace(parsing: text) else {
            throw ValidationError("--space '\(text)' is not a table; expected holding, input, coil or discrete")
        }
        if writable && !space.isWritable {
            throw ValidationError("--space \(space) is read-only; write to holding or coil")
        }
        return space
    }

    /// The type named by `--type`, if any.
    static func type(_ text: String?) throws -> ModbusDataType? {
        guard let text else { return nil }
        switch ModbusDataType.parse(text) {
        case .success(let type): return type
        case .failure(let problem): throw ValidationError("--type: \(problem.message)")
        }
    }

    /// The order named by `--order`, if any.
    static func order(_ text: String?) throws -> ModbusByteOrder? {
        guard let text else { return nil }
        guard let order = ModbusByteOrder(parsing: text) else {
            throw ValidationError("--order '\(text)' must be ABCD, BADC, CDAB or DCBA (AB or BA for 16-bit types)")
        }
        return order
    }

    /// Runs a device operation; a Modbus failure is printed and becomes exit code 1.
    static func onDevice<T>(_ body: () throws(ModbusError) -> T) throws -> T {
        do throws(ModbusError) {
            return try body()
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
    }

    /// Opens a client on the link.
    static func client(_ transport: ModbusTransportConfig, timeout: Duration) throws -> ModbusClient {
        try onDevice { () throws(ModbusError) -> ModbusClient in
            let client = try ModbusClient(transport)
            client.setResponseTimeout(timeout)
            try client.connect()
            return client
        }
    }
}

extension String {
    /// `inter_request_delay` → `inter-request-delay`, the CLI spelling of a config field.
    fileprivate var replacingUnderscores: String {
        String(map { $0 == "_" ? "-" : $0 })
    }
}
