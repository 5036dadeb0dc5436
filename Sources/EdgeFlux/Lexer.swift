/// The kinds of token the expression grammar knows.
enum TokenKind: Equatable, Sendable {
    case number(Double)
    case string(String)
    case identifier(String)
    case orOr, andAnd, equal, notEqual, less, lessEqual, greater, greaterEqual
    case plus, minus, star, slash, percent, bang, dot, comma
    case leftParen, rightParen, leftBracket, rightBracket
    case end
}

/// One token with the 1-based column where it starts and its text as written (for messages).
struct Token: Sendable {
    var kind: TokenKind
    var column: Int
    var text: String

    /// How the token is named in "expected X but found Y" messages.
    var described: String {
        switch kind {
        case .end: return text == "}" ? "'}'" : "end of expression"
        case .number: return "number \(text)"
        case .string: return "string \(text.count > 32 ? String(text.prefix(32)) + "..." : text)"
        case .identifier(let name): return "name '\(name)'"
        default: return "'\(text)'"
        }
    }
}

/// Splits expression text into tokens. Works on Unicode scalars so columns count what a
/// person sees for everything but combining sequences; in template mode it starts after `${`
/// and stops at the `}` that closes it (a `}` inside a string literal does not count).
struct Lexer {
    let scalars: [Unicode.Scalar]
    var index: Int
    let templateOpenColumn: Int?

    /// Tokens of a whole expression.
    static func tokenize(_ scalars: [Unicode.Scalar]) throws(ExpressionError) -> [Token] {
        var lexer = Lexer(scalars: scalars, index: 0, templateOpenColumn: nil)
        return try lexer.run()
    }

    /// Tokens of the `${...}` part that starts at `start` (just after `${`), and the index of
    /// the closing `}`.
    static func tokenizeTemplatePart(
        _ scalars: [Unicode.Scalar], from start: Int, openColumn: Int
    ) throws(ExpressionError) -> (tokens: [Token], close: Int) {
        var lexer = Lexer(scalars: scalars, index: start, templateOpenColumn: openColumn)
        let tokens = try lexer.run()
        return (tokens, lexer.index)
    }

    private mutating func run() throws(ExpressionError) -> [Token] {
        var tokens: [Token] = []
        while true {
            skipWhitespace()
            guard index < scalars.count else {
                if let open = templateOpenColumn {
                    throw ExpressionError(
                        column: open, message: "unterminated '${': no '}' closes it",
                        hint: "end the expression with '}'")
                }
                tokens.append(Token(kind: .end, column: index + 1, text: ""))
                return tokens
            }
            if templateOpenColumn != nil, scalars[index] == "}" {
                tokens.append(Token(kind: .end, column: index + 1, text: "}"))
                return tokens
            }
            tokens.append(try next())
        }
    }

    private mutating func skipWhitespace() {
        while index < scalars.count {
            switch scalars[index] {
            case " ", "\t", "\n", "\r": index += 1
            default: return
            }
        }
    }

    private func peek(_ offset: Int) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private mutating func next() throws(ExpressionError) -> Token {
        let start = index
        let column = start + 1
        let c = scalars[index]
        func op(_ kind: TokenKind, _ length: Int) -> Token {
            index += length
            return Token(kind: kind, column: column, text: String(String.UnicodeScalarView(scalars[start..<index])))
        }
        switch c {
        case "0"..."9": return try number()
        case "\"", "'": return try string()
        case "a"..."z", "A"..."Z", "_", "$": return identifier()
        case "(": return op(.leftParen, 1)
        case ")": return op(.rightParen, 1)
        case "[": return op(.leftBracket, 1)
        case "]": return op(.rightBracket, 1)
        case ".": return op(.dot, 1)
        case ",": return op(.comma, 1)
        case "+": return op(.plus, 1)
        case "-": return op(.minus, 1)
        case "*": return op(.star, 1)
        case "/": return op(.slash, 1)
        case "%": return op(.percent, 1)
        case "<": return peek(1) == "=" ? op(.lessEqual, 2) : op(.less, 1)
        case ">": return peek(1) == "=" ? op(.greaterEqual, 2) : op(.greater, 1)
        case "&":
            if peek(1) == "&" { return op(.andAnd, 2) }
            throw ExpressionError(column: column, message: "unexpected '&'", hint: "use && for logical and")
        case "|":
            if peek(1) == "|" { return op(.orOr, 2) }
            throw ExpressionError(column: column, message: "unexpected '|'", hint: "use || for logical or")
        case "=":
            if peek(1) == "=" {
                if peek(2) == "=" {
                    throw ExpressionError(
                        column: column, message: "'===' is not supported",
                        hint: "use ==, which already compares type and value")
                }
                return op(.equal, 2)
            }
            throw ExpressionError(column: column, message: "unexpected '='", hint: "use == to compare")
        case "!":
            if peek(1) == "=" {
                if peek(2) == "=" {
                    throw ExpressionError(
                        column: column, message: "'!==' is not supported",
                        hint: "use !=, which already compares type and value")
                }
                return op(.notEqual, 2)
            }
            return op(.bang, 1)
        default:
            throw ExpressionError(column: column, message: "unexpected character \(quoted(c))")
        }
    }

    private func quoted(_ c: Unicode.Scalar) -> String {
        if c.value < 0x20 || c.value == 0x7F {
            return "U+" + String(c.value, radix: 16, uppercase: true)
        }
        return "'\(Character(c))'"
    }

    private func isIdentifierScalar(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "a"..."z", "A"..."Z", "0"..."9", "_", "$": true
        default: false
        }
    }

    private mutating func identifier() -> Token {
        let start = index
        while index < scalars.count, isIdentifierScalar(scalars[index]) { index += 1 }
        let name = String(String.UnicodeScalarView(scalars[start..<index]))
        return Token(kind: .identifier(name), column: start + 1, text: name)
    }

    private mutating func number() throws(ExpressionError) -> Token {
        let start = index
        func digits() { while index < scalars.count, ("0"..."9").contains(scalars[index]) { index += 1 } }
        digits()
        if index < scalars.count, scalars[index] == ".", let after = peek(1), ("0"..."9").contains(after) {
            index += 1
            digits()
        }
        if index < scalars.count, scalars[index] == "e" || scalars[index] == "E" {
            let save = index
            index += 1
            if index < scalars.count, scalars[index] == "+" || scalars[index] == "-" { index += 1 }
            if index < scalars.count, ("0"..."9").contains(scalars[index]) {
                digits()
            } else {
                index = save
                throw ExpressionError(
                    column: save + 1, message: "expected digits in the exponent of a number",
                    hint: "write e.g. 1e3 or 2.5e-4")
            }
        }
        // A number running into letters (0x1F, 12abc) is one bad token, not two good ones.
        if index < scalars.count, isIdentifierScalar(scalars[index]) {
            var end = index
            while end < scalars.count, isIdentifierScalar(scalars[end]) { end += 1 }
            let text = String(String.UnicodeScalarView(scalars[start..<end]))
            throw ExpressionError(
                column: start + 1, message: "invalid number '\(text)'",
                hint: "numbers are decimal, e.g. 42, 3.5 or 1e-3")
        }
        let text = String(String.UnicodeScalarView(scalars[start..<index]))
        if text.count > 1, text.hasPrefix("0"), !text.hasPrefix("0."), !text.hasPrefix("0e"), !text.hasPrefix("0E") {
            throw ExpressionError(
                column: start + 1, message: "invalid number '\(text)': leading zeros are not allowed",
                hint: "write \(text.drop { $0 == "0" }.isEmpty ? "0" : String(text.drop { $0 == "0" }))")
        }
        guard let value = Double(text), value.isFinite else {
            throw ExpressionError(column: start + 1, message: "number '\(text)' is out of range of a double")
        }
        return Token(kind: .number(value), column: start + 1, text: text)
    }

    private mutating func string() throws(ExpressionError) -> Token {
        let start = index
        let quote = scalars[index]
        index += 1
        var value = String.UnicodeScalarView()
        while index < scalars.count {
            let c = scalars[index]
            if c == quote {
                index += 1
                let text = String(String.UnicodeScalarView(scalars[start..<index]))
                return Token(kind: .string(String(value)), column: start + 1, text: text)
            }
            if c.value < 0x20 {
                throw ExpressionError(
                    column: index + 1, message: "control character \(quoted(c)) inside a string",
                    hint: "write it as an escape such as \\n or \\t")
            }
            if c == "\\" {
                value.append(try escape())
                continue
            }
            value.append(c)
            index += 1
        }
        throw ExpressionError(
            column: start + 1, message: "unterminated string",
            hint: "close it with \(quote == "'" ? "'" : "\"")")
    }

    private mutating func escape() throws(ExpressionError) -> Unicode.Scalar {
        let start = index
        index += 1
        guard index < scalars.count else {
            throw ExpressionError(column: start + 1, message: "unterminated escape at the end of the string")
        }
        let c = scalars[index]
        index += 1
        switch c {
        case "\"": return "\""
        case "'": return "'"
        case "\\": return "\\"
        case "/": return "/"
        case "b": return "\u{08}"
        case "f": return "\u{0C}"
        case "n": return "\n"
        case "r": return "\r"
        case "t": return "\t"
        case "u":
            let high = try hex4(escapeStart: start)
            if (0xD800...0xDBFF).contains(high) {
                guard peek(0) == "\\", peek(1) == "u" else { throw unpaired(start, high) }
                index += 2
                let low = try hex4(escapeStart: start)
                guard (0xDC00...0xDFFF).contains(low),
                    let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
                else { throw unpaired(start, high) }
                return scalar
            }
            guard let scalar = Unicode.Scalar(high) else { throw unpaired(start, high) }
            return scalar
        default:
            throw ExpressionError(
                column: start + 1, message: "invalid escape '\\\(Character(c))' in string",
                hint: "escapes are \\\" \\' \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX")
        }
    }

    private func unpaired(_ start: Int, _ value: UInt32) -> ExpressionError {
        let hex = String(value, radix: 16, uppercase: true)
        return ExpressionError(
            column: start + 1, message: "unpaired surrogate \\u\(hex) in string",
            hint: "write characters outside the BMP as a pair such as \\uD83D\\uDE00")
    }

    private mutating func hex4(escapeStart: Int) throws(ExpressionError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < scalars.count, let digit = hexValue(scalars[index]) else {
                throw ExpressionError(column: escapeStart + 1, message: "expected four hex digits after \\u")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private func hexValue(_ c: Unicode.Scalar) -> UInt32? {
        switch c {
        case "0"..."9": c.value - 0x30
        case "a"..."f": c.value - 0x61 + 10
        case "A"..."F": c.value - 0x41 + 10
        default: nil
        }
    }
}
