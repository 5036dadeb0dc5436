import EdgeCore

/// The names an expression can start from (docs/flow-language.md §2).
enum Root: Sendable, Equatable {
    /// The message that entered this action's channel.
    case payload
    /// That message's context.
    case context
    /// `event` used whole: `{"payload": ..., "context": ...}`.
    case event
    /// The trigger's payload.
    case eventPayload
    /// The trigger's context.
    case eventContext
    /// The action's raw result (transform content only).
    case result
}

/// `==`, `!=`, `<`, `<=`, `>`, `>=`.
enum ComparisonOperator: Sendable {
    case equal, notEqual, less, lessEqual, greater, greaterEqual
}

/// `+`, `-`, `*`, `/`, `%`.
enum ArithmeticOperator: Sendable {
    case add, subtract, multiply, divide, remainder
}

/// The resolved tree both evaluators run: names are roots, calls name a builtin whose arity
/// was checked, `x["key"]` became a member access.
indirect enum Node: Sendable {
    case literal(JSONValue)
    case root(Root)
    case member(Node, String)
    case index(Node, Node)
    case call(Builtin, [Node])
    case not(Node)
    case negate(Node)
    case and(Node, Node)
    case or(Node, Node)
    case comparison(ComparisonOperator, Node, Node)
    case arithmetic(ArithmeticOperator, Node, Node)
}
