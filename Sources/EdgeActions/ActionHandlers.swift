import EdgeConfig
import EdgeCore
import EdgeFlux
import EdgePipeline
import EdgeUplink

extension ActionFailureInfo {
    var flowFailure: FlowActionFailure { FlowActionFailure(kind: kind, message: message) }
}

/// `webhook` and `slack`: the request is made on a worker thread, never on the engine's.
struct HTTPActionHandler: FlowActionHandler {
    /// nil when the registry only validates (`edgeflow check`).
    let workers: BlockingWorkers?
    let slack: Bool

    func validate(config: JSONValue, path: String) -> [FlowConfigIssue] {
        (slack ? SlackAction.validate(config) : WebhookAction.validate(config)).map { $0.under(path) }
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

/// `harvest`: appends the message to the recorder on a worker thread (the append fsyncs), and
/// reports success only once the record is on disk.
struct HarvestHandler: FlowActionHandler {
    /// nil when the registry only validates (`edgeflow check`).
    let workers: BlockingWorkers?
    let recorder: (any Recorder)?
    let clock: any EdgeClock

    func validate(config: JSONValue, path: String) -> [FlowConfigIssue] {
        HarvestAction.validate(config).map { $0.under(path) }
    }

    func start(_ invocation: ActionInvocation, complete: @escaping @Sendable (ActionResult) -> Void) {
        guard let workers, let recorder else {
            complete(.failure(FlowActionFailure(kind: "unavailable", message: "no recorder in this mode")))
            return
        }
        let message = RecordedMessage(
            timestamp: clock.wallNanoseconds(), category: invocation.config["category"].stringValue,
            source: invocation.context["resource"]["resourceId"].stringValue, payload: invocation.payload)
        let accepted = workers.submit {
            do {
                let sequence = try recorder.append(message)
                complete(.success(.object(JSONObject([("queued", true), ("spoolId", .number(Double(sequence)))]))))
            } catch {
                complete(.failure(FlowActionFailure(kind: "io", message: "\(error)")))
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
        guard let output = outputs.first(where: { $0.id == id }) else {
            complete(.failure(FlowActionFailure(kind: "envelope", message: "no output '\(id)'")))
            return
        }
        do {
            // The action completes when the driver has the value on the output (a Modbus write
            // answered by the device), or fails with the driver's error.
            try controller.write(id: id, value: value, holdNanoseconds: hold) { result in
                switch result {
                case .success(let written):
                    switch output.target {
                    case .gpio(let line, _, _, _):
                        complete(.success(["line": .string(line), "value": .number(written), "output": .string(id)]))
                    case .modbus(let device, let point):
                        complete(.success([
                            "device": .string(device), "register": .string(point), "value": .number(written),
                            "output": .string(id),
                        ]))
                    }
                case .failure(let error):
                    complete(.failure(FlowActionFailure(kind: "output", message: "'\(id)': \(error.message)")))
                }
            }
        } catch {
            complete(.failure(FlowActionFailure(kind: "envelope", message: error.description)))
        }
    }
}
