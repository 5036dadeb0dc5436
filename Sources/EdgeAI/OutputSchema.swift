public import EdgeCore

/// The declared shape of an `ai` action's answer (docs/safety.md S6): every answer is checked
/// against it and anything else is "invalid output". A small, strict subset of JSON Schema:
/// `type` (object, string, number, integer, boolean, array), `properties`, `required`, `enum`,
/// `minimum`, `maximum`, `maxLength`, `items`, `maxItems`, `description`. Objects refuse members
/// they do not declare.
public indirect enum OutputSchema: Sendable, Equatable {
    /// A string, optionally from a fixed set, at most `maxLength` characters.
    case string(maxLength: Int?, allowed: [String]?)
    /// A number within the bounds; `integer` requires a whole number.
    case number(minimum: Double?, maximum: Double?, integer: Bool, allowed: [Double]?)
    /// `true` or `false`.
    case boolean
    /// An object with exactly the declared members (the `required` ones must be present).
    case object(properties: [Property], required: [String])
    /// An array of `items`, at most `maxItems` long.
    case array(items: OutputSchema, maxItems: Int?)

    /// One declared member of an object.
    public struct Property: Sendable, Equatable {
        /// The member name.
        public var name: String
        /// Its schema.
        public var schema: OutputSchema
    }

    static let keys = ["type", "properties", "required", "enum", "minimum", "maximum", "maxLength", "items", "maxItems", "description"]

    /// Reads a schema written in an app; problems name the field path under `path`.
    public static func parse(_ value: JSONValue, path: String, depth: Int = 0) -> (schema: OutputSchema?, problems: [ConfigProblem]) {
        guard case .object(let o) = value else {
            return (nil, [ConfigProblem(path: path, message: "a schema must be a mapping with a 'type'")])
        }
        guard depth < 8 else { return (nil, [ConfigProblem(path: path, message: "the schema nests more than 8 levels")]) }
        var problems: [ConfigProblem] = []
        for key in o.keys where !keys.contains(key) {
            problems.append(ConfigProblem(path: "\(path).\(key)", message: "unknown schema key '\(key)'", hint: "schemas take \(keys.joined(separator: ", "))"))
        }
        let types = ["object", "string", "number", "integer", "boolean", "array"]
        guard let type = o["type"]?.stringValue, types.contains(type) else {
            return (nil, problems + [ConfigProblem(path: "\(path).type", message: "type must be one of \(types.joined(separator: ", "))")])
        }
        func misplaced(_ names: [String]) {
            for name in names where o[name] != nil {
                problems.append(ConfigProblem(path: "\(path).\(name)", message: "'\(name)' does not apply to type \(type)"))
            }
        }
        func count(_ key: String) -> Int? {
            guard let v = o[key] else { return nil }
            guard let n = v.numberValue, n >= 0, n == n.rounded(), n <= 1_000_000 else {
                problems.append(ConfigProblem(path: "\(path).\(key)", message: "\(key) must be a whole number from 0 to 1000000"))
                return nil
            }
            return Int(n)
        }
        var schema: OutputSchema?
        switch type {
        case "string":
            misplaced(["properties", "required", "minimum", "maximum", "items", "maxItems"])
            var allowed: [String]?
            if let e = o["enum"] {
                if case .array(let items) = e, !items.isEmpty, items.allSatisfy({ $0.stringValue != nil }) {
                    allowed = items.compactMap(\.stringValue)
                } else {
                    problems.append(ConfigProblem(path: "\(path).enum", message: "enum of a string must be a non-empty list of strings"))
                }
            }
            schema = .string(maxLength: count("maxLength"), allowed: allowed)
        case "number", "integer":
            misplaced(["properties", "required", "maxLength", "items", "maxItems"])
            func bound(_ key: String) -> Double? {
                guard let v = o[key] else { return nil }
                guard let n = v.numberValue, n.isFinite else {
                    problems.append(ConfigProblem(path: "\(path).\(key)", message: "\(key) must be a number"))
                    return nil
                }
                return n
            }
            let lo = bound("minimum"), hi = bound("maximum")
            if let lo, let hi, lo > hi {
                problems.append(ConfigProblem(path: "\(path).minimum", message: "minimum \(JSONValue.formatNumber(lo)) is above maximum \(JSONValue.formatNumber(hi))"))
            }
            var allowed: [Double]?
            if let e = o["enum"] {
                if case .array(let items) = e, !items.isEmpty, items.allSatisfy({ $0.numberValue != nil }) {
                    allowed = items.compactMap(\.numberValue)
                } else {
                    problems.append(ConfigProblem(path: "\(path).enum", message: "enum of a number must be a non-empty list of numbers"))
                }
            }
            schema = .number(minimum: lo, maximum: hi, integer: type == "integer", allowed: allowed)
        case "boolean":
            misplaced(["properties", "required", "enum", "minimum", "maximum", "maxLength", "items", "maxItems"])
            schema = .boolean
        case "array":
            misplaced(["properties", "required", "enum", "minimum", "maximum", "maxLength"])
            guard let items = o["items"] else {
                problems.append(ConfigProblem(path: "\(path).items", message: "an array schema needs 'items'"))
                break
            }
            let (sub, subProblems) = parse(items, path: "\(path).items", depth: depth + 1)
            problems += subProblems
            if let sub { schema = .array(items: sub, maxItems: count("maxItems")) }
        default:
            misplaced(["enum", "minimum", "maximum", "maxLength", "items", "maxItems"])
            var properties: [Property] = []
            if case .object(let props)? = o["properties"], props.count > 0 {
                for (name, sub) in props.members {
                    let (parsed, subProblems) = parse(sub, path: "\(path).properties.\(name)", depth: depth + 1)
                    problems += subProblems
                    if let parsed { properties.append(Property(name: name, schema: parsed)) }
                }
            } else {
                problems.append(ConfigProblem(path: "\(path).properties", message: "an object schema needs a non-empty 'properties' mapping"))
            }
            var required: [String] = properties.map(\.name)
            if let r = o["required"] {
                if case .array(let names) = r, names.allSatisfy({ $0.stringValue != nil }) {
                    required = names.compactMap(\.stringValue)
                    for name in required where !properties.contains(where: { $0.name == name }) {
                        problems.append(ConfigProblem(path: "\(path).required", message: "'\(name)' is required but not among the properties"))
                    }
                } else {
                    problems.append(ConfigProblem(path: "\(path).required", message: "required must be a list of property names"))
                }
            }
            schema = .object(properties: properties, required: required)
        }
        guard problems.isEmpty, let schema else { return (nil, problems) }
        return (schema, [])
    }

    /// Why `value` does not match, naming the place (`$.alarm`), or nil when it matches.
    public func violation(of value: JSONValue, at path: String = "$") -> String? {
        switch self {
        case .string(let maxLength, let allowed):
            guard case .string(let s) = value else { return "\(path): expected a string, found \(Self.describe(value))" }
            if let maxLength, s.count > maxLength { return "\(path): the string has \(s.count) characters, more than \(maxLength)" }
            if let allowed, !allowed.contains(s) {
                return "\(path): \(Self.describe(value)) is not one of \(allowed.map { JSONValue.string($0).compactJSON }.joined(separator: ", "))"
            }
        case .number(let lo, let hi, let integer, let allowed):
            guard case .number(let n) = value, n.isFinite else {
                return "\(path): expected \(integer ? "an integer" : "a number"), found \(Self.describe(value))"
            }
            if integer && n != n.rounded() { return "\(path): expected an integer, found \(JSONValue.formatNumber(n))" }
            if let lo, n < lo { return "\(path): \(JSONValue.formatNumber(n)) is below the minimum \(JSONValue.formatNumber(lo))" }
            if let hi, n > hi { return "\(path): \(JSONValue.formatNumber(n)) is above the maximum \(JSONValue.formatNumber(hi))" }
            if let allowed, !allowed.contains(n) {
                return "\(path): \(JSONValue.formatNumber(n)) is not one of \(allowed.map(JSONValue.formatNumber).joined(separator: ", "))"
            }
        case .boolean:
            guard case .bool = value else { return "\(path): expected true or false, found \(Self.describe(value))" }
        case .array(let items, let maxItems):
            guard case .array(let elements) = value else { return "\(path): expected an array, found \(Self.describe(value))" }
            if let maxItems, elements.count > maxItems { return "\(path): \(elements.count) items, more than \(maxItems)" }
            for (i, element) in elements.enumerated() {
                if let v = items.violation(of: element, at: "\(path)[\(i)]") { return v }
            }
        case .object(let properties, let required):
            guard case .object(let o) = value else { return "\(path): expected an object, found \(Self.describe(value))" }
            for key in o.keys where !properties.contains(where: { $0.name == key }) {
                return "\(path): unexpected member '\(key)'"
            }
            for name in required where o[name] == nil { return "\(path): missing member '\(name)'" }
            for p in properties {
                if let member = o[p.name], let v = p.schema.violation(of: member, at: "\(path).\(p.name)") { return v }
            }
        }
        return nil
    }

    /// A short description of a value for messages: its kind and, when short, the value.
    static func describe(_ value: JSONValue) -> String {
        let kind: String
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return JSONValue.formatNumber(n)
        case .string: kind = "string"
        case .array: kind = "array"
        case .object: kind = "object"
        }
        let text = value.compactJSON
        return text.count <= 40 ? "\(kind) \(text)" : "\(kind) \(text.prefix(40))..."
    }
}
