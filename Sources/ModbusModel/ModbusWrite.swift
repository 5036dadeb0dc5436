/// A raw write: which function code, where, and what.
public enum ModbusWriteTarget: Sendable, Hashable, CustomStringConvertible {
    /// One coil, FC5.
    case coil(ModbusAddress, Bool)
    /// Consecutive coils, FC15.
    case coils(ModbusAddress, [Bool])
    /// One holding register, FC6.
    case register(ModbusAddress, UInt16)
    /// Consecutive holding registers, FC16 (also for a single register, for devices without FC6).
    case registers(ModbusAddress, [UInt16])

    /// The function code used.
    public var functionCode: UInt8 {
        switch self {
        case .coil: 5
        case .coils: 15
        case .register: 6
        case .registers: 16
        }
    }

    /// The first address written.
    public var address: ModbusAddress {
        switch self {
        case .coil(let a, _), .coils(let a, _), .register(let a, _), .registers(let a, _): a
        }
    }

    /// The table written.
    public var space: ModbusSpace {
        switch self {
        case .coil, .coils: .coil
        case .register, .registers: .holding
        }
    }

    /// Number of coils or registers written.
    public var count: Int {
        switch self {
        case .coil, .register: 1
        case .coils(_, let values): values.count
        case .registers(_, let values): values.count
        }
    }

    /// `FC16 holding 10...11 = [16812, 0]`.
    public var description: String {
        let range = count == 1 ? "\(address)" : "\(address)...\(Int(address.rawValue) + count - 1)"
        let values: String
        switch self {
        case .coil(_, let v): values = v ? "1" : "0"
        case .coils(_, let v): values = "[" + v.map { $0 ? "1" : "0" }.joined(separator: ", ") + "]"
        case .register(_, let v): values = String(v)
        case .registers(_, let v): values = "[" + v.map { String($0) }.joined(separator: ", ") + "]"
        }
        return "FC\(functionCode) \(space) \(range) = \(values)"
    }
}

/// What a completed write did.
public struct ModbusWriteResult: Sendable, Hashable {
    /// The raw write performed (for a point: the encoded registers).
    public var target: ModbusWriteTarget
    /// Whether the values were read back and matched (false when no verification was asked).
    public var verified: Bool
    /// When the device confirmed the write (wall-clock nanoseconds).
    public var timestamp: Int64

    /// Creates a result.
    public init(target: ModbusWriteTarget, verified: Bool, timestamp: Int64) {
        self.target = target
        self.verified = verified
        self.timestamp = timestamp
    }
}
