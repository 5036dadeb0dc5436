import Benchmark
import EdgeCore

// P-ring: the SampleRing part of P1 (docs/performance.md), push then pop one sample per iteration on
// one thread, next to the same loop on a plain array ring. The framework measures each in its
// own process; the reference benchmark's teardown (it runs last) prints the summary line with
// the ratio measured in one process.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        timeUnits: .nanoseconds,
        warmupIterations: 3,
        scalingFactor: .mega,
        maxDuration: .seconds(2),
        maxIterations: 1_000
    )

    Benchmark("P-ring push+pop") { benchmark in
        let ring: SampleRing
        do {
            ring = try SampleRing(capacity: benchmarkRingCapacity)
        } catch {
            benchmark.error("cannot create the ring: \(error)")
            return
        }
        benchmark.startMeasurement()
        blackHole(ringPushPop(ring, count: benchmark.scaledIterations.count))
    }

    Benchmark(
        "P-ring reference: plain array ring push+pop",
        closure: { benchmark in
            var plain = PlainArrayRing(capacity: benchmarkRingCapacity)
            benchmark.startMeasurement()
            blackHole(plainPushPop(&plain, count: benchmark.scaledIterations.count))
        },
        teardown: { Summary.printRingLine() }
    )
}
