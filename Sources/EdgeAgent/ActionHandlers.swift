import EdgeConfig
import EdgeCore
import EdgeFlux
import EdgeUplink

extension ConfigProblem {
    func issue(under path: String) -> FlowConfigIssue {
        FlowConfigIssue(path: self.path.isEmpty ? path : "\(path).\(self.path)", message: message, hint: hint)
    }
}

extension ActionFailureInfo {
    var flowFailure: FlowActionFailure { FlowActionFailure(kind: kind, message: message) }
}

/// `webhook` and `slack`: the request is made on a worker thread, never on the engine's.
struct HTTPActionHandler: FlowActionHandler {
    /// nil when the registry only validates (`edgeflow check`).
    let workers: BlockingWorkers?
    let slack: Bool

    func validate(config: JSONValue, path: String) -> [FlowConfigIssue] {
        (slack ? SlackAction.validate(config) : WebhookAction.validate(config)).map { $0.issue(under: path) }
    }

    func start(_ invocation: ActionInvocation, complete: @escaping @Sendable (ActionResult) -> Void) {
        let slack = slack
        guard let workers else {
            complete(.failure(FlowActionFailure(kind: "unavailable", message: "no action workers in this mode")))
            return
        }
        let accepted = workers.submit {
            let outcome: Result<JSONValue, ActionFailureInfo>
            do throws(ActionFailureInfo) {
                let request = slack
                    ? try SlackAction.request(config: invocation.config)
                    : try WebhookAction.request(config: invocation.config, input: invocation.payload)
                let client: HTTPClient
                do {
                    client = try HTTPClient()
                } catch {
                    throw ActionFailureInfo(kind: "other", message: "\(error)")
                }
                outcome = WebhookAction.perform(request, client: client)
            } catch {
                outcome = .failure(error)
            }
            switch outcome {
            case .success(let result): complete(.success(result))
            case .failure(let failure): complete(.failure(failure.flowFailure))
            }
        }
        if !accepted {
            complete(.failure(FlowActionFailure(kind: "overload", message: "the action worker queue is full")))
        }
    }
}

/// `harvest`: appends to the durable spool on a worker thread (it fsyncs).
struct HarvestHandler: FlowActionHandler {
    /// nil when the registry only validates (`edgeflow check`).
    let workers: BlockingWorkers?
    let spool: HarvestSpool?
    let clock: any EdgeClock

    func validate(config: JSONValue, path: String) -> [FlowConfigIssue] {
        HarvestSpool.validate(config).map { $0.issue(under: path) }
    }

    func start(_ invocation: ActionInvocation, complete: @escaping @Sendable (ActionResult) -> Void) {
        guard let workers, let spool else {
            complete(.failure(FlowActionFailure(kind: "unavailable", message: "no spool in this mode")))
            return
        }
        let now = clock.wallNanoseconds()
        let accepted = workers.submit {
            switch spool.append(payload: invocation.payload, context: invocation.context, config: invocation.config, wallNanoseconds: now) {
            case .success(let result): complete(.success(result))
            case .failure(let failure): complete(.failure(failure.flowFailure))
            }
        }
        if !accepted {
            complete(.failure(FlowActionFailure(kind: "overload", message: "the action worker queue is full")))
        }
    }
}

/// `gpio-write` and `modbus-write`: a write through the output's safety envelope. Whatever
/// asked for it (a rule, an AI result, a human), a write outside the envelope is refused.
struct OutputWriteHandler: FlowActionHandler {
    let outputs: [OutputConfig]
    /// nil when the registry only validates (`edgeflow check`).
    let controller: OutputController?
    let modbus: Bool

    var keys: [String] { ["output", "value", "holdSeconds"] }

    func validate(config: JSONValue, path: String) -> [FlowConfigIssue] {
        guard case .object(let o) = config else { return [FlowConfigIssue(path: path, message: "config must be an object")] }
        var issues: [FlowConfigIssue] = []
        for key in o.keys where !keys.contains(key) {
            issues.append(FlowConfigIssue(path: "\(path).\(key)", message: "unknown key '\(key)'", hint: "takes \(keys.joined(separator: ", "))"))
        }
        let kindWanted = modbus ? "modbus" : "gpio"
        let candidates = outputs.filter { output in
            if case .modbus = output.target { return modbus }
            return !modbus
        }
        switch o["output"] {
        case .string(let id):
            if !candidates.contains(where: { $0.id == id }) {
                let names = candidates.map(\.id)
                issues.append(FlowConfigIssue(
                    path: "\(path).output", message: "no \(kindWanted) output '\(id)' in the config",
                    hint: names.isEmpty ? "declare it under outputs: with its safe value" : suggestion(for: id, among: names)))
            }
        default:
            issues.append(FlowConfigIssue(path: "\(path).output", message: "missing required key 'output' (an output id)"))
        }
        switch o["value"] {
        case .number?, .bool?, .string?: break
        default: issues.append(FlowConfigIssue(path: "\(path).value", message: "missing required key 'value' (a number or an expression template)"))
        }
        if let hold = o["holdSeconds"], hold.numberValue.map({ $0 >= 0 && $0 <= 86400 }) != true {
            issues.append(FlowConfigIssue(path: "\(path).holdSeconds", message: "holdSeconds must be a number in 0...86400"))
        }
        return issues
    }

    func start(_ invocation: ActionInvocation, complete: @escaping @Sendable (ActionResult) -> Void) {
        let id = invocation.config["output"].stringValue ?? ""
        let value: Double?
        switch invocation.config["value"] {
        case .number(let n): value = n
        case .bool(let b): value = b ? 1 : 0
        case .string(let s): value = Double(s.trimmingSpaces())
        default: value = nil
        }
        guard let value else {
            complete(.failure(FlowActionFailure(kind: "envelope", message: "value '\(invocation.config["value"].compactJSON)' is not a number")))
            return
        }
        let hold = Int64((invocation.config["holdSeconds"].numberValue ?? 0) * 1e9)
        guard let controller else {
            complete(.failure(FlowActionFailure(kind: "unavailable", message: "no output controller in this mode")))
            return
        }
        do {
            let written = try controller.write(id: id, value: value, holdNanoseconds: hold)
            guard let output = outputs.first(where: { $0.id == id }) else { return }
            switch output.target {
            case .gpio(let line, _, _, _):
                complete(.success(["line": .string(line), "value": .number(written), "output": .string(id)]))
            case .modbus(let device, let point):
                complete(.success(["device": .string(device), "register": .string(point), "value": .number(written), "output": .string(id)]))
            }
        } catch {
            complete(.failure(FlowActionFailure(kind: "envelope", message: error.description)))
        }
    }
}
