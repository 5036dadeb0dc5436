extension JSONValue {
    /// Compact JSON text (no spaces), as templates and uplink encoders emit it.
    public var compactJSON: String {
        var out = ""
        JSONValue.write(self, into: &out)
        return out
    }

    /// Appends the compact JSON text of `value` to `out`.
    public static func write(_ value: JSONValue, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += formatNumber(n)
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                write(item, into: &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            for (i, member) in object.members.enumerated() {
                if i > 0 { out += "," }
                writeString(member.key, into: &out)
                out += ":"
                write(member.value, into: &out)
            }
            out += "}"
        }
    }

    /// A number in shortest round-trip form, integers without a fraction (`3`, not `3.0`).
    /// JSON has no NaN or infinity; they become `null` rather than invalid output.
    public static func formatNumber(_ n: Double) -> String {
        guard n.isFinite else { return "null" }
        // Every integer up to 2^53 is exact in a double, so it prints without a fraction; larger
        // ones keep the shortest form (`1e+16`), which reads back to the same double.
        if n == n.rounded(), abs(n) <= 9_007_199_254_740_992 {
            return n == 0 ? "0" : String(Int64(n))
        }
        return "\(n)"
    }

    /// Appends `s` as a quoted JSON string with the escapes JSON requires.
    public static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
