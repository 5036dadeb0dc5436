/// A decoded value kept exact (64-bit integers are not squeezed through a `Double`), for the
/// field CLI and for writes. The poll loop itself produces `Sample`s with `Double` values.
public enum ModbusValue: Sendable, Hashable, CustomStringConvertible {
    /// A coil, discrete input, `bool` or `bit(n)` point.
    case bool(Bool)
    /// A signed integer.
    case int(Int64)
    /// An unsigned integer.
    case uint(UInt64)
    /// A floating-point number (also any scaled value).
    case float(Double)
    /// Text.
    case string(String)

    /// The value as a number (booleans as 0/1), or nil for text.
    public var doubleValue: Double? {
        switch self {
        case .bool(let b): b ? 1 : 0
        case .int(let i): Double(i)
        case .uint(let u): Double(u)
        case .float(let d): d
        case .string: nil
        }
    }

    /// How the CLI prints it: integers exactly, floats in the shortest form that round-trips.
    public var description: String {
        switch self {
        case .bool(let b): b ? "1" : "0"
        case .int(let i): String(i)
        case .uint(let u): String(u)
        case .float(let d): ModbusValue.format(d)
        case .string(let s): s
        }
    }

    /// Formats a double without a trailing `.0` for whole numbers.
    static func format(_ d: Double) -> String {
        if d.isFinite, d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return String(d)
    }

    /// Parses what a technician types after `--value`: `true`/`false`/`on`/`off`, an integer
    /// (exact, also beyond 2^53), or a decimal number.
    public static func parse(_ text: String) -> ModbusValue? {
        switch text.lowercased() {
        case "true", "on": return .bool(true)
        case "false", "off": return .bool(false)
        default: break
        }
        if let i = Int64(text) { return .int(i) }
        if let u = UInt64(text) { return .uint(u) }
        if text.hasPrefix("0x") || text.hasPrefix("0X"), let u = UInt64(text.dropFirst(2), radix: 16) {
            return .uint(u)
        }
        if let d = Double(text), d.isFinite { return .float(d) }
        return nil
    }
}
