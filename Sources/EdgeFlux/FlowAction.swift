public import EdgeCore

/// The trigger of a run (docs/flow-language.md §2): `event.payload` and `event.context` in
/// expressions, unchanged through every hop.
public struct FlowEvent: Sendable, Equatable {
    /// The trigger's payload.
    public var payload: JSONValue
    /// The trigger's context.
    public var context: JSONValue

    /// Creates an event.
    public init(payload: JSONValue, context: JSONValue) {
        self.payload = payload
        self.context = context
    }
}

/// One run of an action, handed to its handler: the action's identity, its `config` with every
/// `${...}` template rendered as text, and the message that made it run.
public struct ActionInvocation: Sendable {
    /// The app the action belongs to.
    public var appId: String
    /// The action id.
    public var actionId: String
    /// The action type (`webhook`, `gpio-write`, ...).
    public var type: String
    /// The action's config with templates rendered; non-string values are as written.
    public var config: JSONValue
    /// The message that entered the action's channel.
    public var payload: JSONValue
    /// That message's context.
    public var context: JSONValue
    /// The trigger of the run.
    public var event: FlowEvent

    /// Creates an invocation.
    public init(
        appId: String, actionId: String, type: String, config: JSONValue, payload: JSONValue, context: JSONValue,
        event: FlowEvent
    ) {
        self.appId = appId
        self.actionId = actionId
        self.type = type
        self.config = config
        self.payload = payload
        self.context = context
        self.event = event
    }
}

/// Why an action failed (docs/flow-language.md §4): it then produces no output, the failure is counted
/// and, with `output.errorChannelId`, republished as `{"error": {...}, "input": ...}`.
public struct FlowActionFailure: Error, Sendable, Equatable {
    /// A short machine-readable class, e.g. `timeout`, `http`, `refused`, `spool-full`,
    /// `transform`, `invalid-config`; handlers may add their own.
    public var kind: String
    /// What happened, for logs and the error message.
    public var message: String

    /// Creates a failure.
    public init(kind: String, message: String) {
        self.kind = kind
        self.message = message
    }
}

/// How an action run ended: a result (nil for actions without one, such as `log`) or a failure.
public enum ActionResult: Sendable, Equatable {
    /// The run succeeded; the value (if any) is what `output` republishes.
    case success(JSONValue?)
    /// The run failed.
    case failure(FlowActionFailure)
}

/// A problem in an action's config, with its field path: EdgeCore's one `ConfigProblem`.
public typealias FlowConfigIssue = ConfigProblem

/// What runs an action type. The engine calls `validate` once per action when apps are
/// compiled, and `start` on the engine's thread for every run.
///
/// `start` must return promptly: a handler doing I/O (an HTTP call, a bus write) hands the work to
/// its own thread or task and calls `complete` from there. `complete` may be called from any
/// thread, exactly once; the engine applies the result on its own thread in
/// `FlowEngine.processCompletions()`. The engine starts at most one invocation of an action at a
/// time, so a handler never sees two runs of the same action overlap.
public protocol FlowActionHandler: Sendable {
    /// Checks an action's raw config (templates not rendered); `path` is the config's field path,
    /// and each issue names the full path of its field.
    func validate(config: JSONValue, path: String) -> [FlowConfigIssue]

    /// Runs one invocation and reports how it ended through `complete`.
    func start(_ invocation: ActionInvocation, complete: @escaping @Sendable (ActionResult) -> Void)
}

extension FlowActionHandler {
    /// By default every config is accepted.
    public func validate(config: JSONValue, path: String) -> [FlowConfigIssue] { [] }
}

/// The message `output.errorChannelId` receives when an action fails.
func flowErrorMessage(
    appId: String, actionId: String, failure: FlowActionFailure, input: JSONValue
) -> JSONValue {
    let error: JSONValue = [
        "appId": .string(appId), "actionId": .string(actionId), "kind": .string(failure.kind),
        "message": .string(failure.message),
    ]
    return ["error": error, "input": input]
}
