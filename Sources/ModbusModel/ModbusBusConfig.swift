public import EdgeCore

/// Serial parity of an RTU line.
public enum ModbusParity: String, Sendable, Hashable, CaseIterable {
    /// No parity bit (8N1 lines; the spec then asks for 2 stop bits, few devices care).
    case none = "N"
    /// Even parity: the Modbus RTU default (8E1).
    case even = "E"
    /// Odd parity.
    case odd = "O"

    /// Parses `N`/`E`/`O` or `none`/`even`/`odd`, case-insensitively.
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "n", "none": self = .none
        case "e", "even": self = .even
        case "o", "odd": self = .odd
        default: return nil
        }
    }
}

/// How the RTS line is driven to switch an RS-485 transceiver between sending and receiving.
public enum ModbusRTSMode: String, Sendable, Hashable, CaseIterable {
    /// RTS is not touched (the adapter switches direction by itself: most USB dongles).
    case none
    /// RTS is raised while sending.
    case up
    /// RTS is lowered while sending.
    case down
}

/// Settings of a serial (RTU) bus.
public struct ModbusRTUSettings: Sendable, Hashable {
    /// The serial device, e.g. `/dev/ttyUSB0` (a board port name is resolved by the config compiler).
    public var device: String
    /// Line speed in bits per second.
    public var baud: Int
    /// Parity.
    public var parity: ModbusParity
    /// Data bits per character (Modbus RTU uses 8).
    public var dataBits: Int
    /// Stop bits (1 or 2).
    public var stopBits: Int
    /// Whether to put the port in the kernel's RS-485 mode (`TIOCSRS485`); false for RS-232 and
    /// adapters that handle direction themselves.
    public var rs485: Bool
    /// How RTS is driven around each request.
    public var rts: ModbusRTSMode
    /// Delay between RTS change and the first/after the last byte; nil keeps libmodbus' default.
    public var rtsDelay: Duration?
    /// Silence kept on the line between two requests, for slow slaves.
    public var interRequestDelay: Duration

    /// Creates RTU settings; defaults are 8 data bits, 1 stop bit, no RS-485 ioctl, no RTS control.
    public init(
        device: String,
        baud: Int,
        parity: ModbusParity,
        dataBits: Int = 8,
        stopBits: Int = 1,
        rs485: Bool = false,
        rts: ModbusRTSMode = .none,
        rtsDelay: Duration? = nil,
        interRequestDelay: Duration = .zero
    ) {
        self.device = device
        self.baud = baud
        self.parity = parity
        self.dataBits = dataBits
        self.stopBits = stopBits
        self.rs485 = rs485
        self.rts = rts
        self.rtsDelay = rtsDelay
        self.interRequestDelay = interRequestDelay
    }
}

/// Settings of a Modbus TCP connection (one connection per bus, shared by its devices).
public struct ModbusTCPSettings: Sendable, Hashable {
    /// Host name or IP address.
    public var host: String
    /// TCP port (502 is the standard one).
    public var port: UInt16
    /// How long a connection attempt may take.
    public var connectTimeout: Duration

    /// Creates TCP settings.
    public init(host: String, port: UInt16 = 502, connectTimeout: Duration = .seconds(3)) {
        self.host = host
        self.port = port
        self.connectTimeout = connectTimeout
    }
}

/// How a bus reaches its devices.
public enum ModbusTransportConfig: Sendable, Hashable, CustomStringConvertible {
    /// A serial line (RS-485 or RS-232).
    case rtu(ModbusRTUSettings)
    /// A TCP connection.
    case tcp(ModbusTCPSettings)

    /// `tcp 10.0.0.5:502` or `rtu /dev/ttyUSB0 19200 8E1`, for logs and plans.
    public var description: String {
        switch self {
        case .rtu(let s): "rtu \(s.device) \(s.baud) \(s.dataBits)\(s.parity.rawValue)\(s.stopBits)"
        case .tcp(let s): "tcp \(s.host):\(s.port)"
        }
    }

    /// Whether this is a serial line (unit ids 1...247, timeouts need a stale-byte flush).
    public var isSerial: Bool {
        if case .rtu = self { return true }
        return false
    }
}

/// One bus: a serial port or a TCP connection, owned by exactly one thread at run time.
public struct ModbusBusConfig: Sendable, Hashable {
    /// The name the config gives the bus (unique among buses).
    public var id: String
    /// How the bus is reached.
    public var transport: ModbusTransportConfig

    /// Creates a bus.
    public init(id: String, transport: ModbusTransportConfig) {
        self.id = id
        self.transport = transport
    }

    /// Problems with the bus settings, as diagnostics whose `path` names the field
    /// (`device`, `baud`, `port`, ...) relative to the bus.
    public func validate() -> [Diagnostic] {
        var out: [Diagnostic] = []
        func error(_ field: String, _ message: String) {
            out.append(Diagnostic(.error, at: nil, path: field, message))
        }
        if id.trimmingSpaces.isEmpty { error("id", "bus id is empty") }
        switch transport {
        case .rtu(let s):
            if s.device.trimmingSpaces.isEmpty { error("device", "serial device path is empty") }
            if !(50...4_000_000).contains(s.baud) { error("baud", "baud \(s.baud) must be 50...4000000") }
            if !(5...8).contains(s.dataBits) { error("data_bits", "data bits \(s.dataBits) must be 5...8") }
            if !(1...2).contains(s.stopBits) { error("stop_bits", "stop bits \(s.stopBits) must be 1 or 2") }
            if let delay = s.rtsDelay, delay < .zero { error("rts_delay", "rts delay must not be negative") }
            if s.interRequestDelay < .zero || s.interRequestDelay > .seconds(10) {
                error("inter_request_delay", "inter-request delay must be 0...10 s")
            }
            if (5...7).contains(s.dataBits) {
                out.append(Diagnostic(
                    .warning, at: nil, path: "data_bits", "Modbus RTU frames use 8 data bits (got \(s.dataBits))"))
            }
        case .tcp(let s):
            if s.host.trimmingSpaces.isEmpty { error("host", "host is empty") }
            if s.port == 0 { error("port", "port 0 is not a valid TCP port (1...65535; Modbus uses 502)") }
            if s.connectTimeout <= .zero || s.connectTimeout > .seconds(120) {
                error("connect_timeout", "connect timeout must be more than 0 and at most 120 s")
            }
        }
        return out
    }

    /// Problems that only show with the devices of the bus together: duplicate device ids and
    /// unit ids outside the serial range. Paths are `devices[i].field`.
    public func validate(devices: [ModbusDeviceConfig]) -> [Diagnostic] {
        var out: [Diagnostic] = []
        var seenIDs: [String: Int] = [:]
        var seenUnits: [ModbusUnitID: Int] = [:]
        for (index, device) in devices.enumerated() {
            for problem in device.validate(transport: transport) {
                var prefixed = problem
                prefixed.path = "devices[\(index)]" + (problem.path.isEmpty ? "" : "." + problem.path)
                out.append(prefixed)
            }
            if let first = seenIDs[device.id] {
                out.append(Diagnostic(
                    .error, at: nil, path: "devices[\(index)].id",
                    "device id '\(device.id)' is already used by devices[\(first)]"))
            } else {
                seenIDs[device.id] = index
            }
            if let first = seenUnits[device.unit] {
                out.append(Diagnostic(
                    .warning, at: nil, path: "devices[\(index)].unit",
                    "unit \(device.unit) is also polled as devices[\(first)] on this bus",
                    hint: "fine when both poll different points of one device at different rates"))
            } else {
                seenUnits[device.unit] = index
            }
        }
        return out
    }
}
