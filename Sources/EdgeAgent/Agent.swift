public import EdgeAI
public import EdgeConfig
public import EdgeCore
public import Logging
import EdgeUplink
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The agent could not be assembled from a config that passed `check` (a file it needs is
/// not writable, a thread could not start, an output has no driver in this build).
public struct AgentError: Error, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// The message.
    public var description: String { message }
}

/// Wires a compiled config into running services under swift-service-lifecycle: the ring, the
/// record file or spool and the uplink, which live as long as the process, and one generation
/// of sources → pipeline (flow engine, recorder, live view) → actions and outputs, which a
/// reload (SIGHUP, `edgeflow reload`) replaces. The status socket and the optional metrics
/// endpoint report on all of it (docs/status.md).
///
/// Start order: uplink, status socket, metrics, then the generation (action workers, bus links,
/// outputs to their safe values, pipeline, acquisition). Stop order (SIGTERM or SIGINT) is the
/// reverse: acquisition stops, the pipeline drains the ring and lets in-flight actions finish,
/// outputs go to their safe values while their drivers are still open (each write awaited with a
/// deadline), bus links close, workers stop, and the uplink delivers what it can last.
public final class Agent: Sendable {
    /// The config the agent started with.
    public let config: AgentConfig
    /// The sample ring between acquisition and the pipeline; kept across reloads.
    public let ring: SampleRing
    private let control: GenerationControl
    private let statusServer: ControlServer
    private let metricsServer: ControlServer?
    private let logger: Logger
    private let board: StatusBoard
    private let recording: AgentRecording

    /// Builds the agent; nothing starts until `run()`. `onActivity` gets the live view's lines;
    /// `version` is reported by the status socket.
    public init(
        config: AgentConfig, logger: Logger, clock: any EdgeClock = SystemClock(), version: String = "unknown",
        onActivity: @escaping @Sendable (String) -> Void
    ) throws {
        self.config = config
        self.logger = logger
        ring = try SampleRing(capacity: config.agent.ringCapacity, policy: config.agent.dropPolicy)
        let recording = try AgentRecording.open(config: config, clock: clock, logger: logger)
        self.recording = recording
        let control = try GenerationControl(
            config: config, ring: ring, recording: recording, clock: clock, logger: logger, onActivity: onActivity)
        self.control = control
        let board = StatusBoard(version: version, ring: ring, recording: recording, control: control, clock: clock)
        self.board = board
        statusServer = ControlServer(
            endpoint: .unix(path: Agent.statusSocketPath(for: config)), label: "status socket", logger: logger
        ) { request in
            StatusRoutes.status(
                request, board: board, reload: { control.reload() }, reconnect: { control.reconnectUplink() })
        }
        if config.ai != nil {
            // The ai section follows the running generation's endpoints (a reload rebuilds them);
            // pending approvals are read from their queue under data_dir.
            board.provide(.ai) { control.snapshot.generation?.ai?.endpoints.snapshot().json }
            let dataDir = config.agent.dataDir
            board.provide(.approvals) { .array(ApprovalQueue.pending(dataDir: dataDir).map(\.json)) }
        }
        metricsServer = config.agent.metrics.map { address in
            ControlServer(endpoint: .tcp(address), label: "metrics endpoint", logger: logger) { request in
                StatusRoutes.metrics(request, board: board)
            }
        }
    }

    /// Where the status socket of `config` is: `agent.status.socket`, else
    /// `$RUNTIME_DIRECTORY/edgeflow.sock` (systemd's `RuntimeDirectory=`), else
    /// `<data_dir>/edgeflow.sock`.
    public static func statusSocketPath(for config: AgentConfig, environment: [String: String]? = nil) -> String {
        if let path = config.agent.statusSocket { return path }
        let runtime =
            environment.map { $0["RUNTIME_DIRECTORY"] } ?? getenv("RUNTIME_DIRECTORY").map { String(cString: $0) }
        // systemd lists several directories separated by colons when the unit asks for several.
        if let first = runtime?.split(separator: ":").first, !first.isEmpty { return "\(first)/edgeflow.sock" }
        return config.agent.dataDir + "/edgeflow.sock"
    }

    /// The AI endpoints' circuit states and budget use now (docs/ai.md, "Status"); empty
    /// without an `ai` section.
    public func aiStatus() -> AIStatusSnapshot {
        control.snapshot.generation?.ai?.endpoints.snapshot() ?? AIStatusSnapshot(endpoints: [])
    }

    /// Adds a section to the status document (docs/status.md reserves `ai` and `approvals`):
    /// `provider` runs on the status thread for each request and must answer from a snapshot;
    /// returning nil leaves the section out.
    public func provideStatus(_ section: StatusSection, _ provider: @escaping @Sendable () -> JSONValue?) {
        board.provide(section, provider)
    }

    /// Compiles the config file again and, when it is free of errors, swaps the running
    /// generation for one built from it (see `GenerationControl.reload`).
    @discardableResult
    public func reload() -> ReloadOutcome { control.reload() }

    /// Runs until SIGINT or SIGTERM (or the task is cancelled), then stops in the order above.
    /// Under systemd (`Type=notify`), `notifier` tells it READY=1 once everything started,
    /// pings the watchdog while the pipeline makes progress, and says STOPPING=1 first on stop.
    public func run(notifier: SystemdNotifier = .fromEnvironment()) async throws {
        let control = control
        let recording = recording
        let statusServer = statusServer
        let logger = logger
        // Progress is the current generation's pipeline loop count; a reload starts a new count,
        // so the generation number is folded in and a hand-over also counts as progress.
        let watchdog = SystemdWatchdog(notifier: notifier, logger: logger) {
            guard let generation = control.snapshot.generation else { return 0 }
            return generation.number &* 1_000_003 &+ generation.pipeline.heartbeat
        }
        var stages = [
            // First in, so last out: the watchdog keeps systemd informed through the whole drain.
            Stage(name: "systemd watchdog", start: {}, stop: { watchdog?.stop() }),
            Stage(name: "uplink", start: { try control.startUplink() }, stop: { control.stopUplink() }),
            // Stops after every generation (their last frames and harvests are handed over) and
            // before the uplink's last delivery, which reads what it wrote.
            Stage(name: "record writer", start: { try recording.writer.start() }, stop: { recording.writer.stop() }),
            Stage(name: "status socket", start: { try statusServer.start() }, stop: { statusServer.stop() }),
        ]
        if let metricsServer {
            stages.append(
                Stage(name: "metrics endpoint", start: { try metricsServer.start() }, stop: { metricsServer.stop() }))
        }
        stages.append(
            Stage(name: "generation", start: { try control.startFirst() }, stop: { control.stopForShutdown() }))
        // Compiling the config and building the engine leave megabytes of freed memory in the
        // allocator's arena of the thread that did it (a 100-device config: ~4 MB); give those
        // pages back once everything is built, so the resident size reflects what runs.
        stages.append(Stage(name: "memory trim", start: { Memory.releaseFreePages() }, stop: {}))
        // Last: systemd hears READY=1 only once the config compiled, outputs are safe and every
        // source acquires; on shutdown STOPPING=1 comes first, before the drain.
        let running = "STATUS=running: \(config.sources.count) sources, \(config.outputs.count) outputs"
        stages.append(
            Stage(
                name: "systemd notification",
                start: {
                    try watchdog?.start()
                    notifier.send("READY=1\n" + running, logger: logger)
                },
                stop: {
                    notifier.send(
                        "STOPPING=1\nSTATUS=stopping: sources stop, outputs go safe, the uplink flushes", logger: logger)
                    watchdog?.beginDraining()
                }))
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: StagedService(stages: stages, logger: logger)),
            .init(service: ReloadSignalService(logger: logger, reload: { _ = control.reload() })),
        ]
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info("edgeflow running", metadata: ["config": "\(config.file)", "sources": "\(config.sources.count)"])
        try await group.run()
        logger.info("edgeflow stopped", metadata: control.stopSummary())
    }
}
