import EdgeCore

/// Conditions compile to closures returning `Bool` directly, so `payload.a > 10 && payload.b < 5`
/// on a slot-backed reading is two slot loads and two compares inside three closure calls,
/// with no `JSONValue` built.
extension ClosureCompiler {
    /// Code that is true only when the node's value is the boolean `true`.
    func condition(_ node: Node) -> BoolCode {
        switch node {
        case .literal(let constant):
            let truth = Semantics.isTrue(constant)
            return { _ in truth }
        case .not(let operand):
            let c = condition(operand)
            return { env in !c(env) }
        case .and:
            return all(flatten(node, and: true).map(condition))
        case .or:
            return any(flatten(node, and: false).map(condition))
        case .comparison(let op, let lhs, let rhs):
            return comparison(op, lhs, rhs)
        default:
            let v = value(node)
            return { env in Semantics.isTrue(v(env)) }
        }
    }

    /// The operands of a chain `a && b && c` (or `||`), left to right.
    private func flatten(_ node: Node, and: Bool) -> [Node] {
        var operands: [Node] = []
        var rest = node
        while true {
            switch rest {
            case .and(let lhs, let rhs) where and:
                operands.append(rhs)
                rest = lhs
                continue
            case .or(let lhs, let rhs) where !and:
                operands.append(rhs)
                rest = lhs
                continue
            default:
                operands.append(rest)
            }
            break
        }
        return operands.reversed()
    }

    private func all(_ parts: [BoolCode]) -> BoolCode {
        switch parts.count {
        case 1: return parts[0]
        case 2:
            let (a, b) = (parts[0], parts[1])
            return { env in
                guard a(env) else { return false }
                return b(env)
            }
        case 3:
            let (a, b, c) = (parts[0], parts[1], parts[2])
            return { env in
                guard a(env), b(env) else { return false }
                return c(env)
            }
        case 4:
            let (a, b, c, d) = (parts[0], parts[1], parts[2], parts[3])
            return { env in
                guard a(env), b(env), c(env) else { return false }
                return d(env)
            }
        default:
            return { env in
                for part in parts where !part(env) { return false }
                return true
            }
        }
    }

    private func any(_ parts: [BoolCode]) -> BoolCode {
        switch parts.count {
        case 1: return parts[0]
        case 2:
            let (a, b) = (parts[0], parts[1])
            return { env in a(env) || b(env) }
        case 3:
            let (a, b, c) = (parts[0], parts[1], parts[2])
            return { env in a(env) || b(env) || c(env) }
        default:
            return { env in
                for part in parts where part(env) { return true }
                return false
            }
        }
    }

    // MARK: comparisons

    private func comparison(_ op: ComparisonOperator, _ lhs: Node, _ rhs: Node) -> BoolCode {
        // Slot against constant: the shape of nearly every device condition.
        if case .literal(.number(let k)) = rhs, let slot = slotOf(lhs) {
            guard let slot else { return { _ in op == .notEqual } }
            return slotAgainstConstant(op, slot, k)
        }
        if case .literal(.number(let k)) = lhs, let slot = slotOf(rhs) {
            guard let slot else { return { _ in op == .notEqual } }
            return slotAgainstConstant(mirrored(op), slot, k)
        }
        if let a = number(lhs), let b = number(rhs) {
            return { env in ClosureCompiler.compare(op, a(env), b(env)) }
        }
        if case .literal(let constant) = rhs { return againstConstant(op, value(lhs), constant) }
        if case .literal(let constant) = lhs { return againstConstant(mirrored(op), value(rhs), constant) }
        let a = value(lhs)
        let b = value(rhs)
        return { env in Semantics.compare(op, a(env), b(env)) }
    }

    /// `k op x` is `x (mirrored op) k`.
    private func mirrored(_ op: ComparisonOperator) -> ComparisonOperator {
        switch op {
        case .less: .greater
        case .lessEqual: .greaterEqual
        case .greater: .less
        case .greaterEqual: .lessEqual
        case .equal, .notEqual: op
        }
    }

    /// Comparison of two number-or-null values with the value rules: `null` equals only
    /// `null`, and relational operators with a `null` are false.
    @inline(__always)
    static func compare(_ op: ComparisonOperator, _ a: Double?, _ b: Double?) -> Bool {
        switch (a, b) {
        case (let x?, let y?): return Semantics.compare(op, x, y)
        case (nil, nil): return op == .equal
        default: return op == .notEqual
        }
    }

    /// One closure per operator, so the operator is not a branch at evaluation time.
    private func slotAgainstConstant(_ op: ComparisonOperator, _ slot: Int, _ k: Double) -> BoolCode {
        let good = self.good
        switch op {
        case .less:
            return { env in
                guard let v = ClosureCompiler.read(env, slot, good) else { return false }
                return v < k
            }
        case .lessEqual:
            return { env in
                guard let v = ClosureCompiler.read(env, slot, good) else { return false }
                return v <= k
            }
        case .greater:
            return { env in
                guard let v = ClosureCompiler.read(env, slot, good) else { return false }
                return v > k
            }
        case .greaterEqual:
            return { env in
                guard let v = ClosureCompiler.read(env, slot, good) else { return false }
                return v >= k
            }
        case .equal:
            return { env in ClosureCompiler.read(env, slot, good) == k }
        case .notEqual:
            return { env in ClosureCompiler.read(env, slot, good) != k }
        }
    }

    /// `x op constant` for any `x`: relational operators match only a number against a number
    /// or a string against a string, so the constant's type settles which case can be true.
    private func againstConstant(_ op: ComparisonOperator, _ x: @escaping ValueCode, _ constant: JSONValue)
        -> BoolCode
    {
        switch (op, constant) {
        case (.equal, .string(let k)):
            return { env in
                guard case .string(let v) = x(env) else { return false }
                return Semantics.sameText(v, k)
            }
        case (.notEqual, .string(let k)):
            return { env in
                guard case .string(let v) = x(env) else { return true }
                return !Semantics.sameText(v, k)
            }
        case (.equal, _):
            return { env in Semantics.equal(x(env), constant) }
        case (.notEqual, _):
            return { env in !Semantics.equal(x(env), constant) }
        case (_, .number(let k)):
            return { env in
                guard case .number(let v) = x(env) else { return false }
                return Semantics.compare(op, v, k)
            }
        case (_, .string(let k)):
            return { env in
                guard case .string(let v) = x(env) else { return false }
                return Semantics.compare(op, v, k)
            }
        default:
            return { _ in false }
        }
    }
}
