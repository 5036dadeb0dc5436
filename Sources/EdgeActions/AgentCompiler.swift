public import EdgeConfig
public import EdgeCore
public import EdgeFlux
public import EdgePipeline
public import Logging

/// What running (or checking) a config needs: the config itself and its compiled flows.
public struct AgentPlan: Sendable {
    /// The compiled config.
    public var config: AgentConfig
    /// The compiled apps (empty flows when the config has no apps).
    public var flows: CompiledFlows
}

/// The resources action handlers act through; absent when only checking.
public struct ActionResources: Sendable {
    /// Threads for actions that block.
    public var workers: BlockingWorkers
    /// Where `harvest` appends.
    public var recorder: any Recorder
    /// Outputs behind their envelopes.
    public var outputs: OutputController
    /// What `ai` actions run on; nil when the config has no `ai` section.
    public var ai: AIResources?

    /// Bundles the resources.
    public init(workers: BlockingWorkers, recorder: any Recorder, outputs: OutputController, ai: AIResources? = nil) {
        self.workers = workers
        self.recorder = recorder
        self.outputs = outputs
        self.ai = ai
    }
}

/// Compiles a config and its apps in one pass, shared by `check`, `run` and `flow test`, so
/// all three agree on what is valid.
public enum AgentCompiler {
    /// Compiles `file`; the plan is nil when any error was found.
    public static func compile(file: String, logger: Logger = Logger(label: "edgeflow.check")) -> (
        plan: AgentPlan?, diagnostics: [Diagnostic]
    ) {
        let compilation = ConfigCompiler.compile(file: file)
        guard let config = compilation.config else { return (nil, compilation.diagnostics) }
        let registry = actionRegistry(config: config, resources: nil, clock: SystemClock(), logger: logger)
        let (flows, flowDiagnostics) = compileFlows(config: config, registry: registry)
        let all = compilation.diagnostics + flowDiagnostics
        guard let flows else { return (nil, all) }
        return (AgentPlan(config: config, flows: flows), all)
    }

    /// Compiles the enabled apps of `config` with `registry`.
    public static func compileFlows(config: AgentConfig, registry: FlowActionRegistry) -> (
        CompiledFlows?, [Diagnostic]
    ) {
        // A GPIO source's events carry the edge, not its lines as points (docs/flow-language.md §2).
        let sources = config.sources.map {
            FlowSourceInfo(
                id: $0.id, resourceType: $0.resourceType,
                pointNames: $0.resourceType == "gpio" ? ["line", "name", "value", "edge"] : $0.pointNames)
        }
        let apps = config.apps.filter(\.enabled).map(\.document)
        let (flows, diagnostics) = FlowCompiler.compile(apps: apps, sources: sources, handlers: registry)
        // docs/safety.md S4: an ai result that can reach an actuator needs a fallback.
        let unsafe = AIReachability.check(apps: apps)
        return (unsafe.isEmpty ? flows : nil, diagnostics + unsafe)
    }

    /// Every action type this build can run.
    public static func actionRegistry(
        config: AgentConfig, resources: ActionResources?, clock: any EdgeClock, logger: Logger
    ) -> FlowActionRegistry {
        var registry = FlowActionRegistry.builtIn(logger: logger)
        registry.register("webhook", HTTPActionHandler(workers: resources?.workers, slack: false))
        registry.register("slack", HTTPActionHandler(workers: resources?.workers, slack: true))
        registry.register("harvest", HarvestHandler(workers: resources?.workers, recorder: resources?.recorder, clock: clock))
        registry.register("gpio-write", OutputWriteHandler(outputs: config.outputs, controller: resources?.outputs, modbus: false))
        registry.register("modbus-write", OutputWriteHandler(outputs: config.outputs, controller: resources?.outputs, modbus: true))
        registry.register(
            "ai", AIActionHandler(config: config, outputs: resources?.outputs, ai: resources?.ai, clock: clock, logger: logger))
        return registry
    }
}
