import EdgeAI
import Testing

/// docs/safety.md S3: the breaker opens after N consecutive failures, probes once after a
/// pause that doubles on each failed probe, closes on success, and honours Retry-After.
struct CircuitBreakerTests {
    let s: Int64 = 1_000_000_000

    @Test func opensAfterThresholdProbesWithBackoffAndCloses() {
        var b = CircuitBreaker(threshold: 3, pauseNanoseconds: 10 * s, maxPauseNanoseconds: 25 * s)
        #expect(b.admit(now: 0).0 == .allowed)
        #expect(b.recordFailure(now: 0) == nil)
        #expect(b.recordFailure(now: 1) == nil)
        #expect(b.recordFailure(now: 2) == CircuitBreaker.Transition(from: .closed, to: .open))
        #expect(b.admit(now: 2 + 5 * s).0 == .refused(retryInNanoseconds: 5 * s))
        // After the pause, one probe; a second caller is refused while it is out.
        #expect(b.admit(now: 2 + 10 * s) == (.probe, CircuitBreaker.Transition(from: .open, to: .halfOpen)))
        #expect(b.admit(now: 2 + 10 * s).0 == .refused(retryInNanoseconds: 0))
        // The probe fails: open again for twice the pause.
        let t1 = 3 + 10 * s
        #expect(b.recordFailure(now: t1) == CircuitBreaker.Transition(from: .halfOpen, to: .open))
        #expect(b.admit(now: t1 + 19 * s).0 == .refused(retryInNanoseconds: 1 * s))
        #expect(b.admit(now: t1 + 20 * s).0 == .probe)
        // Fails again: the pause is capped at 25 s.
        let t2 = t1 + 20 * s
        _ = b.recordFailure(now: t2)
        #expect(b.admit(now: t2 + 25 * s - 1).0 == .refused(retryInNanoseconds: 1))
        #expect(b.admit(now: t2 + 25 * s).0 == .probe)
        #expect(b.recordSuccess(now: t2 + 25 * s) == CircuitBreaker.Transition(from: .halfOpen, to: .closed))
        #expect(b.admit(now: t2 + 25 * s).0 == .allowed)
        #expect(b.consecutiveFailures == 0)
    }

    @Test func aSuccessResetsTheFailureCount() {
        var b = CircuitBreaker(threshold: 2, pauseNanoseconds: s, maxPauseNanoseconds: s)
        _ = b.recordFailure(now: 0)
        _ = b.recordSuccess(now: 1)
        #expect(b.recordFailure(now: 2) == nil)
        #expect(b.state == .closed)
    }

    @Test func retryAfterHoldsCallsBackEvenWhileClosed() {
        var b = CircuitBreaker(threshold: 5, pauseNanoseconds: s, maxPauseNanoseconds: s)
        _ = b.recordFailure(now: 0, retryAfterNanoseconds: 7 * s)
        #expect(b.state == .closed)
        #expect(b.admit(now: 6 * s).0 == .refused(retryInNanoseconds: s))
        #expect(b.admit(now: 7 * s).0 == .allowed)
    }
}
