import EdgeCore
import Testing

@Suite struct DecimalRoundingTests {
    @Test(arguments: [
        (1.0, 0), (2.0, 0), (3.0, 0), (1000.0, 0), (0.0, 0), (0.5, 1), (0.1, 1), (-0.1, 1), (0.01, 2), (0.25, 2),
        (0.07, 2), (40.05, 2), (-40.05, 2), (0.001, 3), (0.000_000_001, 9),
    ])
    func decimalsAreTheFewestDigitsThatMakeTheNumberWhole(number: Double, decimals: Int) {
        #expect(DecimalRounding.decimals(of: number) == decimals)
    }

    @Test(arguments: [1.0 / 3, 0.000_000_000_1, 0.123_456_789_012, Double.nan, .infinity, -.infinity])
    func numbersWithMoreThanNineDecimalsOrNoneAtAllAreNotRounded(number: Double) {
        #expect(DecimalRounding.decimals(of: number) == nil)
        #expect(DecimalRounding(scale: number).decimals == nil)
    }

    @Test func scaleAndOffsetTogetherTakeTheFinerOfTheirDecimals() {
        #expect(DecimalRounding(scale: 0.1, offset: -40.05).decimals == 2)
        #expect(DecimalRounding(scale: 0.1).decimals == 1)
        #expect(DecimalRounding(scale: 2, offset: 0.5).decimals == 1)
        #expect(DecimalRounding(scale: 3).decimals == 0)
        #expect(DecimalRounding(scale: 0.1, offset: 1.0 / 3).decimals == nil)
    }

    @Test func twoHundredNinetyNineTimesATenthBecomesExactlyTheDoubleNearest29Point9() {
        // The problem: in binary 299 × 0.1 is 29.900000000000002, one ulp above 29.9.
        #expect(299 * 0.1 != 29.9)
        let rounded = DecimalRounding(scale: 0.1).apply(299 * 0.1)
        #expect(rounded == 29.9)
        #expect(JSONValue.formatNumber(rounded) == "29.9")
    }

    @Test func roundsScaledAndOffsetIntegersToTheirDecimalValue() {
        // -32768 × 0.01 = -327.68; 7 × 0.5 = 3.5; 299 × 3 = 897; 655 × 0.1 - 40.05 = 65.5 - 40.05 = 25.45
        // (25.450000000000003 unrounded); 3 × 0.1 = 0.3 (0.30000000000000004 unrounded).
        #expect(DecimalRounding(scale: 0.01).apply(-32768 * 0.01) == -327.68)
        #expect(DecimalRounding(scale: 0.5).apply(7 * 0.5) == 3.5)
        #expect(DecimalRounding(scale: 3).apply(299 * 3) == 897)
        #expect(DecimalRounding(scale: 0.1, offset: -40.05).apply(655 * 0.1 - 40.05) == 25.45)
        #expect(DecimalRounding(scale: 0.1).apply(3 * 0.1) == 0.3)
    }

    @Test func theStepIsTheDistanceBetweenRoundedValues() {
        #expect(DecimalRounding(scale: 0.1).step == 0.1)
        #expect(DecimalRounding(scale: 0.5, offset: 0.25).step == 0.01)
        #expect(DecimalRounding(scale: 2).step == 1)
        #expect(DecimalRounding.none.step == nil)
    }

    @Test func halvesRoundAwayFromZero() {
        let tenths = DecimalRounding(decimals: 1)
        #expect(tenths.apply(0.25) == 0.3)
        #expect(tenths.apply(-0.25) == -0.3)
        #expect(DecimalRounding(decimals: 0).apply(2.5) == 3)
    }

    @Test func nonFiniteAndHugeValuesAndNoRoundingPassThroughUnchanged() {
        let tenths = DecimalRounding(decimals: 1)
        #expect(tenths.apply(.nan).isNaN)
        #expect(tenths.apply(.infinity) == .infinity)
        #expect(tenths.apply(-.infinity) == -.infinity)
        #expect(tenths.apply(1e300) == 1e300)
        #expect(tenths.apply(.greatestFiniteMagnitude) == .greatestFiniteMagnitude)
        #expect(DecimalRounding.none.apply(299 * 0.1) == 299 * 0.1)
        #expect(tenths.apply(-0.0) == 0)
    }

    /// Every int16 raw value times 0.1 and 0.01 prints as the decimal the integer arithmetic gives:
    /// raw / 10^d, with the remainder as the fraction and trailing zeros dropped.
    @Test(arguments: [(0.1, 1), (0.01, 2)])
    func everyInt16TimesADecimalScalePrintsAsItsDecimalValue(scale: Double, decimals: Int) {
        let rounding = DecimalRounding(scale: scale)
        var mismatches: [String] = []
        for raw in Int(Int16.min)...Int(Int16.max) {
            let text = JSONValue.formatNumber(rounding.apply(Double(raw) * scale))
            let expected = Self.decimalText(raw, decimals: decimals)
            if text != expected { mismatches.append("\(raw): \(text) != \(expected)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    static func decimalText(_ raw: Int, decimals: Int) -> String {
        var divisor = 1
        for _ in 0..<decimals { divisor *= 10 }
        let whole = abs(raw) / divisor
        var fraction = String(abs(raw) % divisor)
        fraction = String(repeating: "0", count: decimals - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        let sign = raw < 0 ? "-" : ""
        return sign + String(whole) + (fraction.isEmpty ? "" : "." + fraction)
    }
}
