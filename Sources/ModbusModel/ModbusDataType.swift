public import EdgeCore
/// How the content of one point is laid out in its registers or bits.
public enum ModbusDataType: Sendable, Hashable, CustomStringConvertible {
    /// One coil or discrete input; in a register table, a register that is non-zero.
    case bool
    /// One register, two's complement.
    case int16
    /// One register, unsigned.
    case uint16
    /// Two registers, two's complement.
    case int32
    /// Two registers, unsigned.
    case uint32
    /// Four registers, two's complement (values beyond 2^53 lose precision as samples).
    case int64
    /// Four registers, unsigned (values beyond 2^53 lose precision as samples).
    case uint64
    /// Two registers, IEEE 754 single precision.
    case float32
    /// Four registers, IEEE 754 double precision.
    case float64
    /// `length` bytes of ASCII, two per register, first character in the high byte (order `AB`).
    case string(length: Int)
    /// Bit `index` (0 = least significant) of one register.
    case bit(Int)

    /// The longest string one request can carry: 125 registers of two characters.
    public static let maxStringLength = 250

    /// Every type without a parameter, for tables and help texts.
    public static let scalarTypes: [ModbusDataType] = [
        .bool, .int16, .uint16, .int32, .uint32, .int64, .uint64, .float32, .float64,
    ]

    /// How many registers the type occupies (1 for `bool`, which in a bit table is one bit).
    @inlinable
    public var registerCount: Int {
        switch self {
        case .bool, .int16, .uint16, .bit: 1
        case .int32, .uint32, .float32: 2
        case .int64, .uint64, .float64: 4
        case .string(let length): max(1, (length + 1) / 2)
        }
    }

    /// Whether the type is a number of 32 or 64 bits, whose word order is ambiguous in the field.
    public var isMultiRegisterNumber: Bool {
        switch self {
        case .int32, .uint32, .float32, .int64, .uint64, .float64: true
        default: false
        }
    }

    /// The order used when a point gives none: `AB` for one register, `ABCD` for wider numbers.
    public var defaultOrder: ModbusByteOrder? {
        switch self {
        case .int16, .uint16, .string: .ab
        case .int32, .uint32, .float32, .int64, .uint64, .float64: .abcd
        case .bool, .bit: nil
        }
    }

    /// The orders a point of this type may name.
    public var validOrders: [ModbusByteOrder] {
        switch self {
        case .int16, .uint16, .string: [.ab, .ba]
        case .int32, .uint32, .float32, .int64, .uint64, .float64: [.abcd, .badc, .cdab, .dcba]
        case .bool, .bit: []
        }
    }

    /// The config spelling: `float32`, `string(10)`, `bit(3)`.
    public var description: String {
        switch self {
        case .bool: "bool"
        case .int16: "int16"
        case .uint16: "uint16"
        case .int32: "int32"
        case .uint32: "uint32"
        case .int64: "int64"
        case .uint64: "uint64"
        case .float32: "float32"
        case .float64: "float64"
        case .string(let length): "string(\(length))"
        case .bit(let index): "bit(\(index))"
        }
    }

    /// Parses `float32`, `string(10)` / `string:10`, `bit(3)` / `bit:3` (case-insensitive).
    /// Returns a message saying what was expected when the text is not a type; the range of
    /// a string length or bit index is checked by `ModbusPoint.validate()`.
    public static func parse(_ text: String) -> Result<ModbusDataType, ModbusConfigMessage> {
        let lower = text.lowercased()
        for scalar in scalarTypes where scalar.description == lower {
            return .success(scalar)
        }
        let (head, argument) = splitParameter(lower)
        guard let head, let argument else {
            if lower == "string" {
                return .failure(ModbusConfigMessage("type string needs a length in characters, e.g. string(10)"))
            }
            if lower == "bit" {
                return .failure(ModbusConfigMessage("type bit needs a bit index 0...15, e.g. bit(3)"))
            }
            return .failure(ModbusConfigMessage(
                "unknown type '\(text)'; expected one of bool, int16, uint16, int32, uint32, int64, uint64, "
                    + "float32, float64, string(N), bit(N)"))
        }
        guard let number = Int(argument) else {
            return .failure(ModbusConfigMessage("'\(argument)' in type '\(text)' is not a whole number"))
        }
        switch head {
        case "string": return .success(.string(length: number))
        case "bit": return .success(.bit(number))
        default:
            return .failure(ModbusConfigMessage("unknown type '\(text)'; only string(N) and bit(N) take a number"))
        }
    }

    /// Splits `name(arg)` or `name:arg` into its parts.
    private static func splitParameter(_ text: String) -> (String?, String?) {
        if let open = text.firstIndex(of: "("), text.hasSuffix(")") {
            let head = String(text[..<open])
            let argument = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
            return (head, argument.trimmingSpaces)
        }
        if let colon = text.firstIndex(of: ":") {
            return (String(text[..<colon]), String(text[text.index(after: colon)...]).trimmingSpaces)
        }
        return (nil, nil)
    }
}

/// Word and byte order of a value spread over registers, as one code. Letters name the bytes of
/// the value from most to least significant; the code lists them as they arrive on the wire.
/// `ABCD` is big-endian (the Modbus default), `CDAB` swaps the 16-bit words (common in meters),
/// `BADC` swaps the bytes inside each word, `DCBA` is fully little-endian. For 64-bit values the
/// same code applies to all four words (`CDAB` = words in reverse order). `AB`/`BA` are the
/// 16-bit forms.
public enum ModbusByteOrder: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// 16-bit, high byte first (the Modbus default).
    case ab = "AB"
    /// 16-bit, low byte first.
    case ba = "BA"
    /// Big-endian words, big-endian bytes.
    case abcd = "ABCD"
    /// Big-endian words, bytes swapped within each word.
    case badc = "BADC"
    /// Words in reverse order, big-endian bytes within each word.
    case cdab = "CDAB"
    /// Fully little-endian.
    case dcba = "DCBA"

    /// The four orders of multi-register numbers, in the order the CLI prints them side by side.
    public static let wideOrders: [ModbusByteOrder] = [.abcd, .badc, .cdab, .dcba]

    /// Whether the bytes inside each 16-bit word are swapped relative to big-endian.
    @inlinable
    public var swapsBytes: Bool { self == .ba || self == .badc || self == .dcba }

    /// Whether the words are in reverse order relative to big-endian.
    @inlinable
    public var swapsWords: Bool { self == .cdab || self == .dcba }

    /// The code, e.g. `CDAB`.
    public var description: String { rawValue }

    /// Parses a code, case-insensitively.
    public init?(parsing text: String) {
        self.init(rawValue: text.uppercased())
    }
}

/// A problem in a Modbus setting, as a message for the user: EdgeCore's one `ConfigProblem`
/// (the config compiler places it at the offending field).
public typealias ModbusConfigMessage = ConfigProblem

extension String {
    /// The string without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
