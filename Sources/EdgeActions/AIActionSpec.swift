import EdgeAI
import EdgeConfig
import EdgeCore
import EdgeFlux

/// An `ai` action's config, checked and compiled (docs/ai.md, "The ai action"):
///
///     {"endpoint": "local", "prompt": "...", "data": {"temp": "payload.temp"},
///      "respondAsJson": true, "schema": {...}, "timeoutSeconds": 5,
///      "fallback": {"expression": {"alarm": "payload.temp > 90"}}}
///
/// `prompt` is instructions only; device data enters through `data`, whose values are
/// expressions evaluated per run and sent as JSON in the data block (docs/safety.md S9).
struct AIActionSpec: Sendable {
    /// What replaces the model's answer when there is none (docs/safety.md S4).
    enum Fallback: Sendable {
        /// No fallback: the action fails and nothing is republished.
        case none
        /// A local rule: one expression, or one expression per member of an object answer.
        case expression(FallbackRule)
        /// The last valid output of this action.
        case hold
        /// Drive every output this action's result can reach to its safe value.
        case safeState
    }

    /// A fallback rule in the expression language.
    enum FallbackRule: Sendable {
        case single(CompiledExpression)
        case members([(key: String, value: CompiledExpression)])

        func evaluate(_ environment: EvaluationEnvironment) -> JSONValue {
            switch self {
            case .single(let e): return e.evaluate(environment)
            case .members(let members):
                return .object(JSONObject(members.map { (key: $0.key, value: $0.value.evaluate(environment)) }))
            }
        }
    }

    static let keys = [
        "endpoint", "prompt", "data", "respondAsJson", "schema", "timeoutSeconds", "maxStringLength", "fallback", "approval",
        "approvalDeadlineSeconds",
    ]

    var endpoint: String
    var prompt: String
    var data: [(key: String, value: CompiledExpression)]
    var respondAsJson: Bool
    var schema: OutputSchema?
    var schemaText: JSONValue?
    var timeoutNanoseconds: Int64
    var maxStringLength: Int
    var fallback: Fallback
    /// `approval: required`: a model's answer waits for a person (docs/safety.md S7).
    var approvalRequired = false
    /// How long a held answer may be approved, in ms.
    var approvalDeadlineMilliseconds: Int64 = 300_000

    /// Reads `config`; `endpoints` are the configured endpoint names. Problems have paths
    /// relative to the config.
    static func parse(_ config: JSONValue, endpoints: [String]) -> (spec: AIActionSpec?, problems: [ConfigProblem]) {
        guard case .object(let o) = config else { return (nil, [ConfigProblem(path: "", message: "config must be a mapping")]) }
        var problems: [ConfigProblem] = []
        for key in o.keys where !keys.contains(key) {
            problems.append(ConfigProblem(path: key, message: "unknown key '\(key)'", hint: suggestion(for: key, among: keys)))
        }
        // Endpoint: named, or the only one configured.
        var endpoint = ""
        if let e = o["endpoint"] {
            if let name = e.stringValue, endpoints.contains(name) {
                endpoint = name
            } else {
                let name = e.stringValue ?? e.compactJSON
                problems.append(ConfigProblem(
                    path: "endpoint", message: "no ai endpoint '\(name)' in the config",
                    hint: endpoints.isEmpty ? "declare it under ai.endpoints" : "configured: \(endpoints.joined(separator: ", "))"))
            }
        } else if endpoints.count == 1 {
            endpoint = endpoints[0]
        } else {
            problems.append(ConfigProblem(
                path: "endpoint", message: endpoints.isEmpty ? "there is no ai section in the config" : "name the endpoint to call",
                hint: endpoints.isEmpty ? "add an ai: section with the endpoint" : "configured: \(endpoints.joined(separator: ", "))"))
        }
        var prompt = ""
        switch o["prompt"] {
        case .string(let text)?:
            if text.contains("${") {
                problems.append(ConfigProblem(
                    path: "prompt", message: "the prompt holds instructions only; it cannot contain ${...}",
                    hint: "list the values the model needs under data: (name: expression); they are sent as JSON in a data block"))
            } else if text.count > PromptBuilder.limit - 64 {
                problems.append(ConfigProblem(path: "prompt", message: "the prompt has \(text.count) characters; at most \(PromptBuilder.limit - 64) leave room for the data"))
            } else if text.isEmpty {
                problems.append(ConfigProblem(path: "prompt", message: "the prompt is empty"))
            }
            prompt = text
        case nil: problems.append(ConfigProblem(path: "prompt", message: "missing required key 'prompt'"))
        default: problems.append(ConfigProblem(path: "prompt", message: "prompt must be a string"))
        }
        var data: [(key: String, value: CompiledExpression)] = []
        switch o["data"] {
        case .object(let fields)? where fields.count > 0:
            for (name, value) in fields.members {
                if let e = expression(value, path: "data.\(name)", problems: &problems) { data.append((name, e)) }
            }
        default:
            problems.append(ConfigProblem(
                path: "data", message: "data must be a non-empty mapping of name: expression",
                hint: "only the values named here are sent to the model, e.g. data: {temp: payload.temp}"))
        }
        var respondAsJson = true
        if let r = o["respondAsJson"] {
            if let b = r.boolValue { respondAsJson = b } else { problems.append(ConfigProblem(path: "respondAsJson", message: "respondAsJson must be true or false")) }
        }
        var schema: OutputSchema?
        if let s = o["schema"] {
            let (parsed, schemaProblems) = OutputSchema.parse(s, path: "schema")
            problems += schemaProblems
            schema = parsed
            if !respondAsJson { problems.append(ConfigProblem(path: "schema", message: "a schema needs respondAsJson: true")) }
        } else if respondAsJson {
            problems.append(ConfigProblem(
                path: "schema", message: "respondAsJson needs a schema of the answer",
                hint: "every answer is checked against it; e.g. {type: object, properties: {alarm: {type: boolean}}}"))
        }
        var timeout: Int64 = 10_000_000_000
        if let t = o["timeoutSeconds"] {
            if let n = t.numberValue, n > 0, n <= 120 { timeout = Int64(n * 1e9) } else {
                problems.append(ConfigProblem(path: "timeoutSeconds", message: "timeoutSeconds must be a number above 0 and at most 120"))
            }
        }
        var maxString = 256
        if let m = o["maxStringLength"] {
            if let n = m.numberValue, n >= 1, n <= 2048, n == n.rounded() { maxString = Int(n) } else {
                problems.append(ConfigProblem(path: "maxStringLength", message: "maxStringLength must be a whole number from 1 to 2048"))
            }
        }
        let fallback = parseFallback(o["fallback"], schema: schema, problems: &problems)
        var approval = false
        switch o["approval"] {
        case nil, .string("none")?: break
        case .string("required")?: approval = true
        default: problems.append(ConfigProblem(path: "approval", message: "approval must be required or none"))
        }
        var deadline: Int64 = 300_000
        if let d = o["approvalDeadlineSeconds"] {
            if let n = d.numberValue, n >= 1, n <= 604_800 { deadline = Int64(n * 1000) } else {
                problems.append(ConfigProblem(path: "approvalDeadlineSeconds", message: "approvalDeadlineSeconds must be a number from 1 to 604800"))
            }
            if !approval { problems.append(ConfigProblem(path: "approvalDeadlineSeconds", message: "approvalDeadlineSeconds needs approval: required")) }
        }
        guard problems.isEmpty else { return (nil, problems) }
        var spec = AIActionSpec(
            endpoint: endpoint, prompt: prompt, data: data, respondAsJson: respondAsJson, schema: schema, schemaText: o["schema"],
            timeoutNanoseconds: timeout, maxStringLength: maxString, fallback: fallback)
        spec.approvalRequired = approval
        spec.approvalDeadlineMilliseconds = deadline
        return (spec, [])
    }

    private static func parseFallback(_ value: JSONValue?, schema: OutputSchema?, problems: inout [ConfigProblem]) -> Fallback {
        switch value {
        case nil: return .none
        case .string("hold")?: return .hold
        case .string("safe-state")?: return .safeState
        case .object(let f)? where f.keys == ["expression"]:
            switch f["expression"] {
            case .object(let members)? where members.count > 0:
                var compiled: [(key: String, value: CompiledExpression)] = []
                for (name, text) in members.members {
                    if let e = expression(text, path: "fallback.expression.\(name)", problems: &problems) { compiled.append((name, e)) }
                }
                if let schema, case .object(let properties, let required) = schema {
                    for name in required where !members.keys.contains(name) {
                        problems.append(ConfigProblem(path: "fallback.expression", message: "the rule gives no '\(name)', which the schema requires"))
                    }
                    for key in members.keys where !properties.contains(where: { $0.name == key }) {
                        problems.append(ConfigProblem(path: "fallback.expression.\(key)", message: "'\(key)' is not in the schema"))
                    }
                } else if schema != nil {
                    problems.append(ConfigProblem(path: "fallback.expression", message: "the schema is not an object; give one expression"))
                }
                return .expression(.members(compiled))
            case let e?:
                return expression(e, path: "fallback.expression", problems: &problems).map { .expression(.single($0)) } ?? .none
            case nil:
                return .none
            }
        default:
            problems.append(ConfigProblem(
                path: "fallback", message: "fallback must be hold, safe-state or {expression: ...}",
                hint: "an expression (or one per member of the answer) gives the answer's shape from a local rule"))
            return .none
        }
    }

    private static func expression(_ value: JSONValue, path: String, problems: inout [ConfigProblem]) -> CompiledExpression? {
        guard case .string(let text) = value else {
            problems.append(ConfigProblem(path: path, message: "expected an expression string"))
            return nil
        }
        if text.contains("${") {
            problems.append(ConfigProblem(path: path, message: "write the expression without ${...}", hint: "e.g. payload.temp"))
            return nil
        }
        do throws(ExpressionError) {
            return try CompiledExpression(text)
        } catch {
            problems.append(ConfigProblem(path: path, message: "\(error.message) (column \(error.column) of the expression)", hint: error.hint))
            return nil
        }
    }
}
