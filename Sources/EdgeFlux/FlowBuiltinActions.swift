public import EdgeCore
public import Logging
import Synchronization

extension FlowActionRegistry {
    /// A registry with the actions EdgeFlux implements itself: `republish` and `log`.
    public static func builtIn(logger: Logger) -> FlowActionRegistry {
        var registry = FlowActionRegistry()
        registry.register("republish", RepublishActionHandler())
        registry.register("log", LogActionHandler(logger: logger))
        return registry
    }
}

/// `republish` (docs/flow-language.md §4): the result is `config.transform.content` (rendered, then
/// read as JSON unless `contentType` says otherwise), or the input message unchanged.
public struct RepublishActionHandler: FlowActionHandler {
    /// Creates the handler.
    public init() {}

    /// Accepts only an optional `transform` with `contentType` and `content` strings.
    public func validate(config: JSONValue, path: String) -> [FlowConfigIssue] {
        var issues = FlowConfigCheck.fields(config, path, allowed: ["transform"])
        if case .object(let object) = config, let transform = object["transform"] {
            let transformPath = path + ".transform"
            issues += FlowConfigCheck.fields(transform, transformPath, allowed: ["contentType", "content"])
            if case .object(let t) = transform {
                issues += FlowConfigCheck.string(t["content"], transformPath + ".content", required: true)
                issues += FlowConfigCheck.string(t["contentType"], transformPath + ".contentType", required: false)
            }
        }
        return issues
    }

    /// Completes at once with the transformed content or the input.
    public func start(_ invocation: ActionInvocation, complete: @escaping @Sendable (ActionResult) -> Void) {
        let transform = invocation.config["transform"]
        guard case .string(let content) = transform["content"] else {
            complete(.success(invocation.payload))
            return
        }
        switch FlowTransform.value(of: content, contentType: transform["contentType"].stringValue) {
        case .success(let value): complete(.success(value))
        case .failure(let failure): complete(.failure(failure))
        }
    }
}

/// `log` (docs/flow-language.md §4): logs `message` (rendered; the input as compact JSON when absent)
/// at `level` through the injected logger. No result, so nothing is republished.
public struct LogActionHandler: FlowActionHandler {
    private let logger: Logger
    private static let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Creates the handler logging through `logger`.
    public init(logger: Logger) {
        self.logger = logger
    }

    /// Accepts optional `level` (one of swift-log's levels) and `message` strings.
    public func validate(config: JSONValue, path: String) -> [FlowConfigIssue] {
        var issues = FlowConfigCheck.fields(config, path, allowed: ["level", "message"])
        guard case .object(let object) = config else { return issues }
        issues += FlowConfigCheck.string(object["message"], path + ".message", required: false)
        if let level = object["level"] {
            if case .string(let name) = level, Self.levels.contains(name) {
                // fine
            } else {
                issues.append(FlowConfigIssue(
                    path: path + ".level", message: "level must be one of \(Self.levels.joined(separator: ", "))"))
            }
        }
        return issues
    }

    /// Logs and completes at once with no result.
    public func start(_ invocation: ActionInvocation, complete: @escaping @Sendable (ActionResult) -> Void) {
        let level = invocation.config["level"].stringValue.flatMap(Logger.Level.init(rawValue:)) ?? .info
        let message = invocation.config["message"].stringValue ?? invocation.payload.compactJSON
        logger.log(
            level: level, "\(message)",
            metadata: ["appId": "\(invocation.appId)", "actionId": "\(invocation.actionId)"])
        complete(.success(nil))
    }
}

/// Stands in for actions that touch the world (webhook, GPIO, Modbus, harvest, AI) in
/// `edgeflow flow test`: records each invocation and returns
/// `{"dryRun": true, "type": ..., "config": <rendered config>}` at once.
public final class DryRunHandler: FlowActionHandler {
    private let recorded = Mutex<[ActionInvocation]>([])

    /// Creates a recorder.
    public init() {}

    /// Every invocation so far, in order.
    public var invocations: [ActionInvocation] { recorded.withLock { $0 } }

    /// Records and answers the dry-run result.
    public func start(_ invocation: ActionInvocation, complete: @escaping @Sendable (ActionResult) -> Void) {
        recorded.withLock { $0.append(invocation) }
        complete(.success(["dryRun": true, "type": .string(invocation.type), "config": invocation.config]))
    }

    /// A dry run of one type that still validates configs with the real handler, so
    /// `flow test` reports the same config errors as `run`.
    struct Validating: FlowActionHandler {
        let recorder: DryRunHandler
        let validator: (any FlowActionHandler)?

        func validate(config: JSONValue, path: String) -> [FlowConfigIssue] {
            validator?.validate(config: config, path: path) ?? []
        }

        func start(_ invocation: ActionInvocation, complete: @escaping @Sendable (ActionResult) -> Void) {
            recorder.start(invocation, complete: complete)
        }
    }
}

/// Shared checks for handlers' `validate`.
public enum FlowConfigCheck {
    /// `value` must be an object with only `allowed` keys; one issue per unknown key.
    public static func fields(_ value: JSONValue, _ path: String, allowed: [String]) -> [FlowConfigIssue] {
        guard case .object(let object) = value else {
            return [FlowConfigIssue(path: path, message: "expected a mapping")]
        }
        return object.keys.filter { !allowed.contains($0) }.map { key in
            FlowConfigIssue(
                path: path + "." + key, message: "unknown field '\(key)'",
                hint: allowed.isEmpty ? "this action takes no config" : "allowed: \(allowed.joined(separator: ", "))")
        }
    }

    /// `value` must be a string (when present, or always when `required`).
    public static func string(_ value: JSONValue?, _ path: String, required: Bool) -> [FlowConfigIssue] {
        switch value {
        case .none: return required ? [FlowConfigIssue(path: path, message: "missing required field")] : []
        case .string?: return []
        case .some: return [FlowConfigIssue(path: path, message: "expected a string")]
        }
    }
}

/// Reading rendered transform content as a message (docs/flow-language.md §1, `transform`).
enum FlowTransform {
    /// JSON unless `contentType` names something else (`text/plain` gives the text as a string).
    static func value(of text: String, contentType: String?) -> Result<JSONValue, FlowActionFailure> {
        if let contentType, !contentType.lowercased().contains("json") { return .success(.string(text)) }
        do throws(JSONParseError) {
            return .success(try JSONValue.parse(text))
        } catch {
            return .failure(FlowActionFailure(
                kind: "transform", message: "transform content is not valid JSON (\(error)): \(preview(text))"))
        }
    }

    /// The first 120 characters, for messages about long text.
    static func preview(_ text: String) -> String {
        text.count <= 120 ? text : String(text.prefix(120)) + "..."
    }
}
