import EdgeAI
import EdgeCore
import EdgeFlux
import Logging

/// One run of an `ai` action, on an AI worker thread: data → prompt → bounded call → schema
/// check → result, or the fallback with the reason; each run leaves one audit record.
struct AIRun: Sendable {
    let handler: AIActionHandler
    /// nil in a dry run: only the fallback runs.
    let ai: AIResources?
    let spec: AIActionSpec
    let key: String
    let invocation: ActionInvocation
    let started: Int64

    /// The environment of the local rules: the message as it arrived (nothing leaves the gateway).
    var environment: EvaluationEnvironment {
        EvaluationEnvironment(
            payload: invocation.payload, context: invocation.context,
            event: (invocation.event.payload, invocation.event.context), clock: handler.clock)
    }

    func perform() -> ActionResult {
        if ai?.stopping.isSet == true {
            return conclude(.failure(AIFailure(.other, "the agent is stopping; the request was not sent")), data: .null)
        }
        // The model sees only the `data` values, computed from redacted messages (S8).
        let masked = EvaluationEnvironment(
            payload: handler.redact(invocation.payload), context: invocation.context,
            event: (handler.redact(invocation.event.payload), invocation.event.context), clock: handler.clock)
        let data = spec.data.map { (key: $0.key, value: handler.redact($0.value.evaluate(masked))) }
        let dataValue = JSONValue.object(JSONObject(data))
        guard let endpoint = ai?.endpoints.endpoint(named: spec.endpoint) else {
            return conclude(.failure(AIFailure(.other, "no endpoint '\(spec.endpoint)'")), data: dataValue)
        }
        let user: String
        switch PromptBuilder.userMessage(instructions: spec.prompt, data: data, maxStringLength: spec.maxStringLength) {
        case .success(let text): user = text
        case .failure(let tooLong):
            return conclude(.failure(AIFailure(
                .promptTooLong, "the rendered prompt has \(tooLong.length) characters, more than \(PromptBuilder.limit)")),
                data: dataValue)
        }
        let schema = spec.schema
        let outcome = endpoint.call(
            system: PromptBuilder.systemMessage(schema: spec.schemaText), user: user, json: spec.respondAsJson,
            timeoutNanoseconds: spec.timeoutNanoseconds
        ) { answer in
            if let schema, let violation = schema.violation(of: answer) {
                return .failure(AIFailure(.invalidOutput, "the answer does not match the schema: \(violation)"))
            }
            return .success(answer)
        }
        return conclude(outcome, data: dataValue)
    }

    /// Turns the call's outcome into the action's result, applying the fallback on failure.
    /// `onEngineThread`: called where nothing may wait for the disk (the audit record is
    /// written but not synced).
    func conclude(_ outcome: Result<JSONValue, AIFailure>, data: JSONValue, onEngineThread: Bool = false) -> ActionResult {
        let latency = max(0, handler.clock.monotonicNanoseconds() - started) / 1_000_000
        let result: ActionResult
        var source = "model"
        var output: JSONValue = .null
        var reason: String?
        switch outcome {
        case .success(let answer) where spec.approvalRequired && ai != nil:
            // docs/safety.md S7: the answer waits for a person; nothing moves until then, and
            // `hold` does not repeat an answer nobody approved.
            output = answer
            source = "pending"
            switch hold(answer, latency: latency, data: data) {
            case .success(let message):
                reason = message
                result = .failure(FlowActionFailure(kind: "pending-approval", message: message))
            case .failure(let failure):
                source = "none"
                reason = failure.message
                result = .failure(failure)
            }
        case .success(let answer):
            handler.memory.remember(key, answer)
            output = answer
            result = .success(shape(answer, source: "model", latency: latency, reason: nil))
        case .failure(let failure):
            reason = failure.description
            source = "fallback"
            switch fallback(after: failure) {
            case .success(let value):
                output = value
                result = .success(shape(value, source: "fallback", latency: latency, reason: failure.description))
            case .failure(let refusal):
                source = "none"
                reason = "\(failure.description); \(refusal.message)"
                result = .failure(refusal)
            }
        }
        audit(source: source, output: output, reason: reason, latency: latency, data: data, sync: !onEngineThread)
        return result
    }

    /// Writes the pending decision: the model's result, and the fallback's to apply on a
    /// rejection or at the deadline (computed now, from the same message).
    private func hold(_ answer: JSONValue, latency: Int64, data: JSONValue) -> Result<String, FlowActionFailure> {
        guard let ai else { return .failure(FlowActionFailure(kind: "unavailable", message: "no approval queue in this mode")) }
        let now = handler.clock.wallNanoseconds() / 1_000_000
        var fallbackResult: JSONValue = .null
        var safeOutputs: [String] = []
        switch spec.fallback {
        case .safeState: safeOutputs = handler.reachableOutputs[key] ?? []
        case .none: break
        case .expression, .hold:
            if case .success(let value) = fallback(after: AIFailure(.other, "not approved")) {
                fallbackResult = shape(value, source: "fallback", latency: 0, reason: nil)
            }
        }
        let decision = PendingDecision(
            id: ApprovalQueue.newID(), app: invocation.appId, action: invocation.actionId, target: handler.targets[key],
            createdMilliseconds: now, deadlineMilliseconds: now + spec.approvalDeadlineMilliseconds, inputs: data,
            approved: shape(answer, source: "model", latency: latency, reason: nil), fallback: fallbackResult,
            safeOutputs: safeOutputs)
        do {
            try ApprovalQueue.add(decision, dataDir: ai.dataDir)
        } catch {
            return .failure(FlowActionFailure(kind: "io", message: "the decision could not be held: \(error)"))
        }
        let until = UTCDate.format(decision.deadlineMilliseconds) ?? "\(decision.deadlineMilliseconds)"
        return .success("decision \(decision.id) waits for approval until \(until) (edgeflow approve \(decision.id))")
    }

    private func fallback(after failure: AIFailure) -> Result<JSONValue, FlowActionFailure> {
        switch spec.fallback {
        case .none:
            return .failure(FlowActionFailure(kind: failure.kind.rawValue, message: "\(failure.message) (no fallback)"))
        case .expression(let rule):
            let value = rule.evaluate(environment)
            if let schema = spec.schema, let violation = schema.violation(of: value) {
                return .failure(FlowActionFailure(kind: "fallback-invalid", message: "the fallback rule's value does not match the schema: \(violation)"))
            }
            return .success(value)
        case .hold:
            guard let last = handler.memory.lastOutput(key) else {
                return .failure(FlowActionFailure(kind: "fallback-unavailable", message: "no earlier valid output to hold"))
            }
            return .success(last)
        case .safeState:
            let ids = handler.reachableOutputs[key] ?? []
            guard let outputs = handler.outputs else {
                return .failure(FlowActionFailure(kind: "safe-state", message: "no output controller to drive safe values"))
            }
            for id in ids {
                guard let output = outputs.outputs.first(where: { $0.id == id }) else { continue }
                do {
                    try outputs.write(id: id, value: output.safeValue, holdNanoseconds: 0) { result in
                        if case .failure(let error) = result {
                            handler.logger.error("ai safe-state: output not confirmed", metadata: ["output": "\(id)", "error": "\(error.message)"])
                        }
                    }
                } catch {
                    handler.logger.error("ai safe-state: write refused", metadata: ["output": "\(id)", "error": "\(error)"])
                }
            }
            return .failure(FlowActionFailure(
                kind: "safe-state", message: "outputs driven to their safe values: \(ids.isEmpty ? "none reachable" : ids.joined(separator: ", "))"))
        }
    }

    private func shape(_ output: JSONValue, source: String, latency: Int64, reason: String?) -> JSONValue {
        .object(JSONObject([
            ("output", output), ("source", .string(source)), ("latencyMs", .number(Double(latency))),
            ("reason", reason.map(JSONValue.string) ?? .null), ("endpoint", .string(spec.endpoint)),
        ]))
    }

    private func audit(source: String, output: JSONValue, reason: String?, latency: Int64, data: JSONValue, sync: Bool) {
        guard let ai, let log = ai.audit else { return }
        let model = ai.endpoints.endpoint(named: spec.endpoint)?.config.model ?? ""
        let record = JSONValue.object(JSONObject([
            ("time", .number(Double(handler.clock.wallNanoseconds() / 1_000_000))),
            ("app", .string(invocation.appId)), ("action", .string(invocation.actionId)),
            ("endpoint", .string(spec.endpoint)), ("model", .string(model)),
            ("inputDigest", .string("sha256:" + SHA256.hex(Array(data.compactJSON.utf8)))),
            ("source", .string(source)), ("reason", reason.map(JSONValue.string) ?? .null), ("output", output),
            ("latencyMs", .number(Double(latency))),
        ]))
        do {
            try log.append(record, sync: sync)
        } catch {
            handler.logger.error("ai audit record not written", metadata: ["error": "\(error)"])
        }
    }
}
