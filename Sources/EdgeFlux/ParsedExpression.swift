public import EdgeCore

/// An expression that parsed and passed the semantic checks (names, functions, arity), ready
/// to be compiled or interpreted. Parsing once and handing the result to both evaluators is
/// how tests and benchmarks compare them on the very same tree.
public struct ParsedExpression: Sendable {
    /// The expression as written.
    public let source: String
    /// The options it was checked against; compilation uses them too.
    public let options: CompileOptions
    let node: Node

    /// Parses and checks `source`; throws the first problem with its column.
    public init(_ source: String, options: CompileOptions = CompileOptions()) throws(ExpressionError) {
        let tokens = try Lexer.tokenize(Array(source.unicodeScalars))
        var parser = Parser(tokens: tokens)
        let syntax = try parser.parseAll()
        self.init(
            source: source, options: options, node: try Resolver(allowsResult: options.allowsResult).resolve(syntax))
    }

    init(source: String, options: CompileOptions, node: Node) {
        self.source = source
        self.options = options
        self.node = node
    }

    /// The value, when the expression does not depend on its environment (e.g. `1 + 2`).
    public var constantValue: JSONValue? {
        if case .literal(let value) = Folder.fold(node) { return value }
        return nil
    }
}
