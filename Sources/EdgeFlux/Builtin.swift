import EdgeCore

/// The functions an expression may call (docs/flow-language.md §5): the six the cloud confirms and
/// the edge extensions. A function given an argument of the wrong type returns `null`.
enum Builtin: String, CaseIterable, Sendable {
    // Confirmed by the cloud service.
    case now, getUTCDayOfWeek, datetimeFromISOString, startsWith, toUpperCase, len
    // Edge extensions.
    case toLowerCase, endsWith, contains, abs, round, floor, ceil, min, max, toNumber, toString
    case getUTCHours, getUTCMinutes, formatISOString

    /// Every name, sorted, for the "unknown function" hint.
    static let supportedNames: String = allCases.map(\.rawValue).sorted().joined(separator: ", ")

    /// Fewest arguments accepted.
    var minimumArity: Int {
        switch self {
        case .now: 0
        case .startsWith, .endsWith, .contains: 2
        default: 1
        }
    }

    /// Most arguments accepted; nil means any number.
    var maximumArity: Int? {
        switch self {
        case .now: 0
        case .startsWith, .endsWith, .contains, .round: 2
        case .min, .max: nil
        default: 1
        }
    }

    /// Whether the result depends only on the arguments (so constant arguments fold at compile time).
    var isPure: Bool { self != .now }

    /// `takes 2 arguments`, `takes 1 or 2 arguments`, `takes at least 1 argument`.
    var arityDescription: String {
        func plural(_ n: Int) -> String { n == 1 ? "1 argument" : "\(n) arguments" }
        guard let maximum = maximumArity else { return "takes at least \(plural(minimumArity))" }
        if maximum == minimumArity { return "takes \(plural(maximum))" }
        return "takes \(minimumArity) or \(plural(maximum))"
    }

    /// The wall clock in Unix milliseconds.
    static func now(_ clock: any EdgeClock) -> JSONValue {
        .number(Double(UTCDate.floorDivide(clock.wallNanoseconds(), 1_000_000)))
    }

    /// Applies a function of one argument.
    static func apply(_ function: Builtin, _ x: JSONValue) -> JSONValue {
        switch function {
        case .getUTCDayOfWeek: return dateField(x, UTCDate.dayOfWeek)
        case .getUTCHours: return dateField(x, UTCDate.hours)
        case .getUTCMinutes: return dateField(x, UTCDate.minutes)
        case .datetimeFromISOString:
            guard case .string(let s) = x, let ms = UTCDate.parse(s) else { return .null }
            return .number(Double(ms))
        case .formatISOString:
            guard case .number(let n) = x, let ms = UTCDate.milliseconds(n), let text = UTCDate.format(ms) else {
                return .null
            }
            return .string(text)
        case .toUpperCase:
            guard case .string(let s) = x else { return .null }
            return .string(s.uppercased())
        case .toLowerCase:
            guard case .string(let s) = x else { return .null }
            return .string(s.lowercased())
        case .len:
            switch x {
            case .string(let s): return .number(Double(s.unicodeScalars.count))
            case .array(let items): return .number(Double(items.count))
            case .object(let object): return .number(Double(object.count))
            default: return .null
            }
        case .abs, .floor, .ceil, .round:
            guard case .number(let n) = x, let r = number(function, n), r.isFinite else { return .null }
            return .number(r)
        case .min, .max:
            if case .array(let items) = x { return extreme(function, items) }
            guard case .number = x else { return .null }
            return x
        case .toNumber: return toNumber(x)
        case .toString: return .string(Semantics.text(x))
        case .now, .startsWith, .endsWith, .contains: return .null
        }
    }

    /// The one-argument numeric functions on a plain double, for the typed fast path.
    static func number(_ function: Builtin, _ n: Double) -> Double? {
        switch function {
        case .abs: return Swift.abs(n)
        case .floor: return n.rounded(.down)
        case .ceil: return n.rounded(.up)
        case .round: return roundHalfUp(n)
        default: return nil
        }
    }

    /// Applies a function of two arguments.
    static func apply(_ function: Builtin, _ a: JSONValue, _ b: JSONValue) -> JSONValue {
        switch function {
        case .startsWith:
            guard case .string(let s) = a, case .string(let p) = b else { return .null }
            return .bool(s.utf8.starts(with: p.utf8))
        case .endsWith:
            guard case .string(let s) = a, case .string(let p) = b else { return .null }
            return .bool(s.utf8.reversed().starts(with: p.utf8.reversed()))
        case .contains:
            switch (a, b) {
            case (.string(let s), .string(let part)): return .bool(containsBytes(s, part))
            case (.array(let items), _): return .bool(items.contains { Semantics.equal($0, b) })
            default: return .null
            }
        case .round:
            guard case .number(let n) = a, case .number(let d) = b, d == d.rounded(), Swift.abs(d) <= 15 else {
                return .null
            }
            let scale = power10(Int(d))
            let r = roundHalfUp(n * scale) / scale
            return r.isFinite ? .number(r) : .null
        case .min, .max:
            return extreme(function, [a, b])
        default:
            return .null
        }
    }

    /// Applies a function to any number of arguments (the tree walker's entry point).
    static func apply(_ function: Builtin, arguments: [JSONValue], clock: any EdgeClock) -> JSONValue {
        switch arguments.count {
        case 0: return function == .now ? now(clock) : .null
        case 1: return apply(function, arguments[0])
        case 2: return apply(function, arguments[0], arguments[1])
        default: return function == .min || function == .max ? extreme(function, arguments) : .null
        }
    }

    /// `min`/`max` of numbers; `null` when any is not a number or there are none.
    static func extreme(_ function: Builtin, _ values: [JSONValue]) -> JSONValue {
        var best: Double? = nil
        for value in values {
            guard case .number(let n) = value else { return .null }
            if let current = best {
                best = function == .min ? Swift.min(current, n) : Swift.max(current, n)
            } else {
                best = n
            }
        }
        return best.map(JSONValue.number) ?? .null
    }

    private static func dateField(_ x: JSONValue, _ field: (Int64) -> Int64) -> JSONValue {
        guard case .number(let n) = x, let ms = UTCDate.milliseconds(n) else { return .null }
        return .number(Double(field(ms)))
    }

    /// JavaScript's `Math.round`: halves go toward +infinity (-2.5 → -2).
    static func roundHalfUp(_ n: Double) -> Double {
        let down = n.rounded(.down)
        return n - down >= 0.5 ? down + 1 : down
    }

    private static func power10(_ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<Swift.abs(exponent) { result *= 10 }
        return exponent < 0 ? 1 / result : result
    }

    private static func containsBytes(_ haystack: String, _ needle: String) -> Bool {
        let h = Array(haystack.utf8)
        let n = Array(needle.utf8)
        if n.isEmpty { return true }
        guard n.count <= h.count else { return false }
        // UTF-8 is self-synchronising, so a byte match is a code point match.
        for start in 0...(h.count - n.count) where h[start] == n[0] {
            var offset = 1
            while offset < n.count, h[start + offset] == n[offset] { offset += 1 }
            if offset == n.count { return true }
        }
        return false
    }

    /// Numbers pass through, strings in decimal notation (surrounding whitespace allowed)
    /// convert, booleans are 1 and 0, anything else is `null`.
    static func toNumber(_ x: JSONValue) -> JSONValue {
        switch x {
        case .number: return x
        case .bool(let b): return .number(b ? 1 : 0)
        case .string(let s):
            let trimmed = s.utf8.drop { isSpace($0) }.reversed().drop { isSpace($0) }.reversed()
            let bytes = Array(trimmed)
            guard isDecimal(bytes), let value = Double(String(decoding: bytes, as: UTF8.self)), value.isFinite else {
                return .null
            }
            return .number(value)
        default: return .null
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// `[+-]digits[.digits][e[+-]digits]` or `[+-].digits...`: what a person writes, without
    /// the hex, `inf` and `nan` spellings `Double.init` would also take.
    private static func isDecimal(_ bytes: [UInt8]) -> Bool {
        var i = 0
        func isDigit(_ k: Int) -> Bool { k < bytes.count && bytes[k] >= 0x30 && bytes[k] <= 0x39 }
        if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
        var mantissaDigits = 0
        while isDigit(i) {
            i += 1
            mantissaDigits += 1
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            while isDigit(i) {
                i += 1
                mantissaDigits += 1
            }
        }
        guard mantissaDigits > 0 else { return false }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard isDigit(i) else { return false }
            while isDigit(i) { i += 1 }
        }
        return i == bytes.count
    }
}
