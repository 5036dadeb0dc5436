public import EdgeCore

/// Evaluates an expression by walking its tree on every call. It is the reference the compiled
/// form is checked and benchmarked against: simple enough to be obviously right, too slow for
/// the hot path (every node is a recursive call and a `JSONValue`).
public struct TreeWalkInterpreter: Sendable {
    /// The expression as written.
    public let source: String
    private let node: Node

    /// An interpreter for an already parsed expression.
    public init(_ parsed: ParsedExpression) {
        source = parsed.source
        node = parsed.node
    }

    /// Parses `source` and builds an interpreter for it.
    public init(_ source: String, options: CompileOptions = CompileOptions()) throws(ExpressionError) {
        self.init(try ParsedExpression(source, options: options))
    }

    /// The value of the expression in `environment`.
    public func evaluate(_ environment: EvaluationEnvironment) -> JSONValue {
        TreeWalkInterpreter.evaluate(node, environment)
    }

    /// Whether the expression is the boolean `true` in `environment` (condition semantics).
    public func evaluateCondition(_ environment: EvaluationEnvironment) -> Bool {
        Semantics.isTrue(evaluate(environment))
    }

    static func evaluate(_ node: Node, _ env: EvaluationEnvironment) -> JSONValue {
        switch node {
        case .literal(let value):
            return value
        case .root(let root):
            switch root {
            case .payload: return env.payloadValue
            case .context: return env.context
            case .event: return ["payload": env.eventPayloadValue, "context": env.eventContextValue]
            case .eventPayload: return env.eventPayloadValue
            case .eventContext: return env.eventContextValue
            case .result: return env.result
            }
        case .member(let base, let key):
            // A slot-backed payload is read by name without building its JSON object.
            if let slots = env.slots, case .root(let root) = base,
                root == .payload || (root == .eventPayload && env.eventIsMessage)
            {
                guard let slot = slots.table.slot(named: key), let v = slots.value(at: slot) else { return .null }
                return .number(v)
            }
            return evaluate(base, env)[key]
        case .index(let base, let key):
            return Semantics.index(evaluate(base, env), evaluate(key, env))
        case .call(let function, let arguments):
            return Builtin.apply(function, arguments: arguments.map { evaluate($0, env) }, clock: env.clock)
        case .not(let operand):
            return .bool(!Semantics.isTrue(evaluate(operand, env)))
        case .negate(let operand):
            return Semantics.negate(evaluate(operand, env))
        case .and(let lhs, let rhs):
            return .bool(Semantics.isTrue(evaluate(lhs, env)) && Semantics.isTrue(evaluate(rhs, env)))
        case .or(let lhs, let rhs):
            return .bool(Semantics.isTrue(evaluate(lhs, env)) || Semantics.isTrue(evaluate(rhs, env)))
        case .comparison(let op, let lhs, let rhs):
            return .bool(Semantics.compare(op, evaluate(lhs, env), evaluate(rhs, env)))
        case .arithmetic(let op, let lhs, let rhs):
            return Semantics.arithmetic(op, evaluate(lhs, env), evaluate(rhs, env))
        }
    }
}
