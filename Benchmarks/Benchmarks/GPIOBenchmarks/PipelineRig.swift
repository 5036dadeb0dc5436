import EdgeActions
import EdgeConfig
import EdgeCore
import EdgeFlux
import EdgePipeline
import EdgeSimulation
import GPIOBenchShims
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The agent's consumer side for P11, assembled from the same pieces and in the same order as
/// the agent assembles them for a `board: sim` config (`AgentGeneration.init` in EdgeAgent) with
/// one GPIO input source and one GPIO output: ring, wake signal, live view, simulated board as
/// the output driver, output controller, record file, action workers and registry, flow engine,
/// pipeline. The agent keeps its wake signal to itself, so a frame pushed into `agent.ring` from
/// outside would wait for the pipeline's 200 ms tick; assembling the pieces here gives the
/// benchmark the wake signal a chip owner gets.
///
/// The benchmark's thread then stands in for the chip owner: it pushes a one-sample frame for
/// the input line and signals the wake, exactly as `GPIOChipOwner.push` does.
final class PipelineRig: @unchecked Sendable {
    // @unchecked: `frame` is touched only by the one producer thread that calls `pushEdge`
    // (as a chip owner's frame buffer is); everything else is immutable or thread-safe.
    let probe = OutputProbe()
    let pipeline: Pipeline
    private let directory: String
    private let ring: SampleRing
    private let wake: WakeSignal
    private let outputs: OutputController
    private let workers: BlockingWorkers
    private let clock = SystemClock()
    private var frame = [Sample](repeating: Sample(source: 0, point: 0, timestamp: 0, value: 0), count: 1)
    private let source: UInt16
    /// records.jsonl and its writer thread, as in the agent.
    private let recording: FileRecording

    /// The one output the app drives and the input line that drives it.
    static let outputId = "relay"
    static let sourceId = "contacts"

    /// Writes the config and app into a temporary directory, compiles them and builds the pieces.
    init() throws(RigProblem) {
        directory = try RigFiles.write()
        let compilation = ConfigCompiler.compile(file: directory + "/agent.yaml")
        guard let config = compilation.config else {
            RigFiles.remove(directory)
            throw RigProblem(compilation.diagnostics.map(\.description).joined(separator: "; "))
        }
        do {
            (ring, wake, outputs, workers, pipeline, source, recording) = try Self.assemble(config, probe: probe, clock: clock)
        } catch {
            RigFiles.remove(directory)
            throw error
        }
    }

    /// The agent's wiring, kept in the same order; the live view's lines go to a sink,
    /// as `edgeflow run` discards them with `view: log`.
    private static func assemble(_ config: AgentConfig, probe: OutputProbe, clock: SystemClock) throws(RigProblem) -> (
        SampleRing, WakeSignal, OutputController, BlockingWorkers, Pipeline, UInt16, FileRecording
    ) {
        var logger = Logger(label: "p11")
        logger.logLevel = .warning
        guard let index = config.sources.firstIndex(where: { $0.id == sourceId }),
            let output = config.outputs.first(where: { $0.id == outputId })
        else { throw RigProblem("the config has no source '\(sourceId)' or output '\(outputId)'") }
        do {
            let ring = try SampleRing(capacity: config.agent.ringCapacity, policy: config.agent.dropPolicy)
            let wake = WakeSignal()
            let texts = FrameTexts()
            let view = LiveView(config: config)
            let sim = SimulatedBoard(config: config, ring: ring, wake: wake, clock: clock)
            let outputs = OutputController(
                outputs: config.outputs, drivers: [output.id: sim], clock: clock, logger: logger
            ) { output, value in
                // The moment the driver confirmed the value: what the agent's `output ... = v` line reports.
                probe.driven(value)
                Activity.line("output \(output.id) (\(output.targetName)) = \(JSONValue.formatNumber(value))")
            }
            let recording = try FileRecording(
                directory: config.agent.dataDir, sources: config.sources.map { ($0.id, $0.pointNames) }, logger: logger)
            let recorder = recording.recorder
            let workers = try BlockingWorkers(count: 4)
            let resources = ActionResources(workers: workers, recorder: recorder, outputs: outputs)
            let registry = AgentCompiler.actionRegistry(
                config: config, resources: resources, clock: clock, logger: logger)
            let (flows, diagnostics) = AgentCompiler.compileFlows(config: config, registry: registry)
            guard let flows else {
                workers.stop()
                throw RigProblem(diagnostics.map(\.description).joined(separator: "; "))
            }
            let engine = FlowEngine(flows: flows, clock: clock, logger: logger) { wake.signal() }
            engine.onTrace = { trace in
                if let line = view.describe(trace) { Activity.line(line) }
            }
            let pipeline = Pipeline(
                config: config, ring: ring, wake: wake, recorder: recorder, logger: logger, engine: engine,
                outputs: outputs, clock: clock, texts: texts
            ) { frame in
                probe.frameDelivered()
                Activity.line(view.describe(frame))
            }
            return (ring, wake, outputs, workers, pipeline, UInt16(index), recording)
        } catch let problem as RigProblem {
            throw problem
        } catch {
            throw RigProblem("\(error)")
        }
    }

    /// Starts as the agent's start stages do: outputs to their safe values, then the pipeline.
    func start() throws(RigProblem) {
        let failed = outputs.driveAllSafe()
        guard failed.isEmpty else { throw RigProblem("outputs not at their safe values: \(failed)") }
        do {
            try pipeline.start()
        } catch {
            throw RigProblem("pipeline: \(error)")
        }
    }

    /// Stops in the agent's order (pipeline, outputs safe, workers) and removes the files.
    func stop() {
        pipeline.stop()
        outputs.driveAllSafe()
        workers.stop()
        recording.stop()
        RigFiles.remove(directory)
    }

    /// What `OwnerLoop.emit` and `GPIOChipOwner.push` do for one edge of one line: date the
    /// frame from the edge's monotonic time, push it as one frame, wake the pipeline.
    func pushEdge(level: Double, edgeMonotonic: Int64) {
        let wall = clock.wallNanoseconds() - (clock.monotonicNanoseconds() - edgeMonotonic)
        frame[0] = Sample(source: source, point: 0, timestamp: wall, value: level)
        _ = frame.withUnsafeBufferPointer { ring.pushFrame(UnsafeBufferPointer(rebasing: $0[0..<1]), timestamp: wall) }
        wake.signal()
    }

    /// Samples the ring dropped (nonzero means the run is not what it claims).
    var dropped: UInt64 { ring.droppedCount }
}

/// What the output controller saw, written on the pipeline thread and read by the producer.
final class OutputProbe: Sendable {
    private let count = Atomic<Int>(0)
    private let at = Atomic<Int64>(0)
    private let value = Atomic<Int>(-1)
    private let thread = Atomic<Int32>(0)
    private let frameTime = Atomic<Int64>(0)
    private let cpu = Atomic<Int32>(-1)

    /// Records a confirmed value; the time is taken first, so the line built after it is not counted.
    func driven(_ driven: Double) {
        at.store(Monotonic.now(), ordering: .relaxed)
        value.store(Int(driven), ordering: .relaxed)
        cpu.store(gpio_bench_cpu(), ordering: .relaxed)
        count.add(1, ordering: .releasing)
    }

    /// Values confirmed so far (the start's safe value included).
    var confirmed: Int { count.load(ordering: .acquiring) }
    /// When the last value was confirmed (monotonic ns), which, and on which CPU; read after `confirmed`.
    var last: (at: Int64, value: Int, cpu: Int32) {
        (at.load(ordering: .relaxed), value.load(ordering: .relaxed), cpu.load(ordering: .relaxed))
    }

    /// Takes the time a frame reached the pipeline's frame callback (recorded, not yet given to
    /// the engine) and notes the pipeline thread's kernel id, so its state can be read in /proc.
    func frameDelivered() {
        frameTime.store(Monotonic.now(), ordering: .relaxed)
        if thread.load(ordering: .relaxed) == 0 { thread.store(gpio_bench_gettid(), ordering: .relaxed) }
    }

    /// When the last frame reached the frame callback (monotonic ns); read after `confirmed`.
    var frameAt: Int64 { frameTime.load(ordering: .relaxed) }

    /// The pipeline thread's kernel id; 0 before its first frame.
    var pipelineThread: Int32 { thread.load(ordering: .relaxed) }
}

/// Where the live view's lines go: nowhere, as with `view: log`, but they are built as in the agent.
enum Activity {
    @inline(never)
    static func line(_ text: String) {
        _ = text.utf8.count
    }
}

/// The benchmark could not be set up; the summary line says why.
struct RigProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
