import EdgeCore
import Testing

@Suite struct LatencyHistogramTests {
    @Test func percentilesFallInTheBucketOfTheRankedValue() {
        var h = LatencyHistogram()
        // 1...100 µs: the 50th value is 50 µs, the 99th 99 µs. Buckets are 1/16 of an octave:
        // 2 µs wide in 32..64 µs, so 50 is in [50, 52); 4 µs wide in 64..128 µs, so 99 is in [96, 100).
        for us in 1...100 { h.record(nanoseconds: Int64(us) * 1000) }
        #expect(h.count == 100)
        #expect(h.percentile(0.5) == 50)
        #expect(h.percentile(0.99) == 96)
    }

    @Test func smallValuesAreExactAndAnEmptyHistogramHasNoPercentile() {
        var h = LatencyHistogram()
        #expect(h.percentile(0.5) == nil)
        for us in [3, 3, 7, 12] { h.record(nanoseconds: Int64(us) * 1000) }
        #expect(h.percentile(0.5) == 3)
        #expect(h.percentile(1) == 12)
        h.record(nanoseconds: -5)
        #expect(h.percentile(0.01) == 0, "a clock step backwards counts as no delay")
    }
}
