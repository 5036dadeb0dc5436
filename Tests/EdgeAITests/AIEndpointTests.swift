import EdgeAI
import EdgeConfig
import EdgeCore
import Logging
import Testing

/// An endpoint's bounds driven by a manual clock: refusals happen before any request, the
/// breaker's state and the budgets show in the status snapshot. Port 1 on loopback refuses
/// connections, so every request that is sent fails at once with `connection`.
struct AIEndpointTests {
    let s: Int64 = 1_000_000_000

    func endpoint(_ clock: ManualClock, perMinute: Int = 100) -> AIEndpoint {
        AIEndpoint(
            config: AIEndpointConfig(
                name: "e", url: "http://127.0.0.1:1/v1/chat/completions", model: "m", requestsPerMinute: perMinute,
                breakerFailures: 2, breakerBackoffNanoseconds: 10 * s, breakerMaxBackoffNanoseconds: 60 * s),
            clock: clock, logger: Logger(label: "test"))
    }

    func call(_ e: AIEndpoint) -> AIFailure? {
        if case .failure(let f) = e.call(system: "s", user: "u", json: true, timeoutNanoseconds: s, check: { .success($0) }) { return f }
        return nil
    }

    @Test func theCircuitOpensRefusesLocallyAndProbesAfterThePause() {
        let clock = ManualClock()
        let e = endpoint(clock)
        #expect(call(e)?.kind == .connection)
        #expect(call(e)?.kind == .connection)
        #expect(e.snapshot().circuit == "open")
        let refused = call(e)
        #expect(refused == AIFailure(.circuitOpen, "the circuit is open; next try in 10 s"))
        #expect(refused?.isLocalRefusal == true)
        clock.advance(nanoseconds: 10 * s)
        #expect(call(e)?.kind == .connection, "the probe is sent")
        let status = e.snapshot()
        #expect(status.circuit == "open")
        #expect(status.retryInMilliseconds == 20_000, "the pause doubled")
        #expect(status.outcomes == ["connection": 3, "circuit-open": 1])
        #expect(status.requestsLastMinute == 3, "refusals are not requests")
    }

    @Test func theMinuteBudgetRefusesWithoutSending() {
        let clock = ManualClock()
        let e = endpoint(clock, perMinute: 1)
        #expect(call(e)?.kind == .connection)
        #expect(call(e) == AIFailure(.budget, "the budget of 1 requests per minute is used up (next in 60 s)"))
        clock.advance(nanoseconds: 60 * s)
        #expect(call(e)?.kind == .connection)
        #expect(e.snapshot().requestsToday == 2)
        #expect(e.snapshot().json["requestsPerMinute"] == 1)
    }
}
