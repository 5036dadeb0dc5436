import EdgeCore

/// Constant folding: a subtree whose leaves are all literals and whose functions are pure is
/// replaced by its value once, at compile time, so `payload.t > -(2 * 5)` compiles as a
/// comparison against the number -10.
enum Folder {
    static func fold(_ node: Node) -> Node {
        let folded: Node
        switch node {
        case .literal, .root:
            return node
        case .member(let base, let key):
            folded = .member(fold(base), key)
        case .index(let base, let key):
            folded = .index(fold(base), fold(key))
        case .call(let function, let arguments):
            let args = arguments.map(fold)
            guard function.isPure else { return .call(function, args) }
            folded = .call(function, args)
        case .not(let operand):
            folded = .not(fold(operand))
        case .negate(let operand):
            folded = .negate(fold(operand))
        case .and(let lhs, let rhs):
            folded = .and(fold(lhs), fold(rhs))
        case .or(let lhs, let rhs):
            folded = .or(fold(lhs), fold(rhs))
        case .comparison(let op, let lhs, let rhs):
            folded = .comparison(op, fold(lhs), fold(rhs))
        case .arithmetic(let op, let lhs, let rhs):
            folded = .arithmetic(op, fold(lhs), fold(rhs))
        }
        guard childrenAreLiterals(folded) else { return folded }
        // The environment is never read: literals and pure functions look at nothing in it.
        return .literal(TreeWalkInterpreter.evaluate(folded, EvaluationEnvironment(clock: SystemClock())))
    }

    private static func isLiteral(_ node: Node) -> Bool {
        if case .literal = node { return true }
        return false
    }

    private static func childrenAreLiterals(_ node: Node) -> Bool {
        switch node {
        case .literal: return true
        case .root: return false
        case .member(let base, _): return isLiteral(base)
        case .index(let base, let key): return isLiteral(base) && isLiteral(key)
        case .call(let function, let arguments): return function.isPure && arguments.allSatisfy(isLiteral)
        case .not(let operand), .negate(let operand): return isLiteral(operand)
        case .and(let lhs, let rhs), .or(let lhs, let rhs), .comparison(_, let lhs, let rhs),
            .arithmetic(_, let lhs, let rhs):
            return isLiteral(lhs) && isLiteral(rhs)
        }
    }
}
