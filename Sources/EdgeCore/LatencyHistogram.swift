/// Latencies in fixed log-linear buckets (16 per power of two above 16 µs, so a percentile is
/// within about 4 %), recorded without allocating: for figures such as a GPIO edge's time to the
/// flow engine, which tests must not assert and operators want to read. One thread records;
/// read it after that thread stopped.
public struct LatencyHistogram: Sendable {
    private static let linear = 16
    private static let perOctave = 16
    private var buckets = [UInt64](repeating: 0, count: 16 + 16 * 40)
    /// Values recorded.
    public private(set) var count: UInt64 = 0

    /// An empty histogram.
    public init() {}

    /// Records one latency in nanoseconds (negative values, from a clock step, count as 0).
    public mutating func record(nanoseconds: Int64) {
        let micros = UInt64(max(nanoseconds, 0) / 1000)
        buckets[Self.bucket(of: micros)] += 1
        count += 1
    }

    /// The value (µs, the bucket's lower bound) below which `fraction` of the records fall.
    public func percentile(_ fraction: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = UInt64((Double(count) * fraction).rounded(.up))
        var seen: UInt64 = 0
        for (index, n) in buckets.enumerated() {
            seen += n
            if seen >= max(rank, 1) { return Double(Self.lowerBound(of: index)) }
        }
        return Double(Self.lowerBound(of: buckets.count - 1))
    }

    static func bucket(of micros: UInt64) -> Int {
        if micros < UInt64(linear) { return Int(micros) }
        let octave = 63 - micros.leadingZeroBitCount  // ≥ 4
        let step = (micros >> UInt64(octave - 4)) & 15
        return min(linear + (octave - 4) * perOctave + Int(step), 16 + 16 * 40 - 1)
    }

    static func lowerBound(of index: Int) -> UInt64 {
        if index < linear { return UInt64(index) }
        let octave = (index - linear) / perOctave + 4
        let step = UInt64((index - linear) % perOctave)
        return (UInt64(1) << UInt64(octave)) + step << UInt64(octave - 4)
    }
}
