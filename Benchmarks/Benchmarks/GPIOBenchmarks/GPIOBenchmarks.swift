import Benchmark
import Synchronization

// P11 of docs/performance.md: a GPIO edge pushed as a chip owner pushes it, through the agent's
// pipeline, flow engine (a gpio-write rule) and output controller to the simulated board's
// output; the reference is an eventfd wake-up between two threads. The framework runs each
// benchmark in its own process (its table shows each edge's latency as a custom metric); the
// reference's teardown prints the summary line, with both measured interleaved in one process.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [latency],
        warmupIterations: 2,
        scalingFactor: .one,
        maxDuration: .seconds(2),
        maxIterations: 20
    )

    latencyBenchmark(
        "P11 gpio edge -> local action (pipeline to simulated output)",
        make: { () throws(RigProblem) in try EdgeDriver() }, measure: { $0.edge() }, stop: { $0.stop() })

    latencyBenchmark(
        "P11 reference: eventfd wake-up between two threads",
        make: { () throws(RigProblem) in try WakeReference(.eventfd) }, measure: { $0.wake() }, stop: { $0.stop() },
        afterwards: { Summary.printLine() })
}

/// Each measured edge or wake-up, in nanoseconds (one iteration measures `edgesPerIteration`).
let latency = BenchmarkMetric.custom("latency (ns)", polarity: .prefersSmaller, useScalingFactor: false)
let edgesPerIteration = 200

/// Registers a benchmark whose process builds one fixture in its setup (on a thread of its
/// own), records `edgesPerIteration` latencies per iteration, and stops the fixture in teardown.
func latencyBenchmark<F: Sendable>(
    _ name: String, make: @escaping @Sendable () throws(RigProblem) -> F,
    measure: @escaping @Sendable (F) -> Result<Latency, RigProblem>, stop: @escaping @Sendable (F) -> Void,
    afterwards: @escaping @Sendable () -> Void = {}
) {
    let slot = FixtureSlot<F>()
    Benchmark(
        name,
        closure: { benchmark in record(benchmark, slot.fixture.withLock { $0 }, measure) },
        setup: {
            let made = Summary.onThread { () -> Result<F, RigProblem> in
                do throws(RigProblem) { return .success(try make()) } catch { return .failure(error) }
            }
            slot.fixture.withLock { $0 = made ?? .failure(RigProblem("no thread to start on")) }
        },
        teardown: {
            if case .success(let fixture) = slot.fixture.withLock({ $0 }) { stop(fixture) }
            afterwards()
        }
    )
}

/// Measures `edgesPerIteration` latencies with `fixture` on a thread of its own and records each.
func record<F: Sendable>(
    _ benchmark: Benchmark, _ fixture: Result<F, RigProblem>?,
    _ measure: @escaping @Sendable (F) -> Result<Latency, RigProblem>
) {
    guard case .success(let made) = fixture else {
        if case .failure(let problem) = fixture { benchmark.error("\(problem)") } else { benchmark.error("no fixture") }
        return
    }
    let run = Summary.onThread { Latencies.collect(edgesPerIteration) { measure(made) } }
    switch run {
    case .success(let latencies)?:
        for sample in latencies.samples { benchmark.measurement(latency, Int(sample.nanoseconds)) }
    case .failure(let problem)?:
        benchmark.error("\(problem)")
    case nil:
        benchmark.error("no thread to measure on")
    }
}

/// The fixture one benchmark process sets up once and its iterations share.
final class FixtureSlot<F: Sendable>: Sendable {
    let fixture = Mutex<Result<F, RigProblem>?>(nil)
}
