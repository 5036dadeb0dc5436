import EdgeCore
import Logging

/// What happens after an action ran (docs/flow-language.md §3, §4): output with transform,
/// `splitArray` and delay; the size and hop caps; failures to `errorChannelId`.
extension FlowEngine {
    /// Applies one handler result.
    func apply(_ result: ActionResult, action: Int, message: FlowMessage) {
        let plan = flows.actions[action]
        switch result {
        case .failure(let failure):
            fail(action, message: message, failure)
        case .success(let value):
            guard let destination = plan.output.channel else {
                trace(action, hop: message.hops, output: nil, .ran(result: value))
                return
            }
            let output: JSONValue
            if let transform = plan.output.transform {
                var environment = self.environment(for: message)
                environment.result = value ?? .null
                let text = transform.render(environment)
                switch FlowTransform.value(of: text, contentType: plan.output.transformContentType) {
                case .success(let transformed): output = transformed
                case .failure(let failure):
                    fail(action, message: message, failure)
                    return
                }
            } else if let value {
                output = value
            } else {
                // Nothing to republish (e.g. `log`).
                trace(action, hop: message.hops, output: nil, .ran(result: nil))
                return
            }
            trace(action, hop: message.hops, output: nil, .ran(result: value))
            if plan.output.splitArray, case .array(let items) = output {
                for item in items { republish(item, from: action, input: message, to: destination, isError: false) }
            } else {
                republish(output, from: action, input: message, to: destination, isError: false)
            }
        }
    }

    /// Counts a failure, remembers it, logs it, and republishes it when the action has an
    /// error channel.
    func fail(_ action: Int, message: FlowMessage, _ failure: FlowActionFailure) {
        let plan = flows.actions[action]
        let counters = self.counters.actions[action]
        counters.failed.bump()
        counters.record(error: "\(failure.kind): \(failure.message)")
        if Self.worthLogging(counters.failed.value) {
            logger.warning(
                "flow action failed: \(failure.message)",
                metadata: [
                    "appId": "\(plan.appId)", "actionId": "\(plan.actionId)", "kind": "\(failure.kind)",
                    "failed": "\(counters.failed.value)",
                ])
        }
        trace(action, hop: message.hops, output: nil, .failed(failure))
        guard let errorChannel = plan.output.errorChannel else { return }
        var error = flowErrorMessage(
            appId: plan.appId, actionId: plan.actionId, failure: failure, input: message.payload)
        if error.compactJSON.utf8.count > flows.options.maxMessageBytes {
            // The input is what made it large; say so rather than lose the error too.
            error = flowErrorMessage(appId: plan.appId, actionId: plan.actionId, failure: failure, input: .null)
            error.replaceMember("inputOmitted", with: .string("larger than \(flows.options.maxMessageBytes) bytes"))
        }
        republish(error, from: action, input: message, to: errorChannel, isError: true)
    }

    /// Puts `payload` on `channel` as the next hop of `input`'s run, now or after the action's
    /// delay; refuses it past the hop cap or over the size cap.
    func republish(_ payload: JSONValue, from action: Int, input: FlowMessage, to channel: Int, isError: Bool) {
        let plan = flows.actions[action]
        let hops = input.hops + 1
        let channelId = flows.channels[channel].id
        if hops > flows.options.maxHops {
            counters.hopCapStops.bump()
            if Self.worthLogging(counters.hopCapStops.value) {
                logger.warning(
                    "flow run stopped at the hop cap",
                    metadata: [
                        "appId": "\(plan.appId)", "actionId": "\(plan.actionId)", "channelId": "\(channelId)",
                        "maxHops": "\(flows.options.maxHops)", "stops": "\(counters.hopCapStops.value)",
                    ])
            }
            let reason = "hop cap \(flows.options.maxHops) reached"
            trace(action, hop: input.hops, output: channelId, .refused(reason: reason))
            return
        }
        let size = payload.compactJSON.utf8.count
        if size > flows.options.maxMessageBytes {
            counters.oversizeRefusals.bump()
            let reason = "message of \(size) bytes exceeds the \(flows.options.maxMessageBytes)-byte limit"
            trace(action, hop: input.hops, output: channelId, .refused(reason: reason))
            if !isError { fail(action, message: input, FlowActionFailure(kind: "oversize", message: reason)) }
            return
        }
        let context: JSONValue = [
            "eventType": "republish", "appId": .string(plan.appId), "actionId": .string(plan.actionId),
            "channelId": .string(flows.channels[plan.channel].id),
            "timestamp": .number(Double(clock.wallNanoseconds() / 1_000_000)),
        ]
        let next = FlowMessage(payload: payload, context: context, event: input.event, hops: hops)
        let delay = isError ? 0 : plan.output.delaySeconds
        trace(action, hop: input.hops, output: channelId, .republished(payload: payload, delaySeconds: delay))
        if delay > 0 {
            let due = clock.monotonicNanoseconds() + Int64(delay) * 1_000_000_000
            delays.push(FlowDelayedMessage(channel: channel, message: next), due: due)
            counters.delayedScheduled.bump()
        } else {
            deliver(next, to: channel)
        }
    }

    /// A condition gave a non-boolean: counted and logged with the action id, never thrown.
    func conditionError(action: Int, value: JSONValue, hop: Int) {
        let plan = flows.actions[action]
        let counters = self.counters.actions[action]
        counters.conditionErrors.bump()
        self.counters.conditionErrors.bump()
        let count = counters.conditionErrors.value
        if Self.worthLogging(count) {
            let text = "condition gave \(value.compactJSON), not a boolean: \(plan.condition.source)"
            counters.record(error: text)
            logger.warning(
                "flow condition is not a boolean; action not run",
                metadata: [
                    "appId": "\(plan.appId)", "actionId": "\(plan.actionId)", "value": "\(value.compactJSON)",
                    "errors": "\(count)",
                ])
        }
        trace(action, hop: hop, output: nil, .conditionError(value: value))
    }

    /// What expressions see for a JSON message.
    func environment(for message: FlowMessage) -> EvaluationEnvironment {
        if message.hops == 0 {
            return EvaluationEnvironment(payload: message.payload, context: message.context, clock: clock)
        }
        return EvaluationEnvironment(
            payload: message.payload, context: message.context,
            event: (payload: message.event.payload, context: message.event.context), clock: clock)
    }

    func trace(_ action: Int, hop: Int, output: String?, _ outcome: FlowTrace.Outcome) {
        guard let onTrace else { return }
        let plan = flows.actions[action]
        onTrace(FlowTrace(
            hop: hop, appId: plan.appId, actionId: plan.actionId, inputChannelId: flows.channels[plan.channel].id,
            outputChannelId: output, outcome: outcome))
    }

    /// Repeating problems are logged at counts 1, 10, 100, ... so a condition that fails on
    /// every reading cannot flood the log; the counters carry the exact numbers.
    static func worthLogging(_ count: UInt64) -> Bool {
        var n = count
        while n >= 10, n % 10 == 0 { n /= 10 }
        return n == 1
    }
}

extension JSONValue {
    /// Sets a member of an object in place. The value is detached from `self` while it changes,
    /// so a context nobody else holds is updated without copying its storage.
    mutating func replaceMember(_ key: String, with value: JSONValue) {
        guard case .object(var object) = self else { return }
        self = .null
        object[key] = value
        self = .object(object)
    }
}
