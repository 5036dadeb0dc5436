public import EdgeConfig
public import EdgeCore
public import Logging
import EdgeFlux
import EdgeModbus
import ServiceLifecycle

/// A subsystem run by the service group: started in order, stopped in reverse on SIGTERM/SIGINT.
struct ThreadService: Service {
    let name: String
    let start: @Sendable () throws -> Void
    let stop: @Sendable () -> Void
    let logger: Logger

    func run() async throws {
        try start()
        logger.debug("started \(name)")
        // Owner threads do the work; this task only waits for the shutdown request.
        try? await gracefulShutdown()
        stop()
        logger.debug("stopped \(name)")
    }
}

/// The agent could not be assembled from a config that passed `check` (a file it needs is
/// not writable, a thread could not start).
public struct AgentError: Error, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// The message.
    public var description: String { message }
}

/// Wires a compiled config into running services: acquisition (simulated board for now) →
/// ring → pipeline (view, outbox), under swift-service-lifecycle.
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
    /// Threads for actions that block (HTTP, fsync).
    let workers: BlockingWorkers
    /// One owner per Modbus bus; each polls its devices on its own thread.
    let modbusOwners: [ModbusBusOwner]
    private let logger: Logger

    /// Builds the agent; nothing starts until `run()`.
    public init(
        config: AgentConfig, logger: Logger, clock: any EdgeClock = SystemClock(),
        onActivity: @escaping @Sendable (String) -> Void
    ) throws {
        self.config = config
        self.logger = logger
        ring = try SampleRing(capacity: config.agent.ringCapacity, policy: config.agent.dropPolicy)
        let wake = WakeSignal()
        let outbox = try Outbox(directory: config.agent.dataDir)
        let view = LiveView(config: config)
        var owners: [ModbusBusOwner] = []
        for bus in config.buses {
            let devices = config.sources.compactMap { source -> ModbusDeviceConfig? in
                if case .modbus(let b, let device) = source.kind, b.id == bus.id { return device }
                return nil
            }
            guard !devices.isEmpty else { continue }
            let ring = ring
            owners.append(try ModbusBusOwner(bus: bus, devices: devices, logger: logger) { cycle in
                // One poll cycle is one device event: its samples share the cycle's timestamp, which
                // is how the pipeline groups them (requests of a cycle are milliseconds apart).
                for var sample in cycle.samples {
                    sample.timestamp = cycle.timestamp
                    ring.push(sample)
                }
                wake.signal()
            })
        }
        modbusOwners = owners
        let sim: SimulatedBoard? = config.board.simulated ? SimulatedBoard(config: config, ring: ring, wake: wake, clock: clock) : nil
        simulation = sim
        let ownersByDevice = Dictionary(uniqueKeysWithValues: owners.flatMap { o in o.devices.map { ($0.id, o) } })
        let log = logger
        outputs = OutputController(outputs: config.outputs, clock: clock) { output, value in
            switch output.target {
            case .gpio:
                sim?.drive(output: output.id, value: value)
            case .modbus(let device, let point):
                ownersByDevice[device]?.enqueueWrite(device: device, point: point, value: .float(value)) { result in
                    if case .failure(let error) = result {
                        log.error("output write failed", metadata: ["output": "\(output.id)", "error": "\(error)"])
                    }
                }
            }
            onActivity("output \(output.id) (\(output.targetName)) = \(JSONValue.formatNumber(value))")
        }
        let workers = try BlockingWorkers(count: 4)
        self.workers = workers
        let resources = ActionResources(workers: workers, spool: try HarvestSpool(directory: config.agent.dataDir), outputs: outputs)
        let registry = AgentCompiler.actionRegistry(config: config, resources: resources, clock: clock, logger: logger)
        let (flows, diagnostics) = AgentCompiler.compileFlows(config: config, registry: registry)
        guard let flows else {
            throw AgentError(message: diagnostics.map(\.description).joined(separator: "\n"))
        }
        let engine = FlowEngine(flows: flows, clock: clock, logger: logger) { wake.signal() }
        engine.onTrace = { trace in
            if let line = view.describe(trace) { onActivity(line) }
        }
        pipeline = Pipeline(
            config: config, ring: ring, wake: wake, outbox: outbox, logger: logger, engine: engine, outputs: outputs,
            clock: clock
        ) { reading in
            onActivity(view.describe(reading))
        }
        if !config.board.simulated && config.sources.contains(where: { if case .gpio = $0.kind { true } else { false } }) {
            logger.warning("board '\(config.board.id)': the GPIO driver is not built yet; GPIO sources are not read")
        }
        self.onActivity = onActivity
    }

    private let onActivity: @Sendable (String) -> Void

    /// Runs until SIGINT or SIGTERM (or the task is cancelled), then stops acquisition first and
    /// the pipeline last, so everything read is in the outbox before exit.
    public func run() async throws {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        let pipeline = pipeline
        services.append(.init(service: ThreadService(name: "pipeline", start: { try pipeline.start() }, stop: { pipeline.stop() }, logger: logger)))
        for owner in modbusOwners {
            services.append(.init(service: ThreadService(
                name: "modbus bus \(owner.bus.id)", start: { try owner.start() }, stop: { owner.stop() }, logger: logger)))
        }
        if let simulation {
            services.append(.init(service: ThreadService(
                name: "simulated board", start: { try simulation.start() }, stop: { simulation.stop() }, logger: logger)))
        }
        // First in the list: started first, so outputs are safe before anything runs, and stopped
        // last, after the pipeline's final actions, so they end in their safe state. Action
        // workers stop after that.
        let outputs = outputs
        let workers = workers
        services.insert(.init(service: ThreadService(
            name: "outputs", start: { outputs.driveAllSafe() }, stop: { outputs.driveAllSafe() }, logger: logger)), at: 0)
        services.insert(.init(service: ThreadService(name: "action workers", start: {}, stop: { workers.stop() }, logger: logger)), at: 0)
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info("edgeflow running", metadata: ["config": "\(config.file)", "sources": "\(config.sources.count)"])
        try await group.run()
        logger.info("edgeflow stopped", metadata: ["readings": "\(pipeline.readings)", "dropped": "\(ring.droppedCount)"])
    }
}
