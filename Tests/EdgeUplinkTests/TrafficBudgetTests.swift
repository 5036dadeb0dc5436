import EdgeUplink
import Testing

/// The hourly allowance, on explicit monotonic times (minutes are 60e9 ns).
struct TrafficBudgetTests {
    let minute: Int64 = 60_000_000_000

    @Test func requestsBeyondTheHourlyCountWaitUntilTheOldestMinuteLeavesTheWindow() {
        var budget = TrafficBudget(requestsPerHour: 3)
        let start = 10 * minute + 5
        for i in 0..<3 {
            let at = start + Int64(i) * minute
            #expect(budget.wait(forSending: 100, at: at) == nil)
            budget.record(sending: 100, at: at)
        }
        // Three requests in minutes 10, 11, 12: the fourth waits until minute 10 is an hour old.
        let now = start + 3 * minute
        #expect(budget.wait(forSending: 100, at: now) == 70 * minute - now)
        #expect(budget.wait(forSending: 100, at: 70 * minute) == nil)
    }

    @Test func bytesBeyondTheHourlyAllowanceWaitButAnOversizedSendIsNotBlockedForever() {
        var budget = TrafficBudget(bytesPerHour: 1000)
        #expect(budget.wait(forSending: 600, at: 0) == nil)
        budget.record(sending: 600, at: 0)
        #expect(budget.wait(forSending: 400, at: 1) == nil, "exactly the allowance fits")
        #expect(budget.wait(forSending: 401, at: 1) == 60 * minute - 1)
        // Larger than the whole allowance: admitted when nothing else was sent in the hour.
        #expect(budget.wait(forSending: 5000, at: 61 * minute) == nil)
    }

    @Test func noAllowanceAdmitsEverything() {
        var budget = TrafficBudget()
        for i in 0..<1000 { budget.record(sending: 1 << 20, at: Int64(i)) }
        #expect(budget.wait(forSending: 1 << 30, at: 1000) == nil)
    }
}
