import EdgeCore

/// Turns the parse tree into the resolved tree: checks names, functions and arity, folds
/// `event.payload`/`event.context` into roots, `x["key"]` into member access and `-<number>`
/// into a literal. The tree's depth was bounded by the parser, so recursion here is bounded.
struct Resolver {
    let allowsResult: Bool
    /// Every `payload.<name>` and `event.payload.<name>` met, in source order.
    private(set) var payloadReferences: [PayloadReference] = []

    init(allowsResult: Bool) {
        self.allowsResult = allowsResult
    }

    private var rootNames: String {
        allowsResult
            ? "payload, context, event.payload, event.context and result"
            : "payload, context, event.payload and event.context"
    }

    mutating func resolve(_ syntax: Syntax) throws(ExpressionError) -> Node {
        switch syntax.kind {
        case .number(let n): return .literal(.number(n))
        case .string(let s): return .literal(.string(s))
        case .bool(let b): return .literal(.bool(b))
        case .null: return .literal(.null)
        case .identifier(let name): return try resolveName(name, column: syntax.column)
        case .member(let base, let key): return try resolveMember(base, key, column: syntax.column)
        case .index(let base, let key):
            if case .string(let name) = key.kind { return try resolveMember(base, name, column: key.column) }
            return .index(try resolve(base), try resolve(key))
        case .call(let callee, let arguments): return try resolveCall(callee, arguments)
        case .not(let operand): return .not(try resolve(operand))
        case .negate(let operand):
            let inner = try resolve(operand)
            if case .literal(.number(let n)) = inner { return .literal(.number(-n)) }
            return .negate(inner)
        case .binary(let op, let lhs, let rhs):
            let l = try resolve(lhs)
            let r = try resolve(rhs)
            switch op {
            case .or: return .or(l, r)
            case .and: return .and(l, r)
            case .equal: return .comparison(.equal, l, r)
            case .notEqual: return .comparison(.notEqual, l, r)
            case .less: return .comparison(.less, l, r)
            case .lessEqual: return .comparison(.lessEqual, l, r)
            case .greater: return .comparison(.greater, l, r)
            case .greaterEqual: return .comparison(.greaterEqual, l, r)
            case .add: return .arithmetic(.add, l, r)
            case .subtract: return .arithmetic(.subtract, l, r)
            case .multiply: return .arithmetic(.multiply, l, r)
            case .divide: return .arithmetic(.divide, l, r)
            case .remainder: return .arithmetic(.remainder, l, r)
            }
        }
    }

    private func resolveName(_ name: String, column: Int) throws(ExpressionError) -> Node {
        switch name {
        case "payload": return .root(.payload)
        case "context": return .root(.context)
        case "event": return .root(.event)
        case "result":
            guard allowsResult else {
                throw ExpressionError(
                    column: column, message: "'result' is only available in output.transform.content",
                    hint: "use payload for the message that entered the channel")
            }
            return .root(.result)
        default:
            var hint = "names are \(rootNames)"
            if Builtin(rawValue: name) != nil {
                hint = "\(name) is a function: call it as \(name)(...)"
            } else if name == "undefined" {
                hint = "use null"
            }
            throw ExpressionError(column: column, message: "unknown name '\(name)'", hint: hint)
        }
    }

    private mutating func resolveMember(_ base: Syntax, _ key: String, column: Int) throws(ExpressionError) -> Node {
        if case .identifier("event") = base.kind {
            switch key {
            case "payload": return .root(.eventPayload)
            case "context": return .root(.eventContext)
            default:
                throw ExpressionError(
                    column: column, message: "event has no member '\(key)'",
                    hint: "use event.payload or event.context")
            }
        }
        switch base.kind {
        case .identifier("payload"):
            payloadReferences.append(PayloadReference(name: key, column: column, viaEvent: false))
        case .member(let inner, "payload"):
            if case .identifier("event") = inner.kind {
                payloadReferences.append(PayloadReference(name: key, column: column, viaEvent: true))
            }
        case .index(let inner, let index):
            if case .identifier("event") = inner.kind, case .string("payload") = index.kind {
                payloadReferences.append(PayloadReference(name: key, column: column, viaEvent: true))
            }
        default:
            break
        }
        return .member(try resolve(base), key)
    }

    private mutating func resolveCall(_ callee: Syntax, _ arguments: [Syntax]) throws(ExpressionError) -> Node {
        let name: String
        switch callee.kind {
        case .identifier(let identifier):
            name = identifier
        case .member(_, let method):
            var hint: String? = nil
            if let function = Builtin(rawValue: method) {
                let more = function.minimumArity > 1 ? ", ..." : ""
                hint = "functions are not methods: write \(function.rawValue)(value\(more))"
            }
            throw ExpressionError(
                column: callee.column, message: "'\(method)' cannot be called as a method", hint: hint)
        default:
            throw ExpressionError(column: callee.column, message: "only functions can be called, such as len(x)")
        }
        guard let function = Builtin(rawValue: name) else {
            if ["payload", "context", "event", "result"].contains(name) {
                throw ExpressionError(column: callee.column, message: "'\(name)' is not a function")
            }
            throw ExpressionError(
                column: callee.column, message: "unknown function '\(name)'",
                hint: "supported functions: \(Builtin.supportedNames)")
        }
        let count = arguments.count
        if count < function.minimumArity || count > (function.maximumArity ?? Int.max) {
            throw ExpressionError(
                column: callee.column,
                message: "'\(name)' \(function.arityDescription) but was given \(count)")
        }
        var resolved: [Node] = []
        resolved.reserveCapacity(count)
        for argument in arguments { resolved.append(try resolve(argument)) }
        return .call(function, resolved)
    }
}
