/// Why a JSON text was refused, and where: 1-based line and column (in Unicode scalars) of
/// the offending character, so a technician can find it in a config file or a CLI argument.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong, e.g. `expected ',' or '}' after object member`.
    public var message: String
    /// 1-based line of the problem.
    public var line: Int
    /// 1-based column of the problem, counted in Unicode scalars.
    public var column: Int
    /// 0-based UTF-8 byte offset of the problem.
    public var offset: Int

    /// Creates an error.
    public init(message: String, line: Int, column: Int, offset: Int) {
        self.message = message
        self.line = line
        self.column = column
        self.offset = offset
    }

    /// `message at line:column`.
    public var description: String { "\(message) at \(line):\(column)" }
}

extension JSONValue {
    /// How deeply arrays and objects may nest before parsing is refused; bounds stack use on
    /// hostile input (each level is a recursive call).
    public static let maximumParseDepth = 512

    /// Parses a JSON text strictly (RFC 8259): one value, optional surrounding whitespace, no
    /// comments, no trailing commas, no NaN. A duplicate object key keeps the last value.
    public static func parse(_ text: String, maximumDepth: Int = maximumParseDepth) throws(JSONParseError) -> JSONValue
    {
        var copy = text
        // `withUTF8` only rethrows untyped errors, so the outcome travels out as a Result.
        let outcome = copy.withUTF8 { (bytes) -> Result<JSONValue, JSONParseError> in
            var parser = JSONByteParser(bytes: bytes, maximumDepth: maximumDepth)
            do throws(JSONParseError) {
                return .success(try parser.parseDocument())
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }
}

/// A recursive-descent parser over UTF-8 bytes. Swift strings are valid UTF-8 already, so only
/// JSON's own grammar needs checking.
private struct JSONByteParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let maximumDepth: Int
    var position = 0
    var depth = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if position < bytes.count {
            throw error("unexpected \(describeCurrent()) after the JSON value")
        }
        return value
    }

    // MARK: values

    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard position < bytes.count else { throw error("expected a JSON value but found end of input") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try parseLiteral("true", .bool(true))
        case UInt8(ascii: "f"): return try parseLiteral("false", .bool(false))
        case UInt8(ascii: "n"): return try parseLiteral("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("expected a JSON value but found \(describeWord())")
        }
    }

    mutating func parseLiteral(_ word: StaticString, _ value: JSONValue) throws(JSONParseError) -> JSONValue {
        let start = position
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for byte in expected {
            guard position < bytes.count, bytes[position] == byte else {
                position = start
                throw error("expected a JSON value but found \(describeWord())")
            }
            position += 1
        }
        if position < bytes.count, isWordByte(bytes[position]) {
            position = start
            throw error("expected a JSON value but found \(describeWord())")
        }
        return value
    }

    mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > maximumDepth {
            throw error("arrays and objects nest deeper than \(maximumDepth) levels")
        }
    }

    mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enter()
        position += 1  // [
        var items: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try parseValue())
            skipWhitespace()
            guard position < bytes.count else {
                throw error("expected ',' or ']' after array element but found end of input")
            }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                skipWhitespace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                    throw error("trailing ',' before ']' is not allowed in JSON")
                }
                continue
            }
            if bytes[position] == UInt8(ascii: "]") {
                position += 1
                depth -= 1
                return .array(items)
            }
            throw error("expected ',' or ']' after array element but found \(describeCurrent())")
        }
    }

    mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enter()
        position += 1  // {
        var members: [(key: String, value: JSONValue)] = []
        // Keys seen so far, kept once an object is large enough that searching the members for
        // a duplicate would cost more than hashing.
        var seen: [String: Int]?
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(JSONObject())
        }
        while true {
            skipWhitespace()
            guard position < bytes.count else { throw error("expected a string key but found end of input") }
            guard bytes[position] == UInt8(ascii: "\"") else {
                if bytes[position] == UInt8(ascii: "}") {
                    throw error("trailing ',' before '}' is not allowed in JSON")
                }
                throw error("expected a string key in double quotes but found \(describeCurrent())")
            }
            let key = try parseString()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                throw error("expected ':' after object key but found \(describeCurrent())")
            }
            position += 1
            skipWhitespace()
            let value = try parseValue()
            // A later duplicate replaces the earlier value, in the earlier member's place.
            if let index = seen?[key] ?? (seen == nil ? members.firstIndex(where: { $0.key == key }) : nil) {
                members[index].value = value
            } else {
                members.append((key, value))
                if seen != nil {
                    seen?[key] = members.count - 1
                } else if members.count == 16 {
                    var index: [String: Int] = [:]
                    for (i, member) in members.enumerated() { index[member.key] = i }
                    seen = index
                }
            }
            skipWhitespace()
            guard position < bytes.count else {
                throw error("expected ',' or '}' after object member but found end of input")
            }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            if bytes[position] == UInt8(ascii: "}") {
                position += 1
                depth -= 1
                return .object(JSONObject(uniqueMembers: members))
            }
            throw error("expected ',' or '}' after object member but found \(describeCurrent())")
        }
    }

    // MARK: numbers

    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = position
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else {
            throw error("expected a digit in number but found \(describeCurrent())")
        }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, isDigit(bytes[position]) {
                throw error("leading zeros are not allowed in JSON numbers")
            }
        } else {
            skipDigits()
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else {
                throw error("expected a digit after '.' in number but found \(describeCurrent())")
            }
            skipDigits()
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard position < bytes.count, isDigit(bytes[position]) else {
                throw error("expected a digit in the exponent but found \(describeCurrent())")
            }
            skipDigits()
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            let end = position
            position = start
            let shown = end - start > 40 ? String(text.prefix(40)) + "..." : text
            throw error("number \(shown) is out of range of a double")
        }
        return .number(value)
    }

    mutating func skipDigits() {
        while position < bytes.count, isDigit(bytes[position]) { position += 1 }
    }

    // MARK: strings

    mutating func parseString() throws(JSONParseError) -> String {
        let open = position
        position += 1  // "
        let start = position
        // Fast path: no escapes, so the bytes are the string.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                position += 1
                return s
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("control character \(hexByte(byte)) must be escaped in a string") }
            position += 1
        }
        guard position < bytes.count else {
            position = open
            throw error("unterminated string")
        }
        var scalars = String.UnicodeScalarView()
        scalars.append(
            contentsOf: String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                .unicodeScalars)
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return String(scalars)
            }
            if byte < 0x20 { throw error("control character \(hexByte(byte)) must be escaped in a string") }
            if byte == UInt8(ascii: "\\") {
                scalars.append(try parseEscape())
                continue
            }
            // Copy one whole UTF-8 sequence.
            let length = utf8SequenceLength(byte)
            let end = Swift.min(position + length, bytes.count)
            let piece = String(decoding: UnsafeBufferPointer(rebasing: bytes[position..<end]), as: UTF8.self)
            scalars.append(contentsOf: piece.unicodeScalars)
            position = end
        }
        position = open
        throw error("unterminated string")
    }

    mutating func parseEscape() throws(JSONParseError) -> Unicode.Scalar {
        let escapeStart = position
        position += 1  // backslash
        guard position < bytes.count else {
            position = escapeStart
            throw error("unterminated escape in string")
        }
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let high = try parseHex4(escapeStart: escapeStart)
            if (0xD800...0xDBFF).contains(high) {
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                    bytes[position + 1] == UInt8(ascii: "u")
                else {
                    position = escapeStart
                    throw error("unpaired surrogate \\u\(hex4(high)) in string")
                }
                position += 2
                let low = try parseHex4(escapeStart: escapeStart)
                guard (0xDC00...0xDFFF).contains(low) else {
                    position = escapeStart
                    throw error("unpaired surrogate \\u\(hex4(high)) in string")
                }
                let combined = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                if let scalar = Unicode.Scalar(combined) { return scalar }
            } else if let scalar = Unicode.Scalar(high) {
                return scalar
            }
            position = escapeStart
            throw error("unpaired surrogate \\u\(hex4(high)) in string")
        default:
            position = escapeStart
            throw error("invalid escape in string; JSON allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX")
        }
    }

    mutating func parseHex4(escapeStart: Int) throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard position < bytes.count, let digit = hexDigitValue(bytes[position]) else {
                position = escapeStart
                throw error("expected four hex digits after \\u")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    // MARK: helpers

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): position += 1
            default: return
            }
        }
    }

    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    func isWordByte(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
            || byte == UInt8(ascii: "_")
    }

    func hexDigitValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    func utf8SequenceLength(_ lead: UInt8) -> Int {
        switch lead {
        case 0xF0...: 4
        case 0xE0...: 3
        case 0xC0...: 2
        default: 1
        }
    }

    func hexByte(_ byte: UInt8) -> String {
        "U+00" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
    }

    func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: Swift.max(0, 4 - digits.count)) + digits
    }

    /// The character at the current position, quoted, or "end of input".
    func describeCurrent() -> String {
        guard position < bytes.count else { return "end of input" }
        let byte = bytes[position]
        if byte < 0x20 { return hexByte(byte) }
        let end = Swift.min(position + utf8SequenceLength(byte), bytes.count)
        return "'" + String(decoding: UnsafeBufferPointer(rebasing: bytes[position..<end]), as: UTF8.self) + "'"
    }

    /// The bare word at the current position (`True`, `nul`), for misspelt literals.
    func describeWord() -> String {
        var end = position
        while end < bytes.count, end - position < 20, isWordByte(bytes[end]) { end += 1 }
        guard end > position else { return describeCurrent() }
        return "'" + String(decoding: UnsafeBufferPointer(rebasing: bytes[position..<end]), as: UTF8.self) + "'"
    }

    /// An error located at the current position; line and column are computed only now, so
    /// the successful path never counts lines.
    func error(_ message: String) -> JSONParseError {
        let offset = Swift.min(position, bytes.count)
        var line = 1
        var column = 1
        var index = 0
        while index < offset {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            index += 1
        }
        return JSONParseError(message: message, line: line, column: column, offset: offset)
    }
}
