/// Counts pulses and averages their rate over a sliding window of one-second buckets, with a
/// running sum so a pulse costs O(1) however long the window.
public struct PulseCounter: Sendable {
    /// What one pulse is worth.
    public let scale: Double
    let ratePer: Double
    /// 3 pulses × 0.1 is 0.30000000000000004; the total is rounded to the scale's decimals.
    private let rounding: DecimalRounding
    /// Pulses counted so far.
    public private(set) var pulses: UInt64 = 0
    private var buckets: [UInt32]
    private var windowSum: UInt64 = 0
    /// The second (monotonic ns / 1e9) the newest bucket stands for.
    private var second: Int64?

    /// A counter whose rate is scaled pulses per `ratePerNanoseconds`, averaged over `windowSeconds`.
    public init(scale: Double, windowSeconds: Int, ratePerNanoseconds: Int64) {
        self.scale = scale
        rounding = scale == 1 ? .none : DecimalRounding(scale: scale)
        ratePer = Double(ratePerNanoseconds) / 1e9
        buckets = Array(repeating: 0, count: max(windowSeconds, 1))
    }

    /// The scaled total, rounded to the decimals of `scale` (the rate, an average, is not).
    public var count: Double { rounding.apply(Double(pulses) * scale) }

    /// Counts one pulse at `nanoseconds` (monotonic).
    public mutating func pulse(at nanoseconds: Int64) {
        advance(to: nanoseconds)
        pulses += 1
        let index = Int((second ?? 0) % Int64(buckets.count))
        buckets[index] &+= 1
        windowSum += 1
    }

    /// Scaled pulses per `rate_per`, averaged over the window ending at `nanoseconds`.
    public mutating func rate(at nanoseconds: Int64) -> Double {
        advance(to: nanoseconds)
        return Double(windowSum) * scale / Double(buckets.count) * ratePer
    }

    private mutating func advance(to nanoseconds: Int64) {
        let now = nanoseconds / 1_000_000_000
        guard let current = second else {
            second = now
            return
        }
        guard now > current else { return }
        // Buckets that fell out of the window are emptied; a long silence empties them all.
        let steps = min(now - current, Int64(buckets.count))
        for step in 1...steps {
            let index = Int((current + step) % Int64(buckets.count))
            windowSum -= UInt64(buckets[index])
            buckets[index] = 0
        }
        second = now
    }
}
