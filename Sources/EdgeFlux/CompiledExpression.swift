public import EdgeCore

/// An expression compiled once into specialised closures, giving its JSON value. Evaluation
/// never throws: by the value rules every expression has a value (`null` for type mismatches).
public struct CompiledExpression: Sendable {
    /// The compiled code, in one class so copying an expression retains one reference.
    private let code: ExpressionCode

    /// The expression as written.
    public var source: String { code.source }
    /// The value, when the expression does not depend on its environment.
    public var constantValue: JSONValue? { code.constantValue }

    /// Parses, checks and compiles `source`.
    public init(_ source: String, options: CompileOptions = CompileOptions()) throws(ExpressionError) {
        self.init(try ParsedExpression(source, options: options))
    }

    /// Compiles an already parsed expression with the options it was parsed with.
    public init(_ parsed: ParsedExpression) {
        code = ExpressionCode(parsed)
    }

    /// The value of the expression in `environment`.
    public func evaluate(_ environment: EvaluationEnvironment) -> JSONValue {
        code.evaluate(environment)
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
    /// The compiled code, in one class: the engine keeps conditions in arrays, and copying one
    /// out retained each stored closure separately.
    private let code: ConditionCode

    /// The condition as written.
    public var source: String { code.source }
    /// Whether the condition can only give a boolean (its top is a comparison, `!`, `&&` or `||`
    /// or a boolean literal), so `outcome` never reports `.notBoolean`.
    public var alwaysBoolean: Bool { code.alwaysBoolean }

    /// The condition of an action without one: always satisfied.
    public static let always = CompiledCondition(
        ParsedExpression(source: "", options: CompileOptions(), node: .literal(true)))

    /// Parses, checks and compiles `source`. An empty or blank source is `always` (docs/flow-language.md §1).
    public init(_ source: String, options: CompileOptions = CompileOptions()) throws(ExpressionError) {
        if source.unicodeScalars.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }) {
            self = CompiledCondition(ParsedExpression(source: source, options: options, node: .literal(true)))
            return
        }
        self.init(try ParsedExpression(source, options: options))
    }

    /// Compiles an already parsed expression as a condition.
    public init(_ parsed: ParsedExpression) {
        code = ConditionCode(parsed)
    }

    /// Whether the condition holds: true only if its value is the boolean `true`.
    public func evaluate(_ environment: EvaluationEnvironment) -> Bool {
        code.evaluate(environment)
    }

    /// The condition's value, telling a non-boolean apart from `false`.
    public func outcome(_ environment: EvaluationEnvironment) -> ConditionOutcome {
        code.outcome(environment)
    }

    /// How many tests its branch program runs on slot frames at most, and how many of those
    /// call a general closure rather than reading a slot (for tests of the compiler).
    var slotProgramShape: (tests: Int, general: Int) { (code.slots.testCount, code.slots.generalCount) }
    /// Whether its branch program on slot frames runs every test and looks the outcome up.
    var slotProgramUsesTruthTable: Bool { code.slots.usesTruthTable }
}
