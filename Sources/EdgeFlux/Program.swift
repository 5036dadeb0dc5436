import EdgeCore

/// What every compiled form shares: which slot table its slot-mode code assumes, and whether
/// that code needs `payload` as a whole JSON object. It picks the code to run for an environment.
struct Program: Sendable {
    let table: PointSlotTable?
    let needsWholePayload: Bool

    init(node: Node, table: PointSlotTable?) {
        self.table = table
        needsWholePayload = Program.usesWholePayload(node)
    }

    /// Runs slot-mode code when the environment's slots follow this program's table, else JSON
    /// code; a slot-backed payload becomes JSON only when nothing else can read it.
    @inline(__always)
    func run<R>(
        _ env: EvaluationEnvironment, json: (EvaluationEnvironment) -> R, slots: ((EvaluationEnvironment) -> R)?
    ) -> R {
        guard let readings = env.slots else { return json(env) }
        if let slots, let table, readings.table === table, readings.coversTable {
            guard needsWholePayload else { return slots(env) }
            var copy = env
            copy.payload = readings.payloadObject()
            return slots(copy)
        }
        return json(env.materialised())
    }

    /// Whether `payload` (or `event.payload`, which is `payload` on the first hop) is used
    /// other than as `payload.<name>`: then a slot-backed payload must be built as JSON.
    static func usesWholePayload(_ node: Node) -> Bool {
        switch node {
        case .literal: return false
        case .root(let root): return root == .payload || root == .eventPayload || root == .event
        case .member(.root(.payload), _), .member(.root(.eventPayload), _): return false
        case .member(let base, _): return usesWholePayload(base)
        case .index(let base, let key): return usesWholePayload(base) || usesWholePayload(key)
        case .call(_, let arguments): return arguments.contains(where: usesWholePayload)
        case .not(let operand), .negate(let operand): return usesWholePayload(operand)
        case .and(let lhs, let rhs), .or(let lhs, let rhs), .comparison(_, let lhs, let rhs),
            .arithmetic(_, let lhs, let rhs):
            return usesWholePayload(lhs) || usesWholePayload(rhs)
        }
    }
}
