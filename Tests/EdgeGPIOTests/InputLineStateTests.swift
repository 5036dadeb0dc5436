import EdgeCore
import Testing

@testable import EdgeGPIO

@Suite struct InputLineStateTests {
    func event(_ rising: Bool, at ms: Int64, seq: UInt64 = 0) -> GPIOEdgeEvent {
        GPIOEdgeEvent(offset: 3, rising: rising, timestampNanoseconds: ms * 1_000_000, lineSequence: seq)
    }

    func line(edge: String = "both", debounceMs: Int64 = 0, counter: PulseCounter? = nil) -> InputLineState {
        InputLineState(source: 0, point: 0, offset: 3, edge: edge, softwareDebounce: debounceMs * 1_000_000, counter: counter)
    }

    @Test func theFirstLevelIsReportedButIsNoEdge() {
        var state = line()
        #expect(state.polled(level: 1, at: 0) == 1)
        #expect(state.edges == 0)
        #expect(state.polled(level: 1, at: 5) == nil, "an unchanged level is not reported again")
    }

    @Test func withoutDebounceEveryChangeIsReportedAndRepeatsAreNot() {
        var state = line()
        _ = state.polled(level: 0, at: 0)
        #expect(state.raw(event(true, at: 1)) == 1)
        #expect(state.raw(event(true, at: 2)) == nil, "a second rising edge without a fall changes nothing")
        #expect(state.raw(event(false, at: 3)) == 0)
        #expect(state.events == 3)
        #expect(state.edges == 2)
    }

    @Test func aBurstOfBouncesSettlesToOneEdgeStampedWithTheLastBounce() {
        var state = line(debounceMs: 20)
        _ = state.polled(level: 0, at: 0)
        for (i, ms) in [100, 101, 103, 104, 107].enumerated() {
            #expect(state.raw(event(i % 2 == 0, at: Int64(ms))) == nil, "nothing is reported while the line bounces")
        }
        #expect(state.settleAt == 127_000_000, "the decision waits 20 ms after the last bounce")
        #expect(state.settle(level: 1) == 1)
        #expect(state.settleTimestamp == 107_000_000)
        #expect(state.events == 5)
        #expect(state.edges == 1)
    }

    @Test func aBounceThatReturnsToTheReportedLevelIsNoEdge() {
        var state = line(debounceMs: 10)
        _ = state.polled(level: 0, at: 0)
        _ = state.raw(event(true, at: 50))
        _ = state.raw(event(false, at: 52))
        #expect(state.settle(level: 0) == nil)
        #expect(state.edges == 0)
    }

    @Test func kernelSequenceGapsAreCounted() {
        var state = line()
        _ = state.polled(level: 0, at: 0)
        _ = state.raw(event(true, at: 1, seq: 1))
        _ = state.raw(event(false, at: 2, seq: 2))
        _ = state.raw(event(true, at: 3, seq: 6))  // 3, 4 and 5 were lost
        #expect(state.sequenceGaps == 3)
    }

    @Test func aCounterCountsOnlyTheConfiguredEdge() {
        var state = line(edge: "rising", counter: PulseCounter(scale: 0.5, windowSeconds: 10, ratePerNanoseconds: 1_000_000_000))
        _ = state.polled(level: 0, at: 0)
        for i in 0..<6 { _ = state.raw(event(i % 2 == 0, at: Int64(i) * 10)) }
        #expect(state.edges == 6)
        #expect(state.counter?.pulses == 3)
        #expect(state.counter?.count == 1.5)
    }
}

@Suite struct KernelDebounceTests {
    @Test func aKernelDebouncedEdgeIsDatedBackByTheDebouncePeriod() {
        // The kernel reports the edge once the line held still for 30 ms, stamped then.
        var state = InputLineState(source: 0, point: 0, offset: 1, edge: "both", softwareDebounce: 0, counter: nil)
        state.kernelDebounce = 30_000_000
        _ = state.polled(level: 0, at: 0)
        let event = GPIOEdgeEvent(offset: 1, rising: true, timestampNanoseconds: 530_000_000, lineSequence: 1)
        #expect(state.raw(event) == 1)
        #expect(state.edgeTime(of: event) == 500_000_000)
    }
}
