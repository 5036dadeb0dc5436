internal import CModbusShims
internal import CModbus
import EdgeCore
#if canImport(Glibc)
    import Glibc
#endif

/// A synchronous Modbus master on one link (TCP connection or serial port), through libmodbus.
/// Not thread-safe, like the libmodbus context under it: one thread uses it (the bus owner, the
/// CLI, a benchmark loop). Blocking calls: never use it from Swift's cooperative thread pool.
public final class ModbusClient: ModbusTransport {
    private let context: OpaquePointer
    private let transport: ModbusTransportConfig
    private var connected = false
    private var responseTimeout: Duration = .seconds(1)

    /// Creates a client for a link; nothing is opened until `connect()`.
    public init(_ transport: ModbusTransportConfig) throws(ModbusError) {
        self.transport = transport
        let made: OpaquePointer?
        switch transport {
        case .tcp(let s):
            made = modbus_new_tcp_pi(s.host, String(s.port))
        case .rtu(let s):
            let parity = CChar(UInt8(ascii: s.parity == .none ? "N" : s.parity == .even ? "E" : "O"))
            made = modbus_new_rtu(s.device, Int32(clamping: s.baud), parity, Int32(clamping: s.dataBits),
                                  Int32(clamping: s.stopBits))
        }
        guard let made else {
            throw Self.error(errno: errno, operation: "set up Modbus \(transport)")
        }
        context = made
        setResponseTimeout(responseTimeout)
    }

    /// A client for a TCP connection.
    public convenience init(tcp settings: ModbusTCPSettings) throws(ModbusError) {
        try self.init(.tcp(settings))
    }

    /// A client for a serial line.
    public convenience init(rtu settings: ModbusRTUSettings) throws(ModbusError) {
        try self.init(.rtu(settings))
    }

    deinit {
        if connected { modbus_close(context) }
        modbus_free(context)
    }

    /// Whether the link is open.
    public var isConnected: Bool { connected }

    /// Opens the link. A TCP connect waits at most the configured connect timeout; a serial port
    /// is opened and switched to RS-485 mode and RTS control when the settings ask for it.
    public func connect() throws(ModbusError) {
        if connected { return }
        let operation = "connect to \(transport)"
        if case .tcp(let s) = transport {
            // libmodbus bounds connect() by the response timeout.
            applyTimeout(s.connectTimeout)
        }
        let rc = modbus_connect(context)
        let connectErrno = errno
        if case .tcp = transport { applyTimeout(responseTimeout) }
        guard rc == 0 else { throw Self.error(errno: connectErrno, operation: operation) }
        connected = true
        if case .rtu(let s) = transport {
            do throws(ModbusError) {
                try configureSerial(s)
            } catch {
                close()
                throw error
            }
        }
    }

    private func configureSerial(_ s: ModbusRTUSettings) throws(ModbusError) {
        if s.rs485 {
            _ = try call("enable RS-485 mode on \(s.device)") { modbus_rtu_set_serial_mode(context, MODBUS_RTU_RS485) }
        }
        if s.rts != .none {
            let mode = s.rts == .up ? MODBUS_RTU_RTS_UP : MODBUS_RTU_RTS_DOWN
            _ = try call("set RTS mode on \(s.device)") { modbus_rtu_set_rts(context, mode) }
        }
        if let delay = s.rtsDelay {
            let micros = Int32(clamping: Self.microseconds(delay))
            _ = try call("set RTS delay on \(s.device)") { modbus_rtu_set_rts_delay(context, micros) }
        }
    }

    /// Closes the link.
    public func close() {
        if connected { modbus_close(context) }
        connected = false
    }

    /// Drops bytes waiting in the kernel buffers (late answers after a timeout).
    public func flush() {
        if connected { _ = modbus_flush(context) }
    }

    /// Sets how long a request waits for the answer.
    public func setResponseTimeout(_ timeout: Duration) {
        responseTimeout = timeout
        applyTimeout(timeout)
    }

    private func applyTimeout(_ timeout: Duration) {
        let micros = max(1000, Self.microseconds(timeout))
        _ = modbus_set_response_timeout(context, UInt32(clamping: micros / 1_000_000), UInt32(micros % 1_000_000))
    }

    /// Reads holding or input registers (FC3/FC4) into `buffer[0..<count]`.
    public func readRegisters(
        _ space: ModbusSpace, unit: ModbusUnitID, address: ModbusAddress, count: Int, into buffer: inout [UInt16]
    ) throws(ModbusError) {
        guard !space.isBits else {
            throw ModbusError(
                .invalidRequest, operation: Self.readOperation(space, unit, address, count),
                message: "\(space) holds bits; use readBits")
        }
        try Self.checkRead(space, unit, address, count, bufferCount: buffer.count)
        try ensureConnected()
        modbus_set_slave(context, Int32(unit.rawValue))
        let addr = Int32(address.rawValue)
        let n = Int32(count)
        _ = try buffer.withUnsafeMutableBufferPointer { (out) throws(ModbusError) -> Int32 in
            try call(Self.readOperation(space, unit, address, count)) {
                space == .holding
                    ? modbus_read_registers(context, addr, n, out.baseAddress)
                    : modbus_read_input_registers(context, addr, n, out.baseAddress)
            }
        }
    }

    /// Reads coils or discrete inputs (FC1/FC2) into `buffer[0..<count]` as 0/1.
    public func readBits(
        _ space: ModbusSpace, unit: ModbusUnitID, address: ModbusAddress, count: Int, into buffer: inout [UInt8]
    ) throws(ModbusError) {
        guard space.isBits else {
            throw ModbusError(
                .invalidRequest, operation: Self.readOperation(space, unit, address, count),
                message: "\(space) holds registers; use readRegisters")
        }
        try Self.checkRead(space, unit, address, count, bufferCount: buffer.count)
        try ensureConnected()
        modbus_set_slave(context, Int32(unit.rawValue))
        let addr = Int32(address.rawValue)
        let n = Int32(count)
        _ = try buffer.withUnsafeMutableBufferPointer { (out) throws(ModbusError) -> Int32 in
            try call(Self.readOperation(space, unit, address, count)) {
                space == .coil
                    ? modbus_read_bits(context, addr, n, out.baseAddress)
                    : modbus_read_input_bits(context, addr, n, out.baseAddress)
            }
        }
    }

    /// Writes one coil (FC5).
    public func writeCoil(unit: ModbusUnitID, address: ModbusAddress, value: Bool) throws(ModbusError) {
        try ensureConnected()
        modbus_set_slave(context, Int32(unit.rawValue))
        _ = try call("write coil \(address) on unit \(unit)") {
            modbus_write_bit(context, Int32(address.rawValue), value ? 1 : 0)
        }
    }

    /// Writes consecutive coils (FC15, at most 1968).
    public func writeCoils(unit: ModbusUnitID, address: ModbusAddress, values: [Bool]) throws(ModbusError) {
        let operation = "write coils \(address)...\(Int(address.rawValue) + values.count - 1) on unit \(unit)"
        try Self.checkWrite(operation, address, values.count, limit: 1968)
        try ensureConnected()
        modbus_set_slave(context, Int32(unit.rawValue))
        let bytes = values.map { UInt8($0 ? 1 : 0) }
        _ = try call(operation) {
            modbus_write_bits(context, Int32(address.rawValue), Int32(bytes.count), bytes)
        }
    }

    /// Writes one holding register (FC6).
    public func writeRegister(unit: ModbusUnitID, address: ModbusAddress, value: UInt16) throws(ModbusError) {
        try ensureConnected()
        modbus_set_slave(context, Int32(unit.rawValue))
        _ = try call("write holding \(address) on unit \(unit)") {
            modbus_write_register(context, Int32(address.rawValue), value)
        }
    }

    /// Writes consecutive holding registers (FC16, at most 123).
    public func writeRegisters(unit: ModbusUnitID, address: ModbusAddress, values: [UInt16]) throws(ModbusError) {
        let operation = "write holding \(address)...\(Int(address.rawValue) + values.count - 1) on unit \(unit)"
        try Self.checkWrite(operation, address, values.count, limit: 123)
        try ensureConnected()
        modbus_set_slave(context, Int32(unit.rawValue))
        _ = try call(operation) {
            modbus_write_registers(context, Int32(address.rawValue), Int32(values.count), values)
        }
    }

    private static func checkWrite(_ operation: String, _ address: ModbusAddress, _ count: Int, limit: Int)
        throws(ModbusError)
    {
        guard count >= 1, count <= limit, Int(address.rawValue) + count <= 65536 else {
            throw ModbusError(
                .invalidRequest, operation: operation,
                message: "a write carries 1...\(limit) items within address 65535 (got \(count))")
        }
    }

    private func ensureConnected() throws(ModbusError) {
        if !connected { try connect() }
    }

    /// The one way this module calls libmodbus: retries EINTR, and turns a failure into a
    /// `ModbusError` naming the operation. The operation text is only built on failure.
    private func call(_ operation: @autoclosure () -> String, _ body: () -> Int32) throws(ModbusError) -> Int32 {
        while true {
            let rc = body()
            if rc >= 0 { return rc }
            let code = errno
            if code == EINTR { continue }
            throw Self.error(errno: code, operation: operation())
        }
    }

    /// Classifies a libmodbus errno.
    static func error(errno code: Int32, operation: String) -> ModbusError {
        let exceptionBase = edgeflow_modbus_exception_illegal_function - 1
        let exceptionRange = (exceptionBase + 1)...(edgeflow_modbus_exception_gateway_target)
        if exceptionRange.contains(code) {
            let exception = ModbusException(rawValue: UInt8(code - exceptionBase))
            return ModbusError(
                .exception, operation: operation, message: "Modbus \(exception)", exception: exception, errno: code)
        }
        let message = String(cString: modbus_strerror(code))
        let garbled = [
            edgeflow_modbus_error_bad_crc, edgeflow_modbus_error_bad_data, edgeflow_modbus_error_bad_exception,
            edgeflow_modbus_error_too_much_data, edgeflow_modbus_error_bad_slave,
        ]
        if garbled.contains(code) || (code > exceptionBase && code <= exceptionBase + 20) {
            return ModbusError(.protocolError, operation: operation, message: message, errno: code)
        }
        switch code {
        case ETIMEDOUT:
            return ModbusError(.timeout, operation: operation, message: "no answer within the response timeout",
                               errno: code)
        case EINVAL:
            return ModbusError(.invalidRequest, operation: operation, message: message, errno: code)
        default:
            return ModbusError(.connection, operation: operation, message: message, errno: code)
        }
    }

    /// A timeout for libmodbus in microseconds: EdgeCore's conversion, at most a day (libmodbus
    /// keeps seconds in a 32-bit field).
    static func microseconds(_ duration: Duration) -> Int64 {
        min(max(0, Quantity.nanoseconds(duration)), 86_400_000_000_000) / 1_000
    }
}

extension ModbusClient {
    /// The version of the libmodbus this process runs with (`3.1.6`), read from the library
    /// itself rather than the headers it was built against.
    public static var libraryVersion: String {
        "\(libmodbus_version_major).\(libmodbus_version_minor).\(libmodbus_version_micro)"
    }
}
