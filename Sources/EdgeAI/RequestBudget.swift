/// Requests-per-minute and per-day allowances of one AI endpoint (docs/safety.md S2): a call
/// over either is refused on the gateway and never sent. The minute is a sliding window over
/// monotonic time; the day is the UTC calendar day of the wall clock.
public struct RequestBudget: Sendable, Equatable {
    /// Allowed per sliding minute.
    public let perMinute: Int
    /// Allowed per UTC day.
    public let perDay: Int
    /// Send times (monotonic ns) within the last minute, oldest first; never more than `perMinute`.
    private var recent: [Int64] = []
    private var day: Int64 = .min
    /// Requests sent on the current UTC day.
    public private(set) var usedToday = 0

    /// Creates an unused budget.
    public init(perMinute: Int, perDay: Int) {
        self.perMinute = max(1, perMinute)
        self.perDay = max(1, perDay)
    }

    /// Requests sent in the minute before `now`.
    public mutating func usedInLastMinute(now: Int64) -> Int {
        recent.removeAll { $0 <= now - 60_000_000_000 }
        return recent.count
    }

    /// Why a request at these times would be over budget, or nil when it may be sent.
    public mutating func refusal(monotonic now: Int64, wall: Int64) -> String? {
        rollDay(wall)
        if usedToday >= perDay { return "the daily budget of \(perDay) requests is used up (UTC day)" }
        if usedInLastMinute(now: now) >= perMinute {
            let wait = (recent.first ?? now) + 60_000_000_000 - now
            return "the budget of \(perMinute) requests per minute is used up (next in \(max(1, wait / 1_000_000_000)) s)"
        }
        return nil
    }

    /// Counts a request sent at these times.
    public mutating func take(monotonic now: Int64, wall: Int64) {
        rollDay(wall)
        usedToday += 1
        _ = usedInLastMinute(now: now)
        recent.append(now)
    }

    private mutating func rollDay(_ wall: Int64) {
        let today = wall >= 0 ? wall / 86_400_000_000_000 : (wall + 1) / 86_400_000_000_000 - 1
        if today != day {
            day = today
            usedToday = 0
        }
    }
}
