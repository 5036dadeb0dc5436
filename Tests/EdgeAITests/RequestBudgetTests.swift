import EdgeAI
import Testing

/// docs/safety.md S2: requests over the per-minute or per-day budget are refused locally.
struct RequestBudgetTests {
    let s: Int64 = 1_000_000_000
    let day: Int64 = 86_400_000_000_000

    @Test func perMinuteIsASlidingWindow() {
        var b = RequestBudget(perMinute: 2, perDay: 100)
        #expect(b.refusal(monotonic: 0, wall: 0) == nil)
        b.take(monotonic: 0, wall: 0)
        b.take(monotonic: 30 * s, wall: 30 * s)
        #expect(b.refusal(monotonic: 59 * s, wall: 59 * s) == "the budget of 2 requests per minute is used up (next in 1 s)")
        // The first request leaves the window 60 s after it was sent.
        #expect(b.refusal(monotonic: 60 * s, wall: 60 * s) == nil)
    }

    @Test func perDayResetsAtUTCMidnight() {
        var b = RequestBudget(perMinute: 100, perDay: 2)
        let evening = 20_000 * day + 23 * 3600 * s
        b.take(monotonic: 0, wall: evening)
        b.take(monotonic: 120 * s, wall: evening + 120 * s)
        #expect(b.refusal(monotonic: 240 * s, wall: evening + 240 * s) == "the daily budget of 2 requests is used up (UTC day)")
        #expect(b.refusal(monotonic: 3600 * s, wall: 20_001 * day) == nil)
        #expect(b.usedToday == 0)
    }
}
