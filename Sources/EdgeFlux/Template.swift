import EdgeCore

/// A string field with `${expr}` parts (docs/flow-language.md §5, Templates), compiled once. A part's
/// value is inserted as text: strings raw, numbers in shortest round-trip form, booleans and
/// null as words, arrays and objects as compact JSON. A `$` not followed by `{` is literal.
public struct Template: Sendable {
    enum Part: Sendable {
        case text(String)
        case expression(CompiledExpression)
    }

    /// The template as written.
    public let source: String
    let parts: [Part]

    /// Compiles `source`. Errors carry the column inside the whole string; an unterminated
    /// `${` is reported at its `$`.
    public init(_ source: String, options: CompileOptions = CompileOptions()) throws(ExpressionError) {
        self.source = source
        let scalars = Array(source.unicodeScalars)
        var parts: [Part] = []
        var references: [PayloadReference] = []
        var text = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            guard scalars[index] == "$", index + 1 < scalars.count, scalars[index + 1] == "{" else {
                text.append(scalars[index])
                index += 1
                continue
            }
            let openColumn = index + 1
            let (tokens, close) = try Lexer.tokenizeTemplatePart(scalars, from: index + 2, openColumn: openColumn)
            if tokens.count == 1 {
                throw ExpressionError(
                    column: openColumn, message: "empty '${}'", hint: "put an expression inside, e.g. ${payload.temp}")
            }
            var parser = Parser(tokens: tokens)
            let syntax = try parser.parseAll()
            var resolver = Resolver(allowsResult: options.allowsResult)
            let node = try resolver.resolve(syntax)
            references += resolver.payloadReferences
            let expressionSource = String(String.UnicodeScalarView(scalars[(index + 2)..<close]))
            if !text.isEmpty {
                parts.append(.text(String(text)))
                text = String.UnicodeScalarView()
            }
            let parsed = ParsedExpression(
                source: expressionSource, options: options, node: node, payloadReferences: resolver.payloadReferences)
            let compiled = CompiledExpression(parsed)
            if let constant = compiled.constantValue {
                // A constant part is text known now; merge it with its neighbours.
                text.append(contentsOf: Semantics.text(constant).unicodeScalars)
            } else {
                parts.append(.expression(compiled))
            }
            index = close + 1
        }
        if !text.isEmpty { parts.append(.text(String(text))) }
        self.parts = parts
        self.payloadReferences = references
    }

    /// Every `payload.<name>` (and `event.payload.<name>`) the template reads, with columns in
    /// the whole string; see `ParsedExpression.payloadReferences`.
    public let payloadReferences: [PayloadReference]

    /// Whether the template has no expression parts (its text is `render` of any environment).
    public var isConstant: Bool {
        parts.allSatisfy { if case .text = $0 { true } else { false } }
    }

    /// The expression when the whole template is exactly one `${expr}`, so a caller wanting
    /// a JSON value (not text) can evaluate it directly.
    public var singleExpression: CompiledExpression? {
        guard parts.count == 1, case .expression(let expression) = parts[0] else { return nil }
        return expression
    }

    /// The rendered text.
    public func render(_ environment: EvaluationEnvironment) -> String {
        var out = ""
        render(environment, into: &out)
        return out
    }

    /// Appends the rendered text to `out`.
    public func render(_ environment: EvaluationEnvironment, into out: inout String) {
        for part in parts {
            switch part {
            case .text(let text): out += text
            case .expression(let expression): Semantics.appendText(expression.evaluate(environment), to: &out)
            }
        }
    }
}
