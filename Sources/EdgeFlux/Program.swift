import EdgeCore

/// What every compiled form shares: which slot table its slot-mode code assumes, and whether
/// that code needs `payload` as a whole JSON object. It picks the code to run for an environment.
struct Program: Sendable {
    /// Held so its identity cannot be reused by another table while this program lives.
    let table: PointSlotTable?
    let tableIdentity: ObjectIdentifier?
    let needsWholePayload: Bool

    init(node: Node, table: PointSlotTable?) {
        self.table = table
        tableIdentity = table.map(ObjectIdentifier.init)
        needsWholePayload = Program.usesWholePayload(node)
    }

    /// Which code an environment needs.
    enum Route {
        /// JSON code on the environment as it is.
        case json
        /// Slot-mode code on the environment as it is.
        case slots
        /// Slot-mode code on a copy whose `payload` was built from the slots.
        case slotsWithWholePayload
        /// JSON code on a copy whose slots were turned into a JSON payload.
        case materialised
    }

    /// Slot-mode code runs when the environment's slots follow this program's table and cover
    /// it; a slot-backed payload becomes JSON only when nothing else can read it. This returns
    /// a route rather than taking the code as generic closure parameters on purpose: passing a
    /// stored closure through a generic parameter needs a reabstraction thunk, which allocated
    /// on every evaluation.
    @inline(__always)
    func route(_ env: EvaluationEnvironment) -> Route {
        guard let readings = env.slots else { return .json }
        guard readings.tableIdentity == tableIdentity, readings.coversTable else { return .materialised }
        return needsWholePayload ? .slotsWithWholePayload : .slots
    }

    /// The environment slot-mode code needs when the payload is also used whole.
    func withWholePayload(_ env: EvaluationEnvironment) -> EvaluationEnvironment {
        var copy = env
        copy.payload = env.slots?.payloadObject() ?? env.payload
        return copy
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
