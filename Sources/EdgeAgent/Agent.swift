public import EdgeConfig
public import EdgeCore
public import Logging
import EdgeActions
public import EdgeAI
import EdgeFlux
import EdgeModbus
public import EdgePipeline
public import EdgeSimulation
import EdgeUplink
import ServiceLifecycle

/// The agent could not be assembled from a config that passed `check` (a file it needs is
/// not writable, a thread could not start, an output has no driver in this build).
public struct AgentError: Error, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// The message.
    public var description: String { message }
}

/// Wires a compiled config into running services: frame sources (simulated board, Modbus bus
/// owners) → ring → pipeline (flow engine, recorder, live view) → actions and outputs, under
/// swift-service-lifecycle.
///
/// Start order: action workers, bus links, outputs to their safe values, pipeline, acquisition.
/// Stop order (SIGTERM or SIGINT) is the reverse: acquisition stops, the pipeline drains the ring
/// and lets in-flight actions finish, outputs go to their safe values while their drivers are
/// still open (each write awaited with a deadline), bus links close, workers stop.
public final class Agent: Sendable {
    /// The config being run.
    public let config: AgentConfig
    /// The sample ring between acquisition and the pipeline.
    public let ring: SampleRing
    /// The simulated board, when the config's board is simulated.
    public let simulation: SimulatedBoard?
    /// The ring consumer.
    public let pipeline: Pipeline
    /// Actuator outputs behind their safety envelopes.
    public let outputs: OutputController
    /// Where frames and harvested messages are recorded.
    public let recorder: any Recorder
    private let workers: BlockingWorkers
    /// The `ai` actions' endpoints, workers and audit log; nil without an `ai` section.
    private let ai: AIResources?
    /// Applies people's decisions on held ai results; nil without an `ai` section.
    private let approvals: AIApprovalWatcher?
    /// Sends the spool to the configured endpoint; nil without an `uplink` section.
    private let uplink: UplinkRunner?
    private let modbusOwners: [ModbusBusOwner]
    /// Owner threads shared by TCP buses; shut down after every bus on them has closed.
    private let sharedModbusThreads: [ModbusOwnerThread]
    private let logger: Logger

    /// Builds the agent; nothing starts until `run()`. `onActivity` gets the live view's lines.
    public init(
        config: AgentConfig, logger: Logger, clock: any EdgeClock = SystemClock(),
        onActivity: @escaping @Sendable (String) -> Void
    ) throws {
        self.config = config
        self.logger = logger
        ring = try SampleRing(capacity: config.agent.ringCapacity, policy: config.agent.dropPolicy)
        let wake = WakeSignal()
        let texts = FrameTexts()
        let view = LiveView(config: config)
        (modbusOwners, sharedModbusThreads) = try Self.busOwners(
            config: config, ring: ring, wake: wake, texts: texts, logger: logger)
        let sim: SimulatedBoard? =
            config.board.simulated ? SimulatedBoard(config: config, ring: ring, wake: wake, clock: clock) : nil
        simulation = sim
        outputs = OutputController(
            outputs: config.outputs, drivers: try Self.outputDrivers(config: config, simulation: sim, owners: modbusOwners),
            clock: clock, logger: logger
        ) { output, value in
            onActivity("output \(output.id) (\(output.targetName)) = \(JSONValue.formatNumber(value))")
        }
        do {
            (recorder, uplink) = try Self.recording(config: config, clock: clock, logger: logger) { first, last in
                onActivity("  <= uplink: records \(first)-\(last) acknowledged (\(last - first + 1))")
            }
            workers = try BlockingWorkers(count: 4)
            ai = config.ai == nil ? nil : try AIResources.make(config: config, clock: clock, logger: logger)
        } catch {
            throw AgentError(message: "\(error)")
        }
        let resources = ActionResources(workers: workers, recorder: recorder, outputs: outputs, ai: ai)
        let registry = AgentCompiler.actionRegistry(config: config, resources: resources, clock: clock, logger: logger)
        let (flows, diagnostics) = AgentCompiler.compileFlows(config: config, registry: registry)
        guard let flows else {
            throw AgentError(message: diagnostics.map(\.description).joined(separator: "\n"))
        }
        let engine = FlowEngine(flows: flows, clock: clock, logger: logger) { wake.signal() }
        let controller = outputs
        approvals = ai.map {
            AIApprovalWatcher(
                dataDir: $0.dataDir, postBox: engine.postBox, outputs: controller, audit: $0.audit, clock: clock, logger: logger)
        }
        engine.onTrace = { trace in
            if let line = view.describe(trace) { onActivity(line) }
        }
        pipeline = Pipeline(
            config: config, ring: ring, wake: wake, recorder: recorder, logger: logger, engine: engine,
            outputs: outputs, clock: clock, texts: texts
        ) { frame in
            onActivity(view.describe(frame))
        }
    }

    /// One owner per Modbus bus with devices; each pushes a poll cycle as one frame.
    private static func busOwners(
        config: AgentConfig, ring: SampleRing, wake: WakeSignal, texts: FrameTexts, logger: Logger
    ) throws -> (owners: [ModbusBusOwner], shared: [ModbusOwnerThread]) {
        var owners: [ModbusBusOwner] = []
        // TCP buses share a few owner threads, assigned in turn; a serial bus has its own.
        let tcpCount = config.buses.filter { if case .tcp = $0.transport { true } else { false } }.count
        let shared = (0..<min(config.agent.modbusTCPThreads, max(tcpCount, 1))).map {
            ModbusOwnerThread(name: "modbus tcp \($0)")
        }
        var nextShared = 0
        for bus in config.buses {
            let devices = config.sources.compactMap { source -> ModbusDeviceConfig? in
                if case .modbus(let b, let device) = source.kind, b.id == bus.id { return device }
                return nil
            }
            guard !devices.isEmpty else { continue }
            var thread: ModbusOwnerThread?
            if case .tcp = bus.transport {
                thread = shared[nextShared % shared.count]
                nextShared += 1
            }
            owners.append(
                try ModbusBusOwner(bus: bus, devices: devices, logger: logger, thread: thread) { cycle in
                    // String points' text travels beside the ring, posted before the frame's samples.
                    if !cycle.texts.isEmpty {
                        texts.post(source: Int(cycle.source), timestamp: cycle.timestamp, texts: cycle.texts)
                    }
                    ring.pushFrame(cycle.samples, timestamp: cycle.timestamp)
                    wake.signal()
                })
        }
        return (owners, shared)
    }

    /// Where frames and harvested messages go: with an `uplink`, the spool under
    /// `data_dir/spool` that the HTTP uplink delivers from; without one, `records.jsonl`.
    private static func recording(
        config: AgentConfig, clock: any EdgeClock, logger: Logger,
        onAcknowledged: @escaping @Sendable (UInt64, UInt64) -> Void
    ) throws -> (any Recorder, UplinkRunner?) {
        let sources = config.sources.map { ($0.id, $0.pointNames) }
        guard let settings = config.uplink else {
            return (try RecordFile(directory: config.agent.dataDir, sources: sources), nil)
        }
        let spool = try Spool(
            directory: config.agent.dataDir + "/spool",
            settings: SpoolSettings(maxBytes: settings.spoolMaxBytes, maxAgeNanoseconds: settings.spoolMaxAgeNanoseconds),
            logger: logger)
        let recorder = SpoolRecorder(
            spool: spool, sources: sources, recordFrames: settings.recordFrames,
            syncIntervalNanoseconds: settings.syncIntervalNanoseconds, clock: clock,
            redacted: Set(config.sources.flatMap(\.redactedPoints))
        ) { error in
            logger.error("a frame could not be spooled", metadata: ["error": "\(error)"])
        }
        if settings.transport == "mqtt" {
            guard let endpoint = MQTTUplinkSettings.parse(url: settings.url) else {
                throw AgentError(message: "uplink.url: '\(settings.url)' is not an mqtt:// or mqtts:// URL")
            }
            var mqttSettings = MQTTUplinkSettings(
                host: endpoint.host, port: endpoint.port, tls: endpoint.tls, caFile: settings.caFile,
                gateway: config.agent.name, topic: settings.topic, clientID: settings.clientID,
                username: settings.username, passwordFile: settings.passwordFile,
                keepAliveSeconds: settings.keepAliveSeconds,
                encoder: UplinkEncoder(rawValue: settings.encoder) ?? .json, batchRecords: settings.batchRecords,
                batchBytes: settings.batchBytes, batchIntervalNanoseconds: settings.batchIntervalNanoseconds)
            mqttSettings.budget = TrafficBudget(bytesPerHour: settings.bytesPerHour, requestsPerHour: settings.requestsPerHour)
            let mqtt = MQTTUplink(spool: spool, settings: mqttSettings, clock: clock, logger: logger)
            return (recorder, .mqtt(mqtt))
        }
        let uplink = HTTPUplink(
            spool: spool,
            settings: HTTPUplinkSettings(
                url: settings.url, encoder: UplinkEncoder(rawValue: settings.encoder) ?? .harvest,
                batchRecords: settings.batchRecords, batchBytes: settings.batchBytes,
                batchIntervalNanoseconds: settings.batchIntervalNanoseconds,
                timeoutMilliseconds: Int(settings.timeoutNanoseconds / 1_000_000),
                budget: TrafficBudget(bytesPerHour: settings.bytesPerHour, requestsPerHour: settings.requestsPerHour),
                headers: settings.headers, caFile: settings.caFile, proxy: settings.proxy),
            deadLetterDirectory: config.agent.dataDir + "/dead-letters", clock: clock, logger: logger,
            onAcknowledged: onAcknowledged)
        return (recorder, .http(uplink))
    }

    /// The driver of every output. `check` refuses outputs this build cannot drive; the same
    /// rule here means `run` refuses to start rather than pretend.
    private static func outputDrivers(config: AgentConfig, simulation: SimulatedBoard?, owners: [ModbusBusOwner])
        throws -> [String: any OutputDriver]
    {
        let modbus = ModbusOutputDriver(owners: owners)
        var drivers: [String: any OutputDriver] = [:]
        for output in config.outputs {
            switch output.target {
            case .gpio:
                guard let simulation else {
                    throw AgentError(
                        message: "output '\(output.id)': GPIO outputs are not available in this build (no GPIO driver)")
                }
                drivers[output.id] = simulation
            case .modbus:
                drivers[output.id] = modbus
            }
        }
        return drivers
    }

    /// The AI endpoints' circuit states and budget use now (docs/ai.md, "Status"); empty
    /// without an `ai` section. For `edgeflow status` and metrics.
    public func aiStatus() -> AIStatusSnapshot { ai?.endpoints.snapshot() ?? AIStatusSnapshot(endpoints: []) }

    /// Runs until SIGINT or SIGTERM (or the task is cancelled), then stops in the order above.
    public func run() async throws {
        var stages: [Stage] = []
        func add(_ name: String, start: @escaping @Sendable () throws -> Void, stop: @escaping @Sendable () -> Void) {
            stages.append(Stage(name: name, start: start, stop: stop))
        }
        let workers = workers
        add("action workers", start: {}, stop: { workers.stop() })
        if let ai {
            add("ai workers", start: {}, stop: { ai.stop() })
        }
        if let uplink {
            // Started early and stopped late: after the pipeline's last frames are spooled, it
            // gets a few seconds to deliver them; what it cannot stays in the spool.
            add("uplink", start: { try uplink.start() }, stop: { uplink.stop() })
        }
        let shared = sharedModbusThreads
        add("modbus tcp threads", start: {}, stop: { for thread in shared { thread.shutdown() } })
        let sources: [any FrameSource] = modbusOwners + (simulation.map { [$0] } ?? [])
        for source in sources {
            add("\(source.sourceName) link", start: { try source.open() }, stop: { source.close() })
        }
        let outputs = outputs
        add("outputs", start: { outputs.driveAllSafe() }, stop: { outputs.driveAllSafe() })
        let pipeline = pipeline
        add("pipeline", start: { try pipeline.start() }, stop: { pipeline.stop() })
        if let approvals {
            // After the pipeline starts (it applies what the watcher posts), stopped before it.
            add("ai approvals", start: { try approvals.start() }, stop: { approvals.stop() })
        }
        for source in sources {
            add("\(source.sourceName) acquisition", start: { source.startAcquisition() }, stop: { source.stopAcquisition() })
        }
        // Compiling the config and building the engine leave megabytes of freed memory in the
        // allocator's arena of the thread that did it (a 100-device config: ~4 MB); give those
        // pages back once everything is built, so the resident size reflects what runs.
        add("memory trim", start: { Memory.releaseFreePages() }, stop: {})
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: StagedService(stages: stages, logger: logger)),
            .init(service: ReloadSignalService(logger: logger)),
        ]
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info("edgeflow running", metadata: ["config": "\(config.file)", "sources": "\(config.sources.count)"])
        try await group.run()
        logger.info(
            "edgeflow stopped",
            metadata: [
                "frames": "\(pipeline.frames)", "partial_frames": "\(pipeline.partialFrames)",
                "dropped_samples": "\(ring.droppedCount)", "last_record": "\(recorder.lastSequence)",
            ])
        if let uplink { logger.info("uplink stopped", metadata: uplink.summary) }
    }
}
