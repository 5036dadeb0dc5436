/// Rounds a scaled reading to the decimals its scale (and offset) can express, so a register of
/// 299 with scale 0.1 becomes the double nearest 29.9 (which prints as `29.9`) instead of the
/// product's binary noise `29.900000000000002`.
///
/// The decimals are worked out once, when the config is compiled; applying the rounding is a
/// multiply, a rounding and a divide, with no allocation, so it can sit on the per-sample path.
public struct DecimalRounding: Sendable, Hashable {
    /// The most decimals a scale or offset is looked at for: beyond this a decimal step is finer
    /// than any register's resolution is worth, and 10^9 × a typical reading stays far below 2^53.
    public static let maxDecimals = 9

    /// Decimal places values are rounded to; nil leaves values untouched.
    public let decimals: Int?
    /// 10^decimals, exact in a double (every power of ten up to 10^22 is).
    @usableFromInline let power: Double

    /// The distance between two rounded values (`0.1` for one decimal); nil when nothing is rounded.
    public var step: Double? { decimals.map { _ in 1 / power } }

    /// Leaves every value as it is.
    public static let none = DecimalRounding(decimals: nil)

    /// Rounds to `decimals` places (clamped to 0...maxDecimals); nil rounds nothing.
    public init(decimals: Int?) {
        self.decimals = decimals.map { min(max($0, 0), Self.maxDecimals) }
        power = Self.powersOfTen[self.decimals ?? 0]
    }

    /// The rounding for `raw × scale + offset`: as many decimals as the finer of the two needs,
    /// `max(decimals(scale), decimals(offset))` (scale 0.1 with offset -40.05 gives two). No
    /// rounding when either has more than `maxDecimals` decimals (a scale of 1/3, say).
    public init(scale: Double, offset: Double = 0) {
        guard let s = Self.decimals(of: scale), let o = Self.decimals(of: offset) else {
            self.init(decimals: nil)
            return
        }
        self.init(decimals: max(s, o))
    }

    /// The fewest decimal digits d (0...maxDecimals) for which `x × 10^d` is a whole number, up to
    /// a tiny relative tolerance: `0.1` is not exactly a tenth in binary, so `0.07 × 100` comes out
    /// as `7.000000000000001` and must still count as whole. Nil when no d up to maxDecimals
    /// works, or when `x` is not finite.
    public static func decimals(of x: Double) -> Int? {
        guard x.isFinite else { return nil }
        let magnitude = abs(x)
        for d in 0...maxDecimals {
            let shifted = magnitude * powersOfTen[d]
            // Relative 1e-12 is thousands of ulps (parsing and the multiply add a few), yet a
            // real further digit leaves a fraction far larger: 0.25 × 10 is off by half.
            let tolerance = max(shifted, 1) * 1e-12
            if abs(shifted - shifted.rounded()) <= tolerance { return d }
        }
        return nil
    }

    /// `value` rounded half away from zero to `decimals` places: the double nearest the decimal
    /// number, since the whole number `(value × 10^d).rounded()` and `10^d` are both exact and
    /// one division is correctly rounded. NaN, infinities and magnitudes whose shifted value
    /// passes 2^53 (already coarser than the step) come back unchanged.
    @inlinable
    public func apply(_ value: Double) -> Double {
        guard decimals != nil else { return value }
        let shifted = value * power
        guard abs(shifted) < 9_007_199_254_740_992 else { return value }
        return shifted.rounded() / power
    }

    private static let powersOfTen: [Double] = [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000,
    ]
}
