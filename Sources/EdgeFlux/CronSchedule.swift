public import EdgeCore
/// A `cron` event source's schedule: a 5-field cron expression evaluated on the wall clock of
/// a named IANA time zone (read from /usr/share/zoneinfo; `UTC` and fixed offsets such as
/// `+09:00` need no files). Compile once when an app loads, then ask `next` after each firing.
///
/// Daylight saving time follows cronie (Vixie cron 4), which tells two kinds of schedule apart:
///
/// - **Fixed-time** schedules, whose minute and hour fields both do not start with `*`
///   (`30 2 * * *`, `0 9-17 * * MON-FRI`), name times of day:
///   - a time skipped by a spring-forward gap fires once, at the first instant after the
///     gap (02:30 on the night Berlin jumps from 02:00 to 03:00 fires at 03:00 CEST), since a
///     daily job should not silently miss a day; several skipped times still fire once;
///   - a time that occurs twice in a fall-back overlap fires once, at its first occurrence.
/// - **Frequency** schedules, whose minute or hour field starts with `*` (`*/15 * * * *`,
///   `5 * * * *`, `* 2 * * *`), follow elapsed time: wall times in a gap simply do not occur,
///   and repeated wall times fire again, so `*/15 * * * *` keeps firing every 15 minutes
///   through both transitions instead of pausing for an hour or bunching at the gap.
///
/// Day-of-month and day-of-week combine as in Vixie cron: when both are restricted (neither
/// field starts with `*`) a day matching either fires; otherwise both must match.
public struct CronSchedule: Sendable {
    /// The expression as written.
    public let expression: String
    /// The time zone name as written.
    public let timeZone: String
    let fields: CronFields
    let zone: TimeZoneRules

    /// How far `next` looks ahead. Nine years covers the longest wait of a valid schedule:
    /// `0 0 29 2 *` after 29 February 2096 waits until 2104 (2100 is not a leap year).
    static let horizonSeconds: Int64 = 9 * 366 * 86_400

    /// Instants `next` accepts: years 1 to 9999.
    static let earliestSecond: Int64 = -62_135_596_800
    static let latestSecond: Int64 = 253_402_300_799

    /// Compiles `expression` for the zone named `timeZone` (an IANA name such as
    /// `Asia/Tokyo`, `UTC`, `Etc/GMT-9`, or an offset `+09:00` / `UTC+9`). Syntax errors carry
    /// the 1-based column in the expression; time zone errors carry column 0 and a hint.
    /// Zone files are read through `files` (the machine's by default): the flow language does
    /// no I/O of its own.
    public init(_ expression: String, timeZone: String, files: any FileSource = LocalFiles()) throws(CronError) {
        try self.init(expression, timeZone: timeZone, zoneInfoDirectory: TimeZoneDatabase.defaultDirectory, files: files)
    }

    /// As the public initializer, reading zone files from `zoneInfoDirectory` (for tests).
    init(
        _ expression: String, timeZone: String, zoneInfoDirectory: String, files: any FileSource = LocalFiles()
    ) throws(CronError) {
        let fields = try CronParser.parse(expression)
        let zone: TimeZoneRules
        do {
            zone = try TimeZoneDatabase.load(timeZone, directory: zoneInfoDirectory, files: files)
        } catch {
            throw CronError(message: error.message, column: 0, hint: error.hint)
        }
        self.init(expression: expression, timeZone: timeZone, fields: fields, zone: zone)
    }

    init(expression: String, timeZone: String, fields: CronFields, zone: TimeZoneRules) {
        self.expression = expression
        self.timeZone = timeZone
        self.fields = fields
        self.zone = zone
    }

    /// The first firing strictly after `afterUnixMilliseconds`, in Unix milliseconds (always
    /// a whole second), or nil when there is none within about nine years or the instant is
    /// beyond the year 9999.
    ///
    /// Walks the zone's periods of constant UTC offset: inside one, local time runs evenly, so
    /// the first matching wall time maps back to UTC by subtracting the offset. A period's
    /// first instant is where the gap and overlap rules apply.
    public func next(afterUnixMilliseconds: Int64) -> Int64? {
        let after = UTCDate.floorDivide(afterUnixMilliseconds, 1_000)
        guard after < Self.latestSecond else { return nil }
        let first = Swift.max(after + 1, Self.earliestSecond)
        let horizon = Swift.min(first + Self.horizonSeconds, Self.latestSecond + 1)
        var period = zone.period(containing: first)
        // The latest wall time the clock showed before `period` (nil: no earlier period).
        var reached: Int64? = period.start == .min ? nil : period.start + Int64(zone.offset(at: period.start - 1))
        // Each step moves to a later period, and zones change offset at most a few times a
        // year; the count only guards against a malformed zone.
        for _ in 0..<10_000 {
            let offset = Int64(period.offset)
            if fields.isFixedTime, let reached {
                let startWall = period.start + offset
                if reached < startWall, period.start >= first,
                    fields.nextWallTime(from: reached, before: startWall) != nil
                {
                    return period.start * 1_000  // a skipped time of day fires when the gap ends
                }
            }
            var lower = Swift.max(first, period.start) + offset
            if fields.isFixedTime, let reached {
                lower = Swift.max(lower, reached)  // a repeated wall time fired on its first showing
            }
            let end = Swift.min(period.end, horizon)
            if let wall = fields.nextWallTime(from: lower, before: end + offset) {
                return (wall - offset) * 1_000
            }
            guard period.end < horizon else { return nil }
            reached = Swift.max(reached ?? .min, period.end + offset)
            period = zone.period(containing: period.end)
        }
        return nil
    }
}
