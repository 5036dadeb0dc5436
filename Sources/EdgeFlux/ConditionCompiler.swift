import EdgeCore

/// Conditions compile to closures returning `Bool` directly. `&&`, `||` and `!` become a
/// `BranchProgram`, so `payload.a > 10 && payload.b < 5` on a slot-backed reading is two slot
/// loads and two compares inside one closure, with no `JSONValue` built.
extension ClosureCompiler {
    /// Code that is true only when the node's value is the boolean `true`.
    func condition(_ node: Node) -> BoolCode {
        switch node {
        case .literal(let constant):
            let truth = Semantics.isTrue(constant)
            return { _ in truth }
        case .not, .and, .or:
            // Slot-mode code only runs on environments whose slots follow this table and cover it.
            let program = BranchProgram(node, compiler: self)
            return { env in
                guard let slots = env.slots else { return program.evaluate(env) }
                return program.evaluate(env, values: slots.values, qualities: slots.qualities)
            }
        case .comparison(let op, let lhs, let rhs):
            return comparison(op, lhs, rhs)
        default:
            let v = value(node)
            return { env in Semantics.isTrue(v(env)) }
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
            return slotAgainstConstant(op.mirrored, slot, k)
        }
        if let a = number(lhs), let b = number(rhs) {
            return { env in ClosureCompiler.compare(op, a(env), b(env)) }
        }
        if case .literal(let constant) = rhs { return againstConstant(op, value(lhs), constant) }
        if case .literal(let constant) = lhs { return againstConstant(op.mirrored, value(rhs), constant) }
        let a = value(lhs)
        let b = value(rhs)
        return { env in Semantics.compare(op, a(env), b(env)) }
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
