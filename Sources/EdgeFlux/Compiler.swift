import EdgeCore

/// Compiled code: closures built once per expression, each specialised for its node's shape,
/// so evaluation is a few direct calls rather than a walk over the tree.
typealias ValueCode = @Sendable (EvaluationEnvironment) -> JSONValue
/// Compiled code of a node used as a condition: true only for the boolean `true`.
typealias BoolCode = @Sendable (EvaluationEnvironment) -> Bool
/// Compiled code of a node known to give a number or `null` (nil).
typealias NumberCode = @Sendable (EvaluationEnvironment) -> Double?

/// Builds closures from a resolved, folded tree. In slot mode (`table` set) `payload.<point>`
/// reads a slot; the caller runs slot-mode code only on environments whose slots follow that
/// table and cover it, so reads need no bounds checks.
struct ClosureCompiler {
    let table: PointSlotTable?
    /// The raw quality a slot must have to count, captured so the hot path loads no global.
    let good = SampleQuality.good.rawValue

    // MARK: slot reads

    /// The value of a slot, or nil when absent. Only called from slot-mode code.
    @inline(__always)
    static func read(_ env: EvaluationEnvironment, _ slot: Int, _ good: UInt8) -> Double? {
        guard let slots = env.slots, slots.qualities[slot].rawValue == good else { return nil }
        let v = slots.values[slot]
        return v.isFinite ? v : nil
    }

    /// The slot `payload.<key>` reads in slot mode; `.some(nil)` when the table lacks the point.
    func slotOf(_ node: Node) -> Int?? {
        guard let table, case .member(.root(.payload), let key) = node else { return nil }
        return .some(table.slot(named: key))
    }

    // MARK: numbers

    /// Code for a node that can only give a number or `null`, or nil when the node may give
    /// anything else (then the generic value code applies).
    func number(_ node: Node) -> NumberCode? {
        if let slot = slotOf(node) {
            guard let slot else { return { _ in nil } }
            let good = self.good
            return { env in ClosureCompiler.read(env, slot, good) }
        }
        switch node {
        case .literal(.number(let k)): return { _ in k }
        case .literal(.null): return { _ in nil }
        case .negate(let operand):
            guard let x = number(operand) else { return nil }
            return { env in x(env).map { -$0 } }
        case .arithmetic(let op, let lhs, let rhs):
            guard let a = number(lhs), let b = number(rhs) else { return nil }
            return arithmetic(op, a, b)
        case .call(let function, let arguments) where arguments.count == 1:
            guard [.abs, .floor, .ceil, .round].contains(function), let x = number(arguments[0]) else { return nil }
            return { env in
                guard let v = x(env), let r = Builtin.number(function, v), r.isFinite else { return nil }
                return r
            }
        default:
            return nil
        }
    }

    private func arithmetic(_ op: ArithmeticOperator, _ a: @escaping NumberCode, _ b: @escaping NumberCode)
        -> NumberCode
    {
        switch op {
        case .add:
            return { env in
                guard let x = a(env), let y = b(env) else { return nil }
                let r = x + y
                return r.isFinite ? r : nil
            }
        case .subtract:
            return { env in
                guard let x = a(env), let y = b(env) else { return nil }
                let r = x - y
                return r.isFinite ? r : nil
            }
        default:
            return { env in
                guard let x = a(env), let y = b(env) else { return nil }
                return Semantics.arithmetic(op, x, y)
            }
        }
    }

    // MARK: values

    /// Code for the value of any node.
    func value(_ node: Node) -> ValueCode {
        if let n = number(node), !isLiteral(node) {
            return { env in
                if let v = n(env) { return .number(v) }
                return .null
            }
        }
        switch node {
        case .literal(let constant):
            return { _ in constant }
        case .root(let root):
            return rootValue(root)
        case .member(let base, let key):
            return member(base, key)
        case .index(let base, let key):
            let b = value(base)
            let k = value(key)
            return { env in Semantics.index(b(env), k(env)) }
        case .call(let function, let arguments):
            return call(function, arguments)
        case .not, .and, .or, .comparison:
            let c = condition(node)
            return { env in .bool(c(env)) }
        case .negate(let operand):
            let x = value(operand)
            return { env in Semantics.negate(x(env)) }
        case .arithmetic(let op, let lhs, let rhs):
            let a = value(lhs)
            let b = value(rhs)
            if op == .add { return { env in Semantics.arithmetic(.add, a(env), b(env)) } }
            return { env in Semantics.arithmetic(op, a(env), b(env)) }
        }
    }

    func isLiteral(_ node: Node) -> Bool {
        if case .literal = node { return true }
        return false
    }

    /// Whole roots. A slot-backed `payload` used whole was materialised into `env.payload`
    /// before slot-mode code runs (see `Program`).
    private func rootValue(_ root: Root) -> ValueCode {
        switch root {
        case .payload: return { env in env.payload }
        case .context: return { env in env.context }
        case .eventPayload: return { env in env.eventIsMessage ? env.payload : env.eventPayload }
        case .eventContext: return { env in env.eventIsMessage ? env.context : env.eventContext }
        case .result: return { env in env.result }
        case .event:
            return { env in
                let payload = env.eventIsMessage ? env.payload : env.eventPayload
                let context = env.eventIsMessage ? env.context : env.eventContext
                return ["payload": payload, "context": context]
            }
        }
    }

    /// `base.key`, with one closure for a short path from a root (`context.resource.resourceId`).
    private func member(_ base: Node, _ key: String) -> ValueCode {
        var keys = [key]
        var node = base
        while case .member(let inner, let k) = node, slotOf(node) == nil {
            keys.insert(k, at: 0)
            node = inner
        }
        if case .root(let root) = node {
            if root == .eventPayload, table != nil {
                // On the first hop event.payload is the slot-backed payload itself.
                let viaSlots = value(.member(.root(.payload), keys[0]))
                let rest = Array(keys.dropFirst())
                let first = keys[0]
                return { env in
                    var v = env.eventIsMessage ? viaSlots(env) : env.eventPayload[first]
                    for k in rest { v = v[k] }
                    return v
                }
            }
            return path(root, keys)
        }
        let b = value(node)
        let allKeys = keys
        return { env in
            var v = b(env)
            for k in allKeys { v = v[k] }
            return v
        }
    }

    private func path(_ root: Root, _ keys: [String]) -> ValueCode {
        let start = rootValue(root)
        switch (root, keys.count) {
        case (.payload, 1):
            let k = keys[0]
            return { env in env.payload[k] }
        case (.context, 1):
            let k = keys[0]
            return { env in env.context[k] }
        case (.context, 2):
            let k0 = keys[0]
            let k1 = keys[1]
            return { env in env.context[k0][k1] }
        case (.payload, 2):
            let k0 = keys[0]
            let k1 = keys[1]
            return { env in env.payload[k0][k1] }
        default:
            return { env in
                var v = start(env)
                for k in keys { v = v[k] }
                return v
            }
        }
    }

    private func call(_ function: Builtin, _ arguments: [Node]) -> ValueCode {
        let codes = arguments.map(value)
        switch codes.count {
        case 0:
            return { env in Builtin.now(env.clock) }
        case 1:
            let a = codes[0]
            return { env in Builtin.apply(function, a(env)) }
        case 2:
            let a = codes[0]
            let b = codes[1]
            return { env in Builtin.apply(function, a(env), b(env)) }
        default:
            return { env in Builtin.extreme(function, codes.map { $0(env) }) }
        }
    }
}
