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
        var resolver = Resolver(allowsResult: options.allowsResult)
        let node = try resolver.resolve(syntax)
        self.init(source: source, options: options, node: node, payloadReferences: resolver.payloadReferences)
    }

    init(source: String, options: CompileOptions, node: Node, payloadReferences: [PayloadReference] = []) {
        self.source = source
        self.options = options
        self.node = node
        self.payloadReferences = payloadReferences
    }

    /// Every `payload.<name>` (and `event.payload.<name>`) the expression reads, so the config
    /// compiler can check names against a device source's points and warn about a misspelt one.
    public let payloadReferences: [PayloadReference]

    /// The value, when the expression does not depend on its environment (e.g. `1 + 2`).
    public var constantValue: JSONValue? {
        if case .literal(let value) = Folder.fold(node) { return value }
        return nil
    }
}

/// A `payload.<name>` read in an expression or template: the name and the 1-based column of
/// the name in the source (the whole field for templates).
public struct PayloadReference: Sendable, Equatable {
    /// The member name, e.g. `temp`.
    public var name: String
    /// Where the name starts.
    public var column: Int
    /// True for `event.payload.<name>` (the trigger's payload, which is this message only on the first hop).
    public var viaEvent: Bool

    /// Creates a reference.
    public init(name: String, column: Int, viaEvent: Bool) {
        self.name = name
        self.column = column
        self.viaEvent = viaEvent
    }
}
