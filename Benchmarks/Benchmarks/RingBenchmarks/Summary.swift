import BenchFigures
import Benchmark
import EdgeCore
import MallocInterposerSwift

/// The one-line summary per figure that `make bench` output is read for (docs/performance.md,
/// "How to report"). Each benchmark of the framework runs in its own process, so the ratio
/// is measured here, in one process: rounds of the ring loop and the reference loop are
/// interleaved, so both see the same machine noise, and the medians are compared.
enum Summary {
    static let rounds = 21
    static let samplesPerRound = 1 << 20

    static func printRingLine() {
        let ring: SampleRing
        do {
            ring = try SampleRing(capacity: benchmarkRingCapacity)
        } catch {
            print("P-ring push+pop: not measured: \(error)")
            return
        }
        var plain = PlainArrayRing(capacity: benchmarkRingCapacity)
        var ringNanoseconds: [Double] = []
        var plainNanoseconds: [Double] = []
        ringNanoseconds.reserveCapacity(rounds)
        plainNanoseconds.reserveCapacity(rounds)
        var ringMallocs = 0

        // Warm-up round of each, not recorded.
        blackHole(ringPushPop(ring, count: samplesPerRound))
        blackHole(plainPushPop(&plain, count: samplesPerRound))

        let clock = ContinuousClock()
        for _ in 0..<rounds {
            let mallocsBefore = MallocInterposerSwift.getStatistics().mallocCount
            MallocInterposerSwift.hook()
            let ringStart = clock.now
            blackHole(ringPushPop(ring, count: samplesPerRound))
            let ringTime = ringStart.duration(to: clock.now)
            MallocInterposerSwift.unhook()
            ringMallocs += MallocInterposerSwift.getStatistics().mallocCount - mallocsBefore
            ringNanoseconds.append(perSample(ringTime))

            let plainStart = clock.now
            blackHole(plainPushPop(&plain, count: samplesPerRound))
            plainNanoseconds.append(perSample(plainStart.duration(to: clock.now)))
        }

        let ringMedian = median(ringNanoseconds)
        let plainMedian = median(plainNanoseconds)
        let allocsPerSample = Double(ringMallocs) / Double(rounds * samplesPerRound)
        let ratio = plainMedian > 0 ? ringMedian / plainMedian : 0
        print(
            "P-ring push+pop: \(fixed(ringMedian, 2)) ns/sample, \(fixed(allocsPerSample, 3)) allocs/sample; "
                + "reference plain array ring: \(fixed(plainMedian, 2)) ns/sample, ratio \(fixed(ratio, 2))"
        )
    }

    static func perSample(_ duration: Duration) -> Double {
        BenchFigures.nanoseconds(duration) / Double(samplesPerRound)
    }

    static func median(_ values: [Double]) -> Double { BenchFigures.median(values) }
    static func fixed(_ value: Double, _ digits: Int) -> String { BenchFigures.fixed(value, digits) }
}
