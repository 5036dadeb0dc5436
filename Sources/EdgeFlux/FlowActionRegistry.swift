/// Which handler runs each action type. The compiler refuses an action whose type has no
/// handler ("not available in this build"), so an agent registers exactly what it can run:
/// EdgeFlux brings `republish` and `log`; the agent adds `webhook`, `gpio-write`, `harvest`, ...
public struct FlowActionRegistry: Sendable {
    private var handlers: [String: any FlowActionHandler] = [:]

    /// Creates an empty registry.
    public init() {}

    /// Registers `handler` for `type`, replacing any earlier one.
    public mutating func register(_ type: String, _ handler: any FlowActionHandler) {
        handlers[type] = handler
    }

    /// The handler of `type`, if one is registered.
    public func handler(for type: String) -> (any FlowActionHandler)? { handlers[type] }

    /// The registered types, sorted.
    public var types: [String] { handlers.keys.sorted() }

    /// For `edgeflow flow test`: every known action type except `keeping` runs through `dryRun`,
    /// which validates configs with the handler registered here (if any) but never acts.
    /// `republish` and `log` are kept by default: they only route and log, so the trace is real.
    public func replacingForDryRun(
        _ dryRun: DryRunHandler, keeping: Set<String> = ["republish", "log"]
    ) -> FlowActionRegistry {
        var out = FlowActionRegistry()
        for type in Set(knownActionTypes).union(handlers.keys) {
            if keeping.contains(type), let real = handlers[type] {
                out.register(type, real)
            } else {
                out.register(type, DryRunHandler.Validating(recorder: dryRun, validator: handlers[type]))
            }
        }
        return out
    }
}
