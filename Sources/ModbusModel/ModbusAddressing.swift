/// A Modbus unit identifier (the "slave address" of RTU, the unit id of TCP). A one-field
/// struct rather than a bare integer so a unit id can never be passed where an address goes.
public struct ModbusUnitID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The identifier as it travels in the frame.
    public var rawValue: UInt8

    /// Creates a unit id from its wire value.
    @inlinable
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Creates a unit id from its wire value.
    @inlinable
    public init(_ rawValue: UInt8) { self.rawValue = rawValue }

    /// Unit 0: broadcast on a serial line, where no slave answers, so it is never polled there.
    public static let broadcast = ModbusUnitID(0)
    /// The unit ids a slave on an RS-485 line may use (0 is broadcast, 248...255 are reserved).
    public static let serialRange: ClosedRange<UInt8> = 1...247

    /// Orders unit ids by value.
    @inlinable
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The decimal value, as technicians write it.
    public var description: String { String(rawValue) }
}

/// A 0-based protocol address of a register or bit, as it travels in the request frame
/// (so `40001` in 1-based "reference" notation is holding address 0).
public struct ModbusAddress: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible,
    ExpressibleByIntegerLiteral
{
    /// The 0-based address.
    public var rawValue: UInt16

    /// Creates an address from its 0-based value.
    @inlinable
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Creates an address from its 0-based value.
    @inlinable
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    /// Creates an address from a literal 0-based value.
    @inlinable
    public init(integerLiteral value: UInt16) { self.rawValue = value }

    /// Orders addresses by value.
    @inlinable
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The decimal value.
    public var description: String { String(rawValue) }

    /// The highest address a request may touch.
    public static let last = ModbusAddress(UInt16.max)
}

/// One of the four Modbus data tables.
public enum ModbusSpace: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Read/write single bits (function codes 1, 5, 15).
    case coil
    /// Read-only single bits (function code 2).
    case discrete
    /// Read/write 16-bit registers (function codes 3, 6, 16).
    case holding
    /// Read-only 16-bit registers (function code 4).
    case input

    /// Whether the table holds bits rather than 16-bit registers.
    @inlinable
    public var isBits: Bool { self == .coil || self == .discrete }

    /// Whether a master may write to this table.
    @inlinable
    public var isWritable: Bool { self == .coil || self == .holding }

    /// The most items one read request may carry (protocol limit: 2000 bits, 125 registers).
    @inlinable
    public var maxReadCount: Int { isBits ? 2000 : 125 }

    /// The function code that reads this table.
    @inlinable
    public var readFunctionCode: UInt8 {
        switch self {
        case .coil: 1
        case .discrete: 2
        case .holding: 3
        case .input: 4
        }
    }

    /// What one item of this table is called in messages ("register" or "bit").
    public var itemName: String { isBits ? "bit" : "register" }

    /// The config spelling (`coil`, `discrete`, `holding`, `input`).
    public var description: String { rawValue }

    /// Parses the config/CLI spelling; also accepts the common long names
    /// (`coils`, `discrete_input`, `holding_register`, `input_register`).
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "coil", "coils": self = .coil
        case "discrete", "discrete_input", "discrete-input", "discrete_inputs", "di": self = .discrete
        case "holding", "holding_register", "holding-register", "holding_registers", "hr": self = .holding
        case "input", "input_register", "input-register", "input_registers", "ir": self = .input
        default: return nil
        }
    }
}
