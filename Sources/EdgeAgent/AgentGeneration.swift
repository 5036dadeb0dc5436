import EdgeAI
import EdgeActions
import EdgeConfig
import EdgeCore
import EdgeFlux
import EdgeGPIO
import EdgeModbus
import EdgePipeline
import EdgeSimulation
import Logging

/// Everything that one config runs and a reload replaces: frame sources (simulated board,
/// GPIO chip owners, Modbus bus owners), the pipeline with its flow engine, the outputs, the action workers and
/// the recorder's view of the sources. The ring, the spool and the uplink outlive it (they
/// belong to `Agent`), so nothing queued or spooled is lost when one generation hands over to
/// the next.
final class AgentGeneration: Sendable {
    /// The config it runs.
    let config: AgentConfig
    /// 1 for the config the agent started with, then one more per successful reload.
    let number: Int
    /// Monotonic time it was built; sources that never delivered are aged from here.
    let builtAt: Int64
    let simulation: SimulatedBoard?
    let pipeline: Pipeline
    let outputs: OutputController
    /// The flow engine's counters (the engine itself stays on the pipeline's thread).
    let flowCounters: FlowCounters
    let recorder: any Recorder
    let modbusOwners: [ModbusBusOwner]
    /// One owner per GPIO chip the config uses on a real board.
    let gpioOwners: [GPIOChipOwner]
    private let sharedModbusThreads: [ModbusOwnerThread]
    private let workers: BlockingWorkers
    /// The `ai` actions' endpoints, workers and audit log; nil without an `ai` section.
    let ai: AIResources?
    /// Applies people's decisions on held ai results; nil without an `ai` section.
    private let approvals: AIApprovalWatcher?

    /// Every frame source, in start order.
    var sources: [any FrameSource] { modbusOwners + gpioOwners + (simulation.map { [$0] } ?? []) }

    /// Builds the generation; nothing starts until its stages run.
    init(
        config: AgentConfig, number: Int, ring: SampleRing, recording: AgentRecording, clock: any EdgeClock,
        logger: Logger, onActivity: @escaping @Sendable (String) -> Void
    ) throws {
        self.config = config
        self.number = number
        builtAt = clock.monotonicNanoseconds()
        let wake = WakeSignal()
        let texts = FrameTexts()
        let view = LiveView(config: config)
        let observer = ModbusOutputObserver(config: config)
        (modbusOwners, sharedModbusThreads) = try Self.busOwners(
            config: config, ring: ring, wake: wake, texts: texts, observer: observer, logger: logger)
        let sim: SimulatedBoard? =
            config.board.simulated ? SimulatedBoard(config: config, ring: ring, wake: wake, clock: clock) : nil
        simulation = sim
        gpioOwners =
            config.board.simulated
            ? [] : Self.gpioChipLabels(config).map {
                GPIOChipOwner(label: $0, config: config, ring: ring, wake: wake, clock: clock, logger: logger)
            }
        outputs = OutputController(
            outputs: config.outputs,
            drivers: try Self.outputDrivers(config: config, simulation: sim, owners: modbusOwners, chips: gpioOwners),
            clock: clock, logger: logger
        ) { output, value in
            onActivity("output \(output.id) (\(output.targetName)) = \(JSONValue.formatNumber(value))")
        }
        observer.attach(outputs)
        recorder = try recording.recorder(for: config)
        do {
            workers = try BlockingWorkers(count: 4)
        } catch {
            throw AgentError(message: "\(error)")
        }
        do {
            ai = config.ai == nil ? nil : try AIResources.make(config: config, clock: clock, logger: logger)
        } catch {
            workers.stop()
            throw AgentError(message: "\(error)")
        }
        let resources = ActionResources(workers: workers, recorder: recorder, outputs: outputs, ai: ai)
        let registry = AgentCompiler.actionRegistry(config: config, resources: resources, clock: clock, logger: logger)
        let (flows, diagnostics) = AgentCompiler.compileFlows(config: config, registry: registry)
        guard let flows else {
            workers.stop()
            ai?.stop()
            throw AgentError(message: diagnostics.map(\.description).joined(separator: "\n"))
        }
        let engine = FlowEngine(flows: flows, clock: clock, logger: logger) { wake.signal() }
        let controller = outputs
        approvals = ai.map {
            AIApprovalWatcher(
                dataDir: $0.dataDir, postBox: engine.postBox, outputs: controller, audit: $0.audit, clock: clock,
                logger: logger)
        }
        engine.onTrace = { trace in
            if let line = view.describe(trace) { onActivity(line) }
        }
        flowCounters = engine.counters
        pipeline = Pipeline(
            config: config, ring: ring, wake: wake, recorder: recorder, logger: logger, engine: engine,
            outputs: outputs, clock: clock, texts: texts
        ) { frame in
            onActivity(view.describe(frame))
        }
    }

    /// The start steps in order (their stops run in reverse): recorder, action workers, bus
    /// links, outputs to their safe values, pipeline, acquisition. `keptOutputs` (a reload's
    /// outputs that stay, with their lifecycle) are adopted instead of driven safe at start; at
    /// stop, the outputs `stopKeeping()` names then are left as they are (a reload hands them on).
    func stages(keptOutputs: [String: OutputHandOver], stopKeeping: @escaping @Sendable () -> Set<String>) -> [Stage] {
        var stages: [Stage] = []
        func add(_ name: String, start: @escaping @Sendable () throws -> Void, stop: @escaping @Sendable () -> Void) {
            stages.append(Stage(name: name, start: start, stop: stop))
        }
        let workers = workers
        add("action workers", start: {}, stop: { workers.stop() })
        if let ai {
            add("ai workers", start: {}, stop: { ai.stop() })
        }
        let shared = sharedModbusThreads
        add("modbus tcp threads", start: {}, stop: { for thread in shared { thread.shutdown() } })
        // A chip owner requests its output lines at their values from the start: the safe value,
        // or for a reload's kept outputs the value they have, so a hand-over does not glitch them.
        let keptValues = keptOutputs.mapValues(\.commanded)
        for chip in gpioOwners { chip.adopt(outputs: keptValues) }
        for source in sources {
            add("\(source.sourceName) link", start: { try source.open() }, stop: { source.close() })
        }
        let outputs = outputs
        let simulation = simulation
        add(
            "outputs",
            start: {
                outputs.adopt(keptOutputs)
                simulation?.adopt(outputs: keptValues)
                outputs.driveSafe(except: Set(keptOutputs.keys))
            },
            stop: { outputs.driveSafe(except: stopKeeping()) })
        let pipeline = pipeline
        add("pipeline", start: { try pipeline.start() }, stop: { pipeline.stop() })
        if let approvals {
            // After the pipeline starts (it applies what the watcher posts), stopped before it.
            add("ai approvals", start: { try approvals.start() }, stop: { approvals.stop() })
        }
        for source in sources {
            add(
                "\(source.sourceName) acquisition", start: { source.startAcquisition() },
                stop: { source.stopAcquisition() })
        }
        return stages
    }

    /// The labels of the chips that GPIO inputs and outputs live on, in first-use order.
    private static func gpioChipLabels(_ config: AgentConfig) -> [String] {
        var labels: [String] = []
        for source in config.sources {
            guard case .gpio(let inputs) = source.kind else { continue }
            for line in inputs.lines where !labels.contains(line.chipLabel) { labels.append(line.chipLabel) }
        }
        for output in config.outputs {
            if case .gpio(_, let label, _, _) = output.target, !labels.contains(label) { labels.append(label) }
        }
        return labels
    }

    /// One owner per Modbus bus with devices; each pushes a poll cycle as one frame.
    private static func busOwners(
        config: AgentConfig, ring: SampleRing, wake: WakeSignal, texts: FrameTexts, observer: ModbusOutputObserver,
        logger: Logger
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
                    // The poll read the outputs on this device too: their read-back and the sign
                    // that a device that was down answers again.
                    observer.observe(cycle)
                })
        }
        return (owners, shared)
    }

    /// The driver of every output. `check` refuses outputs this build cannot drive; the same
    /// rule here means `run` refuses to start rather than pretend.
    private static func outputDrivers(
        config: AgentConfig, simulation: SimulatedBoard?, owners: [ModbusBusOwner], chips: [GPIOChipOwner]
    ) throws -> [String: any OutputDriver] {
        let modbus = ModbusOutputDriver(owners: owners, outputs: config.outputs)
        var drivers: [String: any OutputDriver] = [:]
        for output in config.outputs {
            switch output.target {
            case .gpio(_, let label, _, _):
                if let simulation {
                    drivers[output.id] = simulation
                } else if let chip = chips.first(where: { $0.label == label }) {
                    drivers[output.id] = chip
                } else {
                    throw AgentError(message: "output '\(output.id)': no owner for GPIO chip '\(label)'")
                }
            case .modbus:
                drivers[output.id] = modbus
            }
        }
        return drivers
    }
}
