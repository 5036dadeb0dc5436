import EdgeCore

/// An action's `config` with every string compiled as a template (docs/flow-language.md §1: string
/// fields accept `${...}`). Subtrees without templates stay constant values, so rendering a
/// config with one templated field copies nothing else.
indirect enum FlowConfigTemplate: Sendable {
    case constant(JSONValue)
    case template(Template)
    case array([FlowConfigTemplate])
    case object([(key: String, value: FlowConfigTemplate)])

    /// A template that failed to compile, with the field it is in.
    struct Failure {
        var path: String
        var text: String
        var error: ExpressionError
    }

    /// A compiled string with the field it is in, for the point-name check.
    struct Field {
        var path: String
        var template: Template
    }

    /// Compiles every string of `value`; failures and templated fields are collected.
    static func compile(
        _ value: JSONValue, path: String, options: CompileOptions, failures: inout [Failure], fields: inout [Field]
    ) -> FlowConfigTemplate {
        switch value {
        case .string(let text):
            guard text.contains("${") else { return .constant(value) }
            do throws(ExpressionError) {
                let template = try Template(text, options: options)
                if template.isConstant { return .constant(.string(template.render(constantEnvironment))) }
                fields.append(Field(path: path, template: template))
                return .template(template)
            } catch {
                failures.append(Failure(path: path, text: text, error: error))
                return .constant(value)
            }
        case .array(let items):
            let compiled = items.enumerated().map { index, item in
                compile(item, path: "\(path)[\(index)]", options: options, failures: &failures, fields: &fields)
            }
            return folded(.array(compiled))
        case .object(let object):
            let compiled = object.members.map { member in
                (
                    key: member.key,
                    value: compile(
                        member.value, path: path + "." + member.key, options: options, failures: &failures,
                        fields: &fields)
                )
            }
            return folded(.object(compiled))
        case .null, .bool, .number:
            return .constant(value)
        }
    }

    /// The config for one run.
    func render(_ environment: EvaluationEnvironment) -> JSONValue {
        switch self {
        case .constant(let value): return value
        case .template(let template): return .string(template.render(environment))
        case .array(let items): return .array(items.map { $0.render(environment) })
        case .object(let members):
            return .object(JSONObject(members.map { (key: $0.key, value: $0.value.render(environment)) }))
        }
    }

    /// A container whose parts are all constant becomes one constant.
    private static func folded(_ node: FlowConfigTemplate) -> FlowConfigTemplate {
        switch node {
        case .array(let items):
            var values: [JSONValue] = []
            for item in items {
                guard case .constant(let value) = item else { return node }
                values.append(value)
            }
            return .constant(.array(values))
        case .object(let members):
            var values: [(key: String, value: JSONValue)] = []
            for member in members {
                guard case .constant(let value) = member.value else { return node }
                values.append((member.key, value))
            }
            return .constant(.object(JSONObject(values)))
        case .constant, .template:
            return node
        }
    }

    /// Rendering a constant template reads nothing; any environment does.
    private static var constantEnvironment: EvaluationEnvironment { EvaluationEnvironment(clock: SystemClock()) }
}
