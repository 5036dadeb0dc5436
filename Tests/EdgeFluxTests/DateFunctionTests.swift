import EdgeCore
import EdgeFlux
import Testing

/// The UTC calendar functions against an independent, day-by-day calendar.
@Suite struct DateFunctionTests {
    private static let dayMilliseconds = 86_400_000.0

    private func evaluate(_ source: String, _ value: JSONValue) throws -> JSONValue {
        try CompiledExpression(source).evaluate(environment(payload: ["v": value]))
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: Swift.max(0, width - digits.count)) + digits
    }

    @Test func everyDayFrom1900To2100MatchesANaiveCalendar() throws {
        let format = try CompiledExpression("formatISOString(payload.v)")
        let parse = try CompiledExpression("datetimeFromISOString(payload.v)")
        let weekday = try CompiledExpression("getUTCDayOfWeek(payload.v)")
        var (year, month, day) = (1900, 1, 1)
        var weekdayNumber = 1  // 1900-01-01 was a Monday.
        let firstDay = -25_567  // Days from 1970-01-01 back to 1900-01-01.
        for offset in 0..<73_414 {
            let ms = Double(firstDay + offset) * DateFunctionTests.dayMilliseconds + 45_296_789  // 12:34:56.789
            let text = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T12:34:56.789Z"
            let env = environment(payload: ["v": .number(ms)])
            #expect(format.evaluate(env) == .string(text), "\(text)")
            #expect(parse.evaluate(environment(payload: ["v": .string(text)])) == .number(ms), "\(text)")
            #expect(weekday.evaluate(env) == .number(Double(weekdayNumber)), "\(text)")
            // Advance the naive calendar by one day.
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            weekdayNumber = (weekdayNumber + 1) % 7
            day += 1
            if day > lengths[month - 1] {
                day = 1
                month += 1
                if month > 12 {
                    month = 1
                    year += 1
                }
            }
        }
        #expect(year == 2101 && month == 1 && day == 1)
    }

    @Test func formatAndParseRoundTripAcrossTheWholeRange() throws {
        let roundTrip = try CompiledExpression("datetimeFromISOString(formatISOString(payload.v))")
        var ms = -62_167_219_200_000.0  // 0000-01-01T00:00:00.000Z
        var count = 0
        while ms <= 253_402_300_799_999 {
            #expect(try evaluate("formatISOString(payload.v)", .number(ms)) != .null)
            #expect(roundTrip.evaluate(environment(payload: ["v": .number(ms)])) == .number(ms))
            ms += 987_654_321_123  // about 31 years, never a whole day, so times vary too
            count += 1
        }
        #expect(count > 300)
    }

    @Test func hoursAndMinutesFollowTheClockFace() throws {
        for minute in stride(from: 0, to: 1_440, by: 7) {
            let ms = 1_767_225_600_000.0 + Double(minute) * 60_000 + 59_999
            #expect(try evaluate("getUTCHours(payload.v)", .number(ms)) == .number(Double(minute / 60)))
            #expect(try evaluate("getUTCMinutes(payload.v)", .number(ms)) == .number(Double(minute % 60)))
            let before = -Double(minute + 1) * 60_000  // minutes before the epoch, on 1969-12-31
            #expect(try evaluate("getUTCHours(payload.v)", .number(before)) == .number(Double((1_439 - minute) / 60)))
            #expect(try evaluate("getUTCMinutes(payload.v)", .number(before)) == .number(Double((1_439 - minute) % 60)))
        }
    }
}
