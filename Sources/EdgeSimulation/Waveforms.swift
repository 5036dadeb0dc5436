import EdgeConfig

extension SimulatedPoint.Waveform {
    /// The value at monotonic time `t` (ns). `previous` and `random` (0..<1) drive the random walk;
    /// everything else is a pure function of time, so tests can check exact values.
    func value(at t: Int64, previous: Double?, random: Double) -> Double {
        switch self {
        case .constant(let v):
            return v
        case .sine(let lo, let hi, let period):
            let phase: Double = Double(t % period) / Double(period)
            let s: Double = sineApprox(2 * Double.pi * phase)
            let unit: Double = 0.5 + 0.5 * s
            return lo + (hi - lo) * unit
        case .ramp(let lo, let hi, let period):
            let fraction: Double = Double(t % period) / Double(period)
            return lo + (hi - lo) * fraction
        case .square(let lo, let hi, let period):
            return (t % period) < period / 2 ? lo : hi
        case .randomWalk(let lo, let hi, let step):
            let start = previous ?? (lo + hi) / 2
            return Swift.min(hi, Swift.max(lo, start + (random * 2 - 1) * step))
        }
    }
}

/// sin(x) without Foundation: range-reduce to [-pi, pi] and use a Taylor series, which is
/// accurate to ~1e-9 there; plenty for a simulated sensor.
func sineApprox(_ x: Double) -> Double {
    var r = x.truncatingRemainder(dividingBy: 2 * Double.pi)
    if r > Double.pi { r -= 2 * Double.pi }
    if r < -Double.pi { r += 2 * Double.pi }
    var term = r
    var sum = r
    let r2 = r * r
    for n in 1...12 {
        term *= -r2 / Double((2 * n) * (2 * n + 1))
        sum += term
    }
    return sum
}

/// A small, fast PRNG (splitmix64) so simulations are reproducible from a seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
