/// What the poll loop needs from a Modbus link. `ModbusClient` implements it with libmodbus; tests
/// and the agent's own tests can implement it in memory. An instance is used by one thread only.
public protocol ModbusTransport: AnyObject {
    /// Whether the link is open.
    var isConnected: Bool { get }
    /// Opens the link (TCP connect, serial port open); a no-op when already open.
    func connect() throws(ModbusError)
    /// Closes the link; the next `connect()` reopens it.
    func close()
    /// Discards bytes that arrived late, so they are not taken for the next answer.
    func flush()
    /// Sets how long the next requests wait for an answer.
    func setResponseTimeout(_ timeout: Duration)
    /// Reads `count` holding or input registers into `buffer[0..<count]` (FC3/FC4).
    func readRegisters(
        _ space: ModbusSpace, unit: ModbusUnitID, address: ModbusAddress, count: Int, into buffer: inout [UInt16]
    ) throws(ModbusError)
    /// Reads `count` coils or discrete inputs into `buffer[0..<count]` as 0/1 (FC1/FC2).
    func readBits(
        _ space: ModbusSpace, unit: ModbusUnitID, address: ModbusAddress, count: Int, into buffer: inout [UInt8]
    ) throws(ModbusError)
    /// Writes one coil (FC5).
    func writeCoil(unit: ModbusUnitID, address: ModbusAddress, value: Bool) throws(ModbusError)
    /// Writes consecutive coils (FC15).
    func writeCoils(unit: ModbusUnitID, address: ModbusAddress, values: [Bool]) throws(ModbusError)
    /// Writes one holding register (FC6).
    func writeRegister(unit: ModbusUnitID, address: ModbusAddress, value: UInt16) throws(ModbusError)
    /// Writes consecutive holding registers (FC16).
    func writeRegisters(unit: ModbusUnitID, address: ModbusAddress, values: [UInt16]) throws(ModbusError)
}

extension ModbusTransport {
    /// The description of a read, for error messages: `read holding 0...9 from unit 1`.
    static func readOperation(_ space: ModbusSpace, _ unit: ModbusUnitID, _ address: ModbusAddress, _ count: Int)
        -> String
    {
        let range = count == 1 ? "\(address)" : "\(address)...\(Int(address.rawValue) + count - 1)"
        return "read \(space) \(range) from unit \(unit)"
    }

    /// Checks a read's arguments before any I/O.
    static func checkRead(
        _ space: ModbusSpace, _ unit: ModbusUnitID, _ address: ModbusAddress, _ count: Int, bufferCount: Int
    ) throws(ModbusError) {
        guard count >= 1, count <= space.maxReadCount, Int(address.rawValue) + count <= 65536,
            bufferCount >= count
        else {
            throw ModbusError(
                .invalidRequest, operation: readOperation(space, unit, address, count),
                message: "count must be 1...\(space.maxReadCount), stay within address 65535 and fit the buffer")
        }
    }
}
