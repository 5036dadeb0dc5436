public import EdgeCore

/// An expression compiled once into specialised closures, giving its JSON value. Evaluation
/// never throws: by the value rules every expression has a value (`null` for type mismatches).
public struct CompiledExpression: Sendable {
    /// The expression as written.
    public let source: String
    /// The value, when the expression does not depend on its environment.
    public let constantValue: JSONValue?
    private let program: Program
    private let jsonCode: ValueCode
    /// Slot-mode code, or the JSON code when there is no table. Not optional: binding an
    /// optional closure copies it, and the retain and release of that copy doubled the cost of
    /// a small condition.
    private let slotCode: ValueCode

    /// Parses, checks and compiles `source`.
    public init(_ source: String, options: CompileOptions = CompileOptions()) throws(ExpressionError) {
        self.init(try ParsedExpression(source, options: options))
    }

    /// Compiles an already parsed expression with the options it was parsed with.
    public init(_ parsed: ParsedExpression) {
        let node = Folder.fold(parsed.node)
        let table = parsed.options.pointSlots
        source = parsed.source
        if case .literal(let value) = node { constantValue = value } else { constantValue = nil }
        program = Program(node: node, table: table)
        let json = ClosureCompiler(table: nil).value(node)
        jsonCode = json
        slotCode = table.map { ClosureCompiler(table: $0).value(node) } ?? json
    }

    /// The value of the expression in `environment`.
    public func evaluate(_ environment: EvaluationEnvironment) -> JSONValue {
        switch program.route(environment) {
        case .json: return jsonCode(environment)
        case .slots: return slotCode(environment)
        case .slotsWithWholePayload: return slotCode(program.withWholePayload(environment))
        case .materialised: return jsonCode(environment.materialised())
        }
    }
}

/// How a condition came out. Only `.satisfied` runs the action; `.notBoolean` is what the
/// runtime counts as an evaluation error (a condition should give a boolean; `null` usually
/// means a misspelt or missing field).
public enum ConditionOutcome: Sendable, Equatable {
    /// The value was the boolean `true`.
    case satisfied
    /// The value was the boolean `false`.
    case unsatisfied
    /// The value was not a boolean.
    case notBoolean(JSONValue)
}

/// A condition compiled for the hot path: `evaluate` returns true only when the value is the
/// boolean `true`, never throws and, on slot-backed readings, allocates nothing unless the
/// condition uses `payload` whole.
public struct CompiledCondition: Sendable {
    /// The condition as written.
    public let source: String
    /// Whether the condition can only give a boolean (its top is a comparison, `!`, `&&` or `||`
    /// or a boolean literal), so `outcome` never reports `.notBoolean`.
    public let alwaysBoolean: Bool
    private let program: Program
    private let jsonCode: BoolCode
    /// Slot-mode code, or the JSON code when there is no table (see `CompiledExpression`).
    private let slotCode: BoolCode
    private let value: CompiledExpression

    /// The condition of an action without one: always satisfied.
    public static let always = CompiledCondition(
        ParsedExpression(source: "", options: CompileOptions(), node: .literal(true)))

    /// Parses, checks and compiles `source`. An empty or blank source is `always` (flux-subset.md §1).
    public init(_ source: String, options: CompileOptions = CompileOptions()) throws(ExpressionError) {
        if source.unicodeScalars.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }) {
            self = CompiledCondition(ParsedExpression(source: source, options: options, node: .literal(true)))
            return
        }
        self.init(try ParsedExpression(source, options: options))
    }

    /// Compiles an already parsed expression as a condition.
    public init(_ parsed: ParsedExpression) {
        let node = Folder.fold(parsed.node)
        let table = parsed.options.pointSlots
        source = parsed.source
        switch node {
        case .not, .and, .or, .comparison, .literal(.bool): alwaysBoolean = true
        default: alwaysBoolean = false
        }
        program = Program(node: node, table: table)
        let json = ClosureCompiler(table: nil).condition(node)
        jsonCode = json
        slotCode = table.map { ClosureCompiler(table: $0).condition(node) } ?? json
        value = CompiledExpression(parsed)
    }

    /// Whether the condition holds: true only if its value is the boolean `true`.
    public func evaluate(_ environment: EvaluationEnvironment) -> Bool {
        switch program.route(environment) {
        case .json: return jsonCode(environment)
        case .slots: return slotCode(environment)
        case .slotsWithWholePayload: return slotCode(program.withWholePayload(environment))
        case .materialised: return jsonCode(environment.materialised())
        }
    }

    /// The condition's value, telling a non-boolean apart from `false`.
    public func outcome(_ environment: EvaluationEnvironment) -> ConditionOutcome {
        if alwaysBoolean { return evaluate(environment) ? .satisfied : .unsatisfied }
        switch value.evaluate(environment) {
        case .bool(true): return .satisfied
        case .bool(false): return .unsatisfied
        case let other: return .notBoolean(other)
        }
    }
}
