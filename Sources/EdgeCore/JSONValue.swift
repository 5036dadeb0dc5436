/// A JSON value: what flows through channels as payloads and contexts, and what
/// expressions compute with. Objects keep their keys in insertion order so rendered
/// messages read the way their templates were written.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// Member access with Flux semantics: a missing key, or access on a non-object, gives `null`.
    public subscript(key: String) -> JSONValue {
        if case .object(let object) = self { return object[key] ?? .null }
        return .null
    }

    /// Index access with Flux semantics: out of range, or access on a non-array, gives `null`.
    public subscript(index: Int) -> JSONValue {
        if case .array(let items) = self, index >= 0, index < items.count { return items[index] }
        return .null
    }

    /// The number, if this is one.
    public var numberValue: Double? {
        if case .number(let n) = self { return n }
        return nil
    }

    /// The string, if this is one.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The boolean, if this is one.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }
}

/// A JSON object that keeps insertion order; lookups are linear, which is faster than
/// hashing for the handful of keys a sensor message has.
public struct JSONObject: Sendable, Equatable {
    /// The members in insertion order.
    public private(set) var members: [(key: String, value: JSONValue)]

    /// Creates an object from members; a later duplicate key replaces the earlier value.
    public init(_ members: [(key: String, value: JSONValue)] = []) {
        self.members = []
        self.members.reserveCapacity(members.count)
        for (key, value) in members { self[key] = value }
    }

    /// Creates an object from members whose keys the caller has already made unique (the
    /// parser does): no per-member search, which for a 100-member object saves ~5,000 key
    /// comparisons.
    public init(uniqueMembers members: [(key: String, value: JSONValue)]) {
        self.members = members
    }

    /// The value for a key, or nil when absent. Setting nil removes the key.
    public subscript(key: String) -> JSONValue? {
        get {
            for member in members where member.key == key { return member.value }
            return nil
        }
        set {
            if let index = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append((key, newValue))
            }
        }
    }

    /// The number of members.
    public var count: Int { members.count }
    /// The keys in order.
    public var keys: [String] { members.map(\.key) }

    /// Structural equality: same keys with equal values, regardless of order (as JSON defines it).
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for (key, value) in lhs.members {
            guard let other = rhs[key], other == value else { return false }
        }
        return true
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { (key: $0.0, value: $0.1) }))
    }
}
