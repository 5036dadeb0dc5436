import EdgeCore
import Testing

/// `Quantity.formatSpan` prints waits for people, where `formatDuration` prints config values
/// exactly (3573478000 ns is `3573478us` there).
struct QuantitySpanTests {
    @Test(arguments: [
        (Int64(0), "1 ms"), (480_000_000, "480 ms"), (999_400_000, "999 ms"), (3_573_478_000, "3.6 s"),
        (4_000_000_000, "4 s"), (42_300_000_000, "42 s"), (303_000_000_000, "5 min 3 s"), (120_000_000_000, "2 min"),
        (7_500_000_000_000, "2 h 5 min"), (7_200_000_000_000, "2 h"),
    ])
    func waitsReadInUnitsPeopleUse(nanoseconds: Int64, text: String) {
        #expect(Quantity.formatSpan(nanoseconds) == text)
    }
}
