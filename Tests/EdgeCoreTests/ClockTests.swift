import EdgeCore
import Testing

@Suite struct ClockTests {
    @Test func manualClockStartsWhereToldAndOnlyMovesWhenAdvanced() {
        let clock = ManualClock(wallNanoseconds: 1_000)
        #expect(clock.wallNanoseconds() == 1_000)
        #expect(clock.monotonicNanoseconds() == 0)
        #expect(clock.wallNanoseconds() == 1_000)
        clock.advance(nanoseconds: 250)
        #expect(clock.wallNanoseconds() == 1_250)
        #expect(clock.monotonicNanoseconds() == 250)
        clock.advance(nanoseconds: 1_000_000_000)
        #expect(clock.wallNanoseconds() == 1_000_001_250)
        #expect(clock.monotonicNanoseconds() == 1_000_000_250)
    }

    @Test func manualClockDefaultsToTheStartOf2026() {
        #expect(ManualClock().wallNanoseconds() == 1_767_225_600_000_000_000)
    }

    @Test func manualClockIsUsableThroughTheProtocol() {
        let clock: any EdgeClock = ManualClock(wallNanoseconds: 5)
        #expect(clock.wallNanoseconds() == 5)
    }

    @Test func systemMonotonicClockNeverGoesBackwards() {
        let clock = SystemClock()
        var previous = clock.monotonicNanoseconds()
        for _ in 0..<1_000 {
            let now = clock.monotonicNanoseconds()
            #expect(now >= previous)
            previous = now
        }
        // After 2020-01-01: catches a seconds/nanoseconds mix-up, not a timing.
        #expect(clock.wallNanoseconds() > 1_577_836_800_000_000_000)
    }
}
