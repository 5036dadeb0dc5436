public import EdgeCore

/// One node of a parsed YAML (or JSON) document, with the position it came from, so every
/// diagnostic can point at `file:line:column`.
public struct YAMLNode: Sendable {
    /// The shape of a node.
    public enum Kind: Sendable {
        /// A scalar; `quoted` is true for '...' and "..." scalars, which are always strings.
        case scalar(String, quoted: Bool)
        /// A sequence (`- a` or `[a, b]`).
        case sequence([YAMLNode])
        /// A mapping; pairs keep document order so "first definition" messages make sense.
        case mapping([(key: YAMLNode, value: YAMLNode)])
    }

    /// What the node holds.
    public var kind: Kind
    /// Where the node starts.
    public var location: SourceLocation

    /// Creates a node.
    public init(_ kind: Kind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }

    /// A word for the node's shape, used in "expected X, found Y" messages.
    public var shapeName: String {
        switch kind {
        case .scalar(let text, let quoted):
            if quoted { return "a string" }
            switch YAMLNode.resolvePlain(text) {
            case .null: return "null"
            case .bool: return "a boolean"
            case .number: return "a number"
            default: return "a string"
            }
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    /// The scalar text, if this is a scalar.
    public var scalarText: String? {
        if case .scalar(let text, _) = kind { return text }
        return nil
    }

    /// Converts the node to a JSON value with YAML 1.2 core-schema scalar resolution
    /// (quoted scalars stay strings; plain `true`, `null`, `42`, `1.5` resolve).
    public var jsonValue: JSONValue {
        switch kind {
        case .scalar(let text, let quoted):
            return quoted ? .string(text) : YAMLNode.resolvePlain(text)
        case .sequence(let items):
            return .array(items.map(\.jsonValue))
        case .mapping(let pairs):
            return .object(JSONObject(pairs.map { (key: $0.key.scalarText ?? "", value: $0.value.jsonValue) }))
        }
    }

    /// YAML 1.2 core schema for plain scalars (not 1.1: `yes`/`no`/`on` stay strings, which
    /// avoids the classic "Norway problem" in configs).
    public static func resolvePlain(_ text: String) -> JSONValue {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf": return .number(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .number(-.infinity)
        default: break
        }
        if let number = parseNumber(text) { return .number(number) }
        return .string(text)
    }

    /// Parses decimal integers, floats, `0x` hex and `0o` octal as YAML 1.2 does.
    static func parseNumber(_ text: String) -> Double? {
        var body = Substring(text)
        var negative = false
        if body.first == "-" || body.first == "+" {
            negative = body.first == "-"
            body = body.dropFirst()
        }
        guard let first = body.first, first.isASCII, first.isNumber || first == "." else { return nil }
        if body.hasPrefix("0x"), let v = UInt64(body.dropFirst(2), radix: 16) {
            return negative ? -Double(v) : Double(v)
        }
        if body.hasPrefix("0o"), let v = UInt64(body.dropFirst(2), radix: 8) {
            return negative ? -Double(v) : Double(v)
        }
        // Double(String) also accepts "nan", "inf" and hex floats; require a plain decimal shape.
        let allowed = body.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "." || $0 == "e" || $0 == "E" || $0 == "-" || $0 == "+") }
        guard allowed, let v = Double(body) else { return nil }
        return negative ? -v : v
    }
}
