public import EdgeCore

/// What `edgeflow flow eval` prints and how it exits; the command only writes these out, so
/// the behaviour is tested without spawning the binary.
public struct CLIEvaluationResult: Sendable, Equatable {
    /// Text for standard output (no trailing newline); empty on error.
    public var standardOutput: String
    /// Text for standard error (no trailing newline); empty on success.
    public var standardError: String
    /// 0 on success, 2 on bad input.
    public var exitCode: Int32

    /// Creates a result.
    public init(standardOutput: String, standardError: String, exitCode: Int32) {
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.exitCode = exitCode
    }
}

/// Evaluates `expression` for `edgeflow flow eval`: `payload` and `context` are JSON texts
/// (default `null` and `{}`), `event` is `{"payload": ..., "context": ...}` and defaults, member
/// by member, to the given payload and context. The value is printed as compact JSON.
public func evaluateForCLI(
    expression: String, payload: String?, context: String?, event: String?, clock: any EdgeClock = SystemClock()
) -> CLIEvaluationResult {
    func failure(_ message: String) -> CLIEvaluationResult {
        CLIEvaluationResult(standardOutput: "", standardError: message, exitCode: 2)
    }
    func parseOption(_ text: String?, default fallback: JSONValue) -> Result<JSONValue, JSONParseError> {
        guard let text else { return .success(fallback) }
        do throws(JSONParseError) {
            return .success(try JSONValue.parse(text))
        } catch {
            return .failure(error)
        }
    }
    let payloadValue: JSONValue
    let contextValue: JSONValue
    let eventValue: JSONValue?
    switch parseOption(payload, default: .null) {
    case .success(let v): payloadValue = v
    case .failure(let e): return failure("error: --payload is not valid JSON: \(e)")
    }
    switch parseOption(context, default: .object(JSONObject())) {
    case .success(let v): contextValue = v
    case .failure(let e): return failure("error: --context is not valid JSON: \(e)")
    }
    switch parseOption(event, default: .null) {
    case .success(let v): eventValue = event == nil ? JSONValue?.none : .some(v)
    case .failure(let e): return failure("error: --event is not valid JSON: \(e)")
    }
    var environment = EvaluationEnvironment(payload: payloadValue, context: contextValue, clock: clock)
    if let eventValue {
        guard case .object(let object) = eventValue else {
            return failure("error: --event must be a JSON object like {\"payload\": ..., \"context\": ...}")
        }
        let unknown = object.keys.filter { $0 != "payload" && $0 != "context" }
        if !unknown.isEmpty {
            return failure(
                "error: --event has unknown member \(unknown.map { "'\($0)'" }.joined(separator: ", ")); "
                    + "it takes only payload and context")
        }
        environment.eventIsMessage = false
        environment.eventPayload = object["payload"] ?? payloadValue
        environment.eventContext = object["context"] ?? contextValue
    }
    let compiled: CompiledExpression
    do throws(ExpressionError) {
        compiled = try CompiledExpression(expression)
    } catch {
        return failure(error.rendered(source: expression))
    }
    return CLIEvaluationResult(
        standardOutput: compiled.evaluate(environment).compactJSON, standardError: "", exitCode: 0)
}
