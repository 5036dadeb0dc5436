import EdgeCore
import Testing

@Suite struct PulseCounterTests {
    let second: Int64 = 1_000_000_000

    @Test func theRateIsScaledPulsesPerPeriodAveragedOverTheWindow() {
        // 60 pulses in the first 6 s of a 10 s window, each worth 2 units, per minute:
        // 120 units / 10 s * 60 s = 720 per minute.
        var counter = PulseCounter(scale: 2, windowSeconds: 10, ratePerNanoseconds: 60 * second)
        for i in 0..<60 { counter.pulse(at: Int64(i) * second / 10) }
        #expect(counter.rate(at: 6 * second) == 720)
        #expect(counter.count == 120)
    }

    @Test func theCountIsRoundedToTheDecimalsOfTheScale() {
        // 3 pulses × 0.1 = 0.3 (0.30000000000000004 unrounded).
        var counter = PulseCounter(scale: 0.1, windowSeconds: 10, ratePerNanoseconds: second)
        for i in 0..<3 { counter.pulse(at: Int64(i) * second) }
        #expect(counter.count == 0.3)
        #expect(JSONValue.formatNumber(counter.count) == "0.3")
    }

    @Test func pulsesLeaveTheWindowAndASilenceBringsTheRateToZero() {
        var counter = PulseCounter(scale: 1, windowSeconds: 4, ratePerNanoseconds: second)
        counter.pulse(at: 0)
        counter.pulse(at: 1 * second)
        counter.pulse(at: 2 * second)
        #expect(counter.rate(at: 3 * second) == 0.75)  // 3 pulses / 4 s
        #expect(counter.rate(at: 4 * second) == 0.5, "the pulse of second 0 left the window")
        #expect(counter.rate(at: 100 * second) == 0)
        #expect(counter.pulses == 3, "the total never decreases")
    }
}
