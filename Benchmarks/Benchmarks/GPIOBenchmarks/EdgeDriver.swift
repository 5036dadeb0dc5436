import GPIOBenchShims

/// The chip's side of P11: a started `PipelineRig` whose input line this thread toggles. Each
/// edge waits until the pipeline thread sleeps, takes t0, pushes the frame and wakes the
/// pipeline; t1 is when the output controller had the driver's confirmation for that value.
final class EdgeDriver: @unchecked Sendable {
    // @unchecked: used by one thread at a time (the benchmark's producer thread).
    let rig: PipelineRig
    private var level = 0
    /// Per edge since the last `resetSplit`: from the push to the frame callback (ring, wake-up,
    /// frame assembly, recording), the rest being live view, flow engine and output.
    private(set) var toFrame = Latencies(reserving: 0)

    /// Starts the rig and reports the line's first level, which is no edge (the pipeline takes
    /// it as the line's starting state), so the next push is the first edge.
    init() throws(RigProblem) {
        rig = try PipelineRig()
        do {
            try rig.start()
        } catch {
            rig.stop()
            throw error
        }
        rig.pushEdge(level: 0, edgeMonotonic: Monotonic.now())
        // The thread id is noted in the frame callback, after the frame count moved: wait for it.
        guard Waiting.untilAbove(0, { Int(rig.probe.pipelineThread) }) else {
            rig.stop()
            throw RigProblem("the pipeline did not take the line's first level within 1 s")
        }
    }

    /// One edge (the level alternates 1, 0, 1, ...): its latency.
    func edge() -> Result<Latency, RigProblem> {
        level = 1 - level
        guard Waiting.untilAsleep(rig.probe.pipelineThread) else {
            return .failure(RigProblem("the pipeline thread did not go to sleep"))
        }
        let before = rig.probe.confirmed
        let cpu = gpio_bench_cpu()
        let t0 = Monotonic.now()
        rig.pushEdge(level: Double(level), edgeMonotonic: t0)
        guard Waiting.untilAbove(before, { rig.probe.confirmed }) else {
            return .failure(RigProblem("no output write within 1 s of edge to \(level) (ring dropped \(rig.dropped))"))
        }
        let (t1, driven, drivenOn) = rig.probe.last
        guard driven == level else {
            return .failure(RigProblem("the relay was driven to \(driven) after an edge to \(level)"))
        }
        let split = Latency(nanoseconds: rig.probe.frameAt - t0, crossCPU: drivenOn != cpu)
        toFrame.append(split)
        return .success(Latency(nanoseconds: t1 - t0, crossCPU: drivenOn != cpu))
    }

    /// Forgets the split so far (after a warm-up).
    func resetSplit(reserving count: Int) { toFrame = Latencies(reserving: count) }

    /// Stops the rig.
    func stop() { rig.stop() }
}

/// One measured wake-up: how long it took and whether the woken thread ran on another CPU
/// than the waking one (on this VM a wake-up across CPUs costs several times one on the same).
struct Latency: Sendable {
    var nanoseconds: Int64
    var crossCPU: Bool
}

/// Latency samples and their nearest-rank percentiles.
struct Latencies: Sendable {
    private(set) var samples: [Latency] = []

    init(reserving count: Int) { samples.reserveCapacity(count) }

    mutating func append(_ value: Latency) { samples.append(value) }
    mutating func append(contentsOf other: Latencies) { samples.append(contentsOf: other.samples) }

    /// The `q` quantile (0...1) in microseconds, of all samples or of those that did (or did
    /// not) cross CPUs; 0 for no samples.
    func microseconds(at q: Double, crossCPU: Bool? = nil) -> Double {
        let sorted = samples.filter { crossCPU == nil || $0.crossCPU == crossCPU }.map(\.nanoseconds).sorted()
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((q * Double(sorted.count)).rounded(.up))
        return Double(sorted[min(max(rank, 1), sorted.count) - 1]) / 1000
    }

    /// The share of samples whose wake-up crossed CPUs, in percent.
    var crossCPUPercent: Double {
        samples.isEmpty ? 0 : Double(samples.filter(\.crossCPU).count) * 100 / Double(samples.count)
    }

    /// Runs `count` measurements of `measure`, stopping at the first failure.
    static func collect(_ count: Int, _ measure: () -> Result<Latency, RigProblem>) -> Result<Latencies, RigProblem> {
        var out = Latencies(reserving: count)
        for _ in 0..<count {
            switch measure() {
            case .success(let latency): out.append(latency)
            case .failure(let problem): return .failure(problem)
            }
        }
        return .success(out)
    }
}
