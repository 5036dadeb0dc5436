public import EdgeConfig
public import EdgeCore
public import Logging

/// The configured AI endpoints at run time, by name. `snapshot()` is the status API: circuit
/// states and budget use, for `edgeflow status` and metrics (docs/safety.md S3).
public final class AIEndpoints: Sendable {
    /// The endpoints in config order.
    public let all: [AIEndpoint]

    /// Builds the runtime of every endpoint of `config` (none without an `ai:` section).
    public init(config: AIConfig?, clock: any EdgeClock, logger: Logger) {
        all = (config?.endpoints ?? []).map { AIEndpoint(config: $0, clock: clock, logger: logger) }
    }

    /// The endpoint called `name`.
    public func endpoint(named name: String) -> AIEndpoint? { all.first { $0.config.name == name } }

    /// Every endpoint's state now.
    public func snapshot() -> AIStatusSnapshot { AIStatusSnapshot(endpoints: all.map { $0.snapshot() }) }
}
