import EdgeCore

/// The code of a `CompiledExpression`: its JSON-mode and slot-mode closures and the program
/// that picks between them. Immutable once built.
final class ExpressionCode: Sendable {
    let source: String
    let constantValue: JSONValue?
    private let program: Program
    private let jsonCode: ValueCode
    /// Slot-mode code, or the JSON code when there is no table. Not optional: binding an
    /// optional closure copies it, and the retain and release of that copy doubled the cost of
    /// a small condition.
    private let slotCode: ValueCode

    init(_ parsed: ParsedExpression) {
        let node = Folder.fold(parsed.node)
        let table = parsed.options.pointSlots
        source = parsed.source
        if case .literal(let value) = node { constantValue = value } else { constantValue = nil }
        program = Program(node: node, table: table)
        let json = ClosureCompiler(table: nil).value(node)
        jsonCode = json
        slotCode = table.map { ClosureCompiler(table: $0).value(node) } ?? json
    }

    func evaluate(_ environment: EvaluationEnvironment) -> JSONValue {
        switch program.route(environment) {
        case .json: return jsonCode(environment)
        case .slots: return slotCode(environment)
        case .slotsWithWholePayload: return slotCode(program.withWholePayload(environment))
        case .materialised: return jsonCode(environment.materialised())
        }
    }
}

/// The code of a `CompiledCondition`: a branch program for JSON messages and one for slot
/// frames of the table it was compiled against. Immutable once built.
final class ConditionCode: Sendable {
    let source: String
    let alwaysBoolean: Bool
    private let program: Program
    let json: BranchProgram
    /// The slot-mode program, or the JSON one when there is no table.
    let slots: BranchProgram
    /// The value, for `outcome` of a condition that may give a non-boolean; nil when `alwaysBoolean`.
    private let value: ExpressionCode?

    init(_ parsed: ParsedExpression) {
        let node = Folder.fold(parsed.node)
        let table = parsed.options.pointSlots
        source = parsed.source
        switch node {
        case .not, .and, .or, .comparison, .literal(.bool): alwaysBoolean = true
        default: alwaysBoolean = false
        }
        program = Program(node: node, table: table)
        let json = BranchProgram(node, compiler: ClosureCompiler(table: nil))
        self.json = json
        slots = table.map { BranchProgram(node, compiler: ClosureCompiler(table: $0)) } ?? json
        value = alwaysBoolean ? nil : ExpressionCode(parsed)
    }

    /// Slot frames of the compiled table are the hot path: that case is inlined into the
    /// caller, and the others are calls, so the hot path's frame stays small.
    @inline(__always)
    func evaluate(_ environment: EvaluationEnvironment) -> Bool {
        switch program.route(environment) {
        case .slots:
            guard let readings = environment.slots else { return evaluateJSON(environment) }
            return slots.evaluate(environment, values: readings.values, qualities: readings.qualities)
        case .json: return evaluateJSON(environment)
        case .slotsWithWholePayload: return evaluateWithWholePayload(environment)
        case .materialised: return evaluateJSON(environment.materialised())
        }
    }

    @inline(never)
    private func evaluateJSON(_ environment: EvaluationEnvironment) -> Bool {
        json.evaluate(environment)
    }

    @inline(never)
    private func evaluateWithWholePayload(_ environment: EvaluationEnvironment) -> Bool {
        let whole = program.withWholePayload(environment)
        guard let readings = whole.slots else { return json.evaluate(whole) }
        return slots.evaluate(whole, values: readings.values, qualities: readings.qualities)
    }

    func outcome(_ environment: EvaluationEnvironment) -> ConditionOutcome {
        guard let value else { return evaluate(environment) ? .satisfied : .unsatisfied }
        switch value.evaluate(environment) {
        case .bool(true): return .satisfied
        case .bool(false): return .unsatisfied
        case let other: return .notBoolean(other)
        }
    }
}
