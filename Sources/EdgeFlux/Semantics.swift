import EdgeCore

/// The value rules of docs/flow-language.md §5, shared by the compiled form and the tree walker so
/// the two cannot drift apart.
enum Semantics {
    /// Whether a value counts as true: only the boolean `true` does.
    @inline(__always)
    static func isTrue(_ value: JSONValue) -> Bool {
        if case .bool(true) = value { return true }
        return false
    }

    /// A number result, or `null` when it is not finite (JSON has no NaN or infinity; this is
    /// also how division by zero becomes `null`).
    @inline(__always)
    static func finite(_ value: Double) -> JSONValue {
        value.isFinite ? .number(value) : .null
    }

    /// Arithmetic on two numbers; nil when the result is not finite.
    @inline(__always)
    static func arithmetic(_ op: ArithmeticOperator, _ a: Double, _ b: Double) -> Double? {
        let r: Double
        switch op {
        case .add: r = a + b
        case .subtract: r = a - b
        case .multiply: r = a * b
        case .divide: r = a / b
        case .remainder: r = a.truncatingRemainder(dividingBy: b)
        }
        return r.isFinite ? r : nil
    }

    /// Arithmetic on any two values: numbers compute, `+` joins two strings, anything else is `null`.
    static func arithmetic(_ op: ArithmeticOperator, _ lhs: JSONValue, _ rhs: JSONValue) -> JSONValue {
        switch (lhs, rhs) {
        case (.number(let a), .number(let b)):
            if let r = arithmetic(op, a, b) { return .number(r) }
            return .null
        case (.string(let a), .string(let b)) where op == .add:
            return .string(a + b)
        default:
            return .null
        }
    }

    /// Unary minus: numbers only.
    static func negate(_ value: JSONValue) -> JSONValue {
        if case .number(let n) = value { return .number(-n) }
        return .null
    }

    /// Comparison of two numbers (relational operators on doubles).
    @inline(__always)
    static func compare(_ op: ComparisonOperator, _ a: Double, _ b: Double) -> Bool {
        switch op {
        case .equal: a == b
        case .notEqual: a != b
        case .less: a < b
        case .lessEqual: a <= b
        case .greater: a > b
        case .greaterEqual: a >= b
        }
    }

    /// Strings compare by Unicode code point, which is the order of their UTF-8 bytes.
    static func compare(_ op: ComparisonOperator, _ a: String, _ b: String) -> Bool {
        switch op {
        case .equal: return sameText(a, b)
        case .notEqual: return !sameText(a, b)
        case .less: return codePointLess(a, b)
        case .lessEqual: return !codePointLess(b, a)
        case .greater: return codePointLess(b, a)
        case .greaterEqual: return !codePointLess(a, b)
        }
    }

    /// Lexicographic order of code points. Swift's own `<` orders by canonical equivalence,
    /// which is costlier and differs from what a JavaScript engine does for plain text.
    static func codePointLess(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// Structural equality with strings (and keys) compared by code point, consistent with
    /// `<`; Swift's `==` on strings would also equate canonically equivalent spellings.
    static func equal(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return sameText(a, b)
        case (.array(let a), .array(let b)):
            guard a.count == b.count else { return false }
            for (x, y) in zip(a, b) where !equal(x, y) { return false }
            return true
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for member in a.members {
                guard let other = b.members.first(where: { sameText($0.key, member.key) }),
                    equal(member.value, other.value)
                else { return false }
            }
            return true
        default: return false
        }
    }

    /// Code point equality of two strings.
    @inline(__always)
    static func sameText(_ a: String, _ b: String) -> Bool {
        a.utf8.elementsEqual(b.utf8)
    }

    /// `==`/`!=` compare structurally; `<`, `<=`, `>`, `>=` compare two numbers or two strings
    /// and are false for anything else.
    static func compare(_ op: ComparisonOperator, _ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        switch op {
        case .equal: return equal(lhs, rhs)
        case .notEqual: return !equal(lhs, rhs)
        default:
            switch (lhs, rhs) {
            case (.number(let a), .number(let b)): return compare(op, a, b)
            case (.string(let a), .string(let b)): return compare(op, a, b)
            default: return false
            }
        }
    }

    /// `x[i]`: arrays take a whole non-negative number, objects a string key (or a number,
    /// which names the key it prints as, as in JavaScript); anything else is `null`.
    static func index(_ container: JSONValue, _ key: JSONValue) -> JSONValue {
        switch (container, key) {
        case (.array(let items), .number(let n)):
            guard n >= 0, n < Double(items.count), n == n.rounded(.towardZero) else { return .null }
            return items[Int(n)]
        case (.object(let object), .string(let name)):
            return object[name] ?? .null
        case (.object(let object), .number(let n)):
            return object[JSONValue.formatNumber(n)] ?? .null
        default:
            return .null
        }
    }

    /// How a value appears in a template or `toString`: strings raw, numbers in shortest
    /// round-trip form, booleans and null as words, arrays and objects as compact JSON.
    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return s
        case .number(let n): return JSONValue.formatNumber(n)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array, .object: return value.compactJSON
        }
    }

    /// Appends the template form of a value.
    static func appendText(_ value: JSONValue, to out: inout String) {
        switch value {
        case .string(let s): out += s
        case .number(let n): out += JSONValue.formatNumber(n)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .array, .object: JSONValue.write(value, into: &out)
        }
    }
}
