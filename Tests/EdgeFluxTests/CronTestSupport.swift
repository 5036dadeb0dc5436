@testable import EdgeFlux
import Testing

/// Unix milliseconds of `2026-03-29T01:00:00Z`; a malformed literal is a test bug, reported.
func cronInstant(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Int64 {
    guard let value = UTCDate.parse(text) else {
        Issue.record("bad instant literal \(text)", sourceLocation: sourceLocation)
        return 0
    }
    return value
}

/// `2026-03-29T01:00:00Z` (whole seconds, as cron fires) or `nil`.
func cronText(_ milliseconds: Int64?) -> String {
    guard let milliseconds, let text = UTCDate.format(milliseconds) else { return "nil" }
    return text.hasSuffix(".000Z") ? String(text.dropLast(5)) + "Z" : text
}

/// The firings after `after`, `count` of them (fewer when `next` gives nil).
func cronFirings(_ schedule: CronSchedule, after: Int64, count: Int) -> [String] {
    var out: [String] = []
    var cursor = after
    for _ in 0..<count {
        guard let next = schedule.next(afterUnixMilliseconds: cursor) else { break }
        out.append(cronText(next))
        cursor = next
    }
    return out
}

/// The error a cron schedule refuses with, or nil when it compiles.
func cronError(_ expression: String, timeZone: String = "UTC", directory: String = TimeZoneDatabase.defaultDirectory)
    -> CronError?
{
    do {
        _ = try CronSchedule(expression, timeZone: timeZone, zoneInfoDirectory: directory)
        return nil
    } catch {
        return error
    }
}

/// A small deterministic generator (SplitMix64) so randomized tests replay exactly.
struct CronTestRandom {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    mutating func between(_ range: ClosedRange<Int>) -> Int { range.lowerBound + below(range.count) }
}
