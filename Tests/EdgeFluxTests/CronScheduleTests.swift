@testable import EdgeFlux
import Testing

/// One table row: successive firings after `after`. Expected instants were computed offline
/// with an independent brute-force minute scan over python3's zoneinfo (tzdata 2025b).
struct CronCase: CustomTestStringConvertible, Sendable {
    var expression: String
    var zone: String
    var after: String
    var expected: [String]

    init(_ expression: String, _ zone: String, after: String, _ expected: [String]) {
        self.expression = expression
        self.zone = zone
        self.after = after
        self.expected = expected
    }

    var testDescription: String { "'\(expression)' in \(zone) after \(after)" }
}

@Suite struct CronScheduleTests {
    static let plainCases: [CronCase] = [
        CronCase("*/15 * * * *", "UTC", after: "2026-01-01T00:07:30Z", [
            "2026-01-01T00:15:00Z", "2026-01-01T00:30:00Z", "2026-01-01T00:45:00Z", "2026-01-01T01:00:00Z",
        ]),
        CronCase("10-50/20 3 * * *", "UTC", after: "2026-01-01T00:00:00Z", [
            "2026-01-01T03:10:00Z", "2026-01-01T03:30:00Z", "2026-01-01T03:50:00Z", "2026-01-02T03:10:00Z",
        ]),
        CronCase("5/20 * * * *", "UTC", after: "2026-01-01T00:05:00Z", [
            "2026-01-01T00:25:00Z", "2026-01-01T00:45:00Z", "2026-01-01T01:05:00Z", "2026-01-01T01:25:00Z",
        ]),
        // Both day fields restricted: either matches (Vixie OR).
        CronCase("0 12 1,15 * MON", "UTC", after: "2026-06-01T12:00:00Z", [
            "2026-06-08T12:00:00Z", "2026-06-15T12:00:00Z", "2026-06-22T12:00:00Z", "2026-06-29T12:00:00Z",
            "2026-07-01T12:00:00Z",
        ]),
        // Day-of-month starts with '*': both must match (Vixie AND): odd days that are Mondays.
        CronCase("0 12 */2 * MON", "UTC", after: "2026-06-01T00:00:00Z", [
            "2026-06-01T12:00:00Z", "2026-06-15T12:00:00Z", "2026-06-29T12:00:00Z", "2026-07-13T12:00:00Z",
        ]),
        CronCase("0 12 * * 7", "UTC", after: "2026-06-01T00:00:00Z", ["2026-06-07T12:00:00Z"]),
        CronCase("0 12 * * 0", "UTC", after: "2026-06-01T00:00:00Z", ["2026-06-07T12:00:00Z"]),
        CronCase("0 12 * * sun", "UTC", after: "2026-06-01T00:00:00Z", ["2026-06-07T12:00:00Z"]),
        CronCase("0 9 * jan-Mar MON-fri", "UTC", after: "2026-03-30T10:00:00Z", [
            "2026-03-31T09:00:00Z", "2027-01-01T09:00:00Z", "2027-01-04T09:00:00Z",
        ]),
        CronCase("59 23 31 12 *", "UTC", after: "2026-06-01T00:00:00Z", [
            "2026-12-31T23:59:00Z", "2027-12-31T23:59:00Z",
        ]),
        CronCase("0 0 1 */3 *", "UTC", after: "2026-01-01T00:00:00Z", [
            "2026-04-01T00:00:00Z", "2026-07-01T00:00:00Z", "2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z",
        ]),
        CronCase("0 0 31 * *", "UTC", after: "2026-01-31T00:00:00Z", [
            "2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z",
        ]),
        CronCase("0 3 * * *", "Asia/Tokyo", after: "2026-01-01T00:00:00Z", [
            "2026-01-01T18:00:00Z", "2026-01-02T18:00:00Z", "2026-01-03T18:00:00Z",
        ]),
        CronCase("0 9 * * MON-FRI", "Asia/Tokyo", after: "2026-01-02T00:00:00Z", [
            "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z", "2026-01-07T00:00:00Z",
        ]),
        CronCase("0 0 * * *", "+05:30", after: "2026-01-01T00:00:00Z", [
            "2026-01-01T18:30:00Z", "2026-01-02T18:30:00Z",
        ]),
        CronCase("0 0 * * *", "Etc/GMT-9", after: "2026-01-01T00:00:00Z", ["2026-01-01T15:00:00Z"]),
        CronCase("0 0 * * *", "UTC-03:00", after: "2026-01-01T00:00:00Z", ["2026-01-01T03:00:00Z"]),
    ]

    /// Fixed-time schedules: a skipped time fires when the gap ends, a repeated one once.
    static let daylightCases: [CronCase] = [
        CronCase("30 2 * * *", "Europe/Berlin", after: "2026-03-27T12:00:00Z", [
            "2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z", "2026-03-31T00:30:00Z",
        ]),
        CronCase("30 2 * * *", "Europe/Berlin", after: "2026-10-23T12:00:00Z", [
            "2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z", "2026-10-27T01:30:00Z",
        ]),
        CronCase("0,30 2 * * *", "Europe/Berlin", after: "2026-03-28T12:00:00Z", [
            "2026-03-29T01:00:00Z", "2026-03-30T00:00:00Z", "2026-03-30T00:30:00Z",
        ]),
        CronCase("15 2 * * *", "Europe/Berlin", after: "2026-10-24T12:00:00Z", [
            "2026-10-25T00:15:00Z", "2026-10-26T01:15:00Z",
        ]),
        CronCase("30 2 * * *", "America/New_York", after: "2026-03-07T12:00:00Z", [
            "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z",
        ]),
        CronCase("30 1 * * *", "America/New_York", after: "2026-10-31T12:00:00Z", [
            "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z", "2026-11-03T06:30:00Z",
        ]),
        CronCase("45 1 * * SUN", "America/New_York", after: "2026-10-30T00:00:00Z", [
            "2026-11-01T05:45:00Z", "2026-11-08T06:45:00Z",
        ]),
        CronCase("0 2 8 3 *", "America/New_York", after: "2026-01-01T00:00:00Z", [
            "2026-03-08T07:00:00Z", "2027-03-08T07:00:00Z",
        ]),
        CronCase("30 2 * * *", "Australia/Sydney", after: "2026-10-02T12:00:00Z", [
            "2026-10-02T16:30:00Z", "2026-10-03T16:00:00Z", "2026-10-04T15:30:00Z",
        ]),
        CronCase("30 2 * * *", "Australia/Sydney", after: "2026-04-03T12:00:00Z", [
            "2026-04-03T15:30:00Z", "2026-04-04T15:30:00Z", "2026-04-05T16:30:00Z",
        ]),
        // Beyond the files' transition tables (2037): the POSIX footer rule applies.
        CronCase("0 12 1 7 *", "America/New_York", after: "2040-01-01T00:00:00Z", [
            "2040-07-01T16:00:00Z", "2041-07-01T16:00:00Z",
        ]),
        CronCase("30 2 * * *", "Europe/Berlin", after: "2045-03-24T00:00:00Z", [
            "2045-03-24T01:30:00Z", "2045-03-25T01:30:00Z", "2045-03-26T01:00:00Z",
        ]),
    ]

    /// Frequency schedules (minute or hour starts with '*') follow elapsed time.
    static let frequencyCases: [CronCase] = [
        CronCase("*/30 * * * *", "Europe/Berlin", after: "2026-03-28T23:40:00Z", [
            "2026-03-29T00:00:00Z", "2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z",
            "2026-03-29T02:00:00Z",
        ]),
        CronCase("0 * * * *", "Europe/Berlin", after: "2026-10-24T22:30:00Z", [
            "2026-10-24T23:00:00Z", "2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z", "2026-10-25T02:00:00Z",
            "2026-10-25T03:00:00Z",
        ]),
        CronCase("* 2 * * *", "Europe/Berlin", after: "2026-03-29T00:30:00Z", [
            "2026-03-30T00:00:00Z", "2026-03-30T00:01:00Z",
        ]),
        CronCase("*/30 * * * *", "America/New_York", after: "2026-11-01T04:40:00Z", [
            "2026-11-01T05:00:00Z", "2026-11-01T05:30:00Z", "2026-11-01T06:00:00Z", "2026-11-01T06:30:00Z",
            "2026-11-01T07:00:00Z", "2026-11-01T07:30:00Z",
        ]),
        CronCase("*/20 2 * * *", "America/New_York", after: "2026-03-08T06:00:00Z", [
            "2026-03-09T06:00:00Z", "2026-03-09T06:20:00Z",
        ]),
        CronCase("*/20 * * * *", "Australia/Lord_Howe", after: "2026-04-04T14:30:00Z", [
            "2026-04-04T14:40:00Z", "2026-04-04T15:10:00Z", "2026-04-04T15:30:00Z", "2026-04-04T15:50:00Z",
        ]),
    ]

    @Test(arguments: plainCases + daylightCases + frequencyCases)
    func nextGivesTheExpectedFirings(_ row: CronCase) throws {
        let schedule = try CronSchedule(row.expression, timeZone: row.zone)
        #expect(cronFirings(schedule, after: cronInstant(row.after), count: row.expected.count) == row.expected)
    }

    @Test func leapDayFiresOnlyOnFebruary29AcrossTheCenturyGap() throws {
        let schedule = try CronSchedule("0 0 29 2 *", timeZone: "UTC")
        #expect(cronFirings(schedule, after: cronInstant("2026-01-01T00:00:00Z"), count: 3) == [
            "2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z", "2036-02-29T00:00:00Z",
        ])
        // 2100 is not a leap year: the longest wait of any valid schedule, eight years.
        #expect(cronFirings(schedule, after: cronInstant("2096-03-01T00:00:00Z"), count: 1) == ["2104-02-29T00:00:00Z"])
    }

    @Test func nextIsStrictlyAfterAndRoundsUpToTheMinute() throws {
        let schedule = try CronSchedule("* * * * *", timeZone: "UTC")
        let minute = cronInstant("2026-05-05T10:00:00Z")
        #expect(schedule.next(afterUnixMilliseconds: minute) == minute + 60_000)
        #expect(schedule.next(afterUnixMilliseconds: minute - 1) == minute)
        #expect(schedule.next(afterUnixMilliseconds: minute + 59_999) == minute + 60_000)
    }

    @Test func instantsBeyondTheYear9999GiveNil() throws {
        let schedule = try CronSchedule("* * * * *", timeZone: "UTC")
        #expect(schedule.next(afterUnixMilliseconds: Int64.max) == nil)
        #expect(schedule.next(afterUnixMilliseconds: cronInstant("9999-12-31T23:59:59Z")) == nil)
        #expect(cronText(schedule.next(afterUnixMilliseconds: Int64.min)) == "0001-01-01T00:00:00Z")
    }

    @Test func aFiringAfterTheYear9999GivesNil() throws {
        // The next 29 February after 9996 is in the year 10000.
        let schedule = try CronSchedule("0 0 29 2 *", timeZone: "UTC")
        #expect(schedule.next(afterUnixMilliseconds: cronInstant("9996-03-01T00:00:00Z")) == nil)
        #expect(cronText(schedule.next(afterUnixMilliseconds: cronInstant("9995-01-01T00:00:00Z")))
            == "9996-02-29T00:00:00Z")
    }

    @Test func utcAndFixedOffsetsWorkWithoutAZoneInfoDirectory() throws {
        for zone in ["UTC", "Etc/UTC", "GMT", "+09:00", "UTC+9", "Etc/GMT-9"] {
            let schedule = try CronSchedule("0 0 * * *", timeZone: zone, zoneInfoDirectory: "/nonexistent/zoneinfo")
            #expect(schedule.next(afterUnixMilliseconds: 0) != nil, "\(zone)")
        }
        let error = cronError("0 0 * * *", timeZone: "Asia/Tokyo", directory: "/nonexistent/zoneinfo")
        #expect(error?.column == 0)
        #expect(error?.message == "no time zone database at /nonexistent/zoneinfo, so 'Asia/Tokyo' is unknown")
        #expect(error?.hint?.contains("tzdata") == true)
    }

    @Test func theScheduleKeepsItsTextForStatusOutput() throws {
        let schedule = try CronSchedule("0 3 * * *", timeZone: "Asia/Tokyo")
        #expect(schedule.expression == "0 3 * * *")
        #expect(schedule.timeZone == "Asia/Tokyo")
    }
}
