/// Recursive-descent parser for the grammar of docs/flow-language.md §5, with JavaScript precedence.
/// Nesting and tree depth are capped so hostile input cannot exhaust the stack of the parser or
/// of anything that walks the tree later.
struct Parser {
    /// The deepest tree accepted (a chain `a + b + ...` is as deep as it is long).
    static let maximumDepth = 128
    /// The deepest recursion accepted for parentheses, brackets, calls and prefix operators.
    static let maximumNesting = 64

    private let tokens: [Token]
    private var position = 0
    private var nesting = 0

    init(tokens: [Token]) {
        self.tokens = tokens
    }

    /// Parses all tokens as one expression.
    mutating func parseAll() throws(ExpressionError) -> Syntax {
        if current.kind == .end {
            throw ExpressionError(column: current.column, message: "expected an expression but found nothing")
        }
        let expression = try parseExpression()
        guard current.kind == .end else { throw trailingError() }
        return expression
    }

    private var current: Token { tokens[Swift.min(position, tokens.count - 1)] }

    private mutating func advance() -> Token {
        let token = current
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private func trailingError() -> ExpressionError {
        let token = current
        let hint: String
        switch token.kind {
        case .rightParen: hint = "this ')' has no matching '('"
        case .rightBracket: hint = "this ']' has no matching '['"
        default: hint = "an operator such as &&, || or + is missing before it"
        }
        return ExpressionError(
            column: token.column, message: "unexpected \(token.described) after the end of the expression", hint: hint)
    }

    private mutating func parseExpression() throws(ExpressionError) -> Syntax {
        nesting += 1
        defer { nesting -= 1 }
        if nesting > Parser.maximumNesting { throw tooDeep(at: current.column) }
        return try parseOr()
    }

    private func tooDeep(at column: Int) -> ExpressionError {
        ExpressionError(
            column: column,
            message: "expression is nested too deeply (limit \(Parser.maximumNesting) levels of brackets and "
                + "\(Parser.maximumDepth) operators in a chain)",
            hint: "split it into simpler conditions")
    }

    private func binary(_ op: BinaryOperator, _ lhs: Syntax, _ rhs: Syntax, _ column: Int) throws(ExpressionError)
        -> Syntax
    {
        let depth = 1 + Swift.max(lhs.depth, rhs.depth)
        if depth > Parser.maximumDepth { throw tooDeep(at: column) }
        return Syntax(kind: .binary(op, lhs, rhs), column: column, depth: depth)
    }

    private mutating func parseOr() throws(ExpressionError) -> Syntax {
        var lhs = try parseAnd()
        while current.kind == .orOr {
            let op = advance()
            lhs = try binary(.or, lhs, try parseAnd(), op.column)
        }
        return lhs
    }

    private mutating func parseAnd() throws(ExpressionError) -> Syntax {
        var lhs = try parseEquality()
        while current.kind == .andAnd {
            let op = advance()
            lhs = try binary(.and, lhs, try parseEquality(), op.column)
        }
        return lhs
    }

    private mutating func parseEquality() throws(ExpressionError) -> Syntax {
        var lhs = try parseRelational()
        while true {
            let op: BinaryOperator
            switch current.kind {
            case .equal: op = .equal
            case .notEqual: op = .notEqual
            default: return lhs
            }
            let token = advance()
            lhs = try binary(op, lhs, try parseRelational(), token.column)
        }
    }

    private mutating func parseRelational() throws(ExpressionError) -> Syntax {
        var lhs = try parseAdditive()
        while true {
            let op: BinaryOperator
            switch current.kind {
            case .less: op = .less
            case .lessEqual: op = .lessEqual
            case .greater: op = .greater
            case .greaterEqual: op = .greaterEqual
            default: return lhs
            }
            let token = advance()
            lhs = try binary(op, lhs, try parseAdditive(), token.column)
        }
    }

    private mutating func parseAdditive() throws(ExpressionError) -> Syntax {
        var lhs = try parseMultiplicative()
        while true {
            let op: BinaryOperator
            switch current.kind {
            case .plus: op = .add
            case .minus: op = .subtract
            default: return lhs
            }
            let token = advance()
            lhs = try binary(op, lhs, try parseMultiplicative(), token.column)
        }
    }

    private mutating func parseMultiplicative() throws(ExpressionError) -> Syntax {
        var lhs = try parseUnary()
        while true {
            let op: BinaryOperator
            switch current.kind {
            case .star: op = .multiply
            case .slash: op = .divide
            case .percent: op = .remainder
            default: return lhs
            }
            let token = advance()
            lhs = try binary(op, lhs, try parseUnary(), token.column)
        }
    }

    private mutating func parseUnary() throws(ExpressionError) -> Syntax {
        let token = current
        guard token.kind == .bang || token.kind == .minus else { return try parsePostfix() }
        _ = advance()
        nesting += 1
        defer { nesting -= 1 }
        if nesting > Parser.maximumNesting { throw tooDeep(at: token.column) }
        let operand = try parseUnary()
        let depth = operand.depth + 1
        if depth > Parser.maximumDepth { throw tooDeep(at: token.column) }
        let kind: Syntax.Kind = token.kind == .bang ? .not(operand) : .negate(operand)
        return Syntax(kind: kind, column: token.column, depth: depth)
    }

    private mutating func parsePostfix() throws(ExpressionError) -> Syntax {
        var node = try parsePrimary()
        while true {
            switch current.kind {
            case .dot:
                _ = advance()
                let name = current
                guard case .identifier(let key) = name.kind else {
                    var hint: String? = nil
                    if case .number = name.kind { hint = "use [\(name.text)] to index an array" }
                    if case .string = name.kind { hint = "use [\(name.text)] for a key that is not a plain name" }
                    throw ExpressionError(
                        column: name.column,
                        message: "expected a property name after '.' but found \(name.described)", hint: hint)
                }
                _ = advance()
                node = try wrap(.member(node, key), over: node, column: name.column)
            case .leftBracket:
                let open = advance()
                if current.kind == .rightBracket {
                    throw ExpressionError(
                        column: current.column, message: "expected an index or key inside '[]' but found ']'")
                }
                let index = try parseExpression()
                try expectClose(.rightBracket, "]", opening: "[", at: open.column)
                let depth = 1 + Swift.max(node.depth, index.depth)
                if depth > Parser.maximumDepth { throw tooDeep(at: open.column) }
                node = Syntax(kind: .index(node, index), column: open.column, depth: depth)
            case .leftParen:
                let open = advance()
                var arguments: [Syntax] = []
                if current.kind != .rightParen {
                    while true {
                        arguments.append(try parseExpression())
                        guard current.kind == .comma else { break }
                        _ = advance()
                    }
                }
                try expectClose(.rightParen, ")", opening: "(", at: open.column, inCall: true)
                let depth = 1 + (arguments.map(\.depth).max() ?? 0)
                if depth > Parser.maximumDepth { throw tooDeep(at: open.column) }
                node = Syntax(
                    kind: .call(node, arguments), column: node.column, depth: Swift.max(depth, node.depth + 1))
            default:
                return node
            }
        }
    }

    private func wrap(_ kind: Syntax.Kind, over child: Syntax, column: Int) throws(ExpressionError) -> Syntax {
        let depth = child.depth + 1
        if depth > Parser.maximumDepth { throw tooDeep(at: column) }
        return Syntax(kind: kind, column: column, depth: depth)
    }

    private mutating func expectClose(
        _ kind: TokenKind, _ text: String, opening: String, at column: Int, inCall: Bool = false
    ) throws(ExpressionError) {
        guard current.kind == kind else {
            let expected = inCall ? "',' or '\(text)'" : "'\(text)'"
            throw ExpressionError(
                column: current.column,
                message: "expected \(expected) to close '\(opening)' at column \(column) but found \(current.described)"
            )
        }
        _ = advance()
    }

    private mutating func parsePrimary() throws(ExpressionError) -> Syntax {
        let token = current
        switch token.kind {
        case .number(let value):
            _ = advance()
            return Syntax(kind: .number(value), column: token.column, depth: 1)
        case .string(let value):
            _ = advance()
            return Syntax(kind: .string(value), column: token.column, depth: 1)
        case .identifier(let name):
            _ = advance()
            let kind: Syntax.Kind
            switch name {
            case "true": kind = .bool(true)
            case "false": kind = .bool(false)
            case "null": kind = .null
            default: kind = .identifier(name)
            }
            return Syntax(kind: kind, column: token.column, depth: 1)
        case .leftParen:
            _ = advance()
            if current.kind == .rightParen {
                throw ExpressionError(
                    column: current.column, message: "expected an expression inside '()' but found ')'")
            }
            let inner = try parseExpression()
            try expectClose(.rightParen, ")", opening: "(", at: token.column)
            return inner
        default:
            let previous = position > 0 ? tokens[position - 1] : nil
            var message = "expected a value (number, string, name or '(')"
            if let previous, isOperator(previous.kind) { message += " after '\(previous.text)'" }
            throw ExpressionError(column: token.column, message: message + " but found \(token.described)")
        }
    }

    private func isOperator(_ kind: TokenKind) -> Bool {
        switch kind {
        case .orOr, .andAnd, .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual, .plus, .minus, .star,
            .slash, .percent, .bang, .comma, .leftParen, .leftBracket:
            true
        default: false
        }
    }
}
