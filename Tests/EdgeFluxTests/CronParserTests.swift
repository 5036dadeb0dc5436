@testable import EdgeFlux
import Testing

/// A refused expression with the exact column, message and hint it must give.
struct CronErrorCase: CustomTestStringConvertible, Sendable {
    var expression: String
    var column: Int
    var message: String
    var hint: String?

    init(_ expression: String, _ column: Int, _ message: String, hint: String? = nil) {
        self.expression = expression
        self.column = column
        self.message = message
        self.hint = hint
    }

    var testDescription: String { "'\(expression)'" }
}

@Suite struct CronParserTests {
    static let fields = "minute hour day-of-month month day-of-week"

    static let errorCases: [CronErrorCase] = [
        CronErrorCase("", 1, "the cron expression is empty; expected 5 fields: \(fields)",
            hint: "'0 3 * * *' fires at 03:00 every day"),
        CronErrorCase("   ", 1, "the cron expression is empty; expected 5 fields: \(fields)",
            hint: "'0 3 * * *' fires at 03:00 every day"),
        CronErrorCase("0 3 * *", 8, "expected 5 fields (\(fields)) but found 4",
            hint: "missing: day-of-week; write '*' for any value"),
        CronErrorCase("0 3", 4, "expected 5 fields (\(fields)) but found 2",
            hint: "missing: day-of-month month day-of-week; write '*' for any value"),
        CronErrorCase("0 0 3 * * *", 11, "expected 5 fields (\(fields)) but found 6",
            hint: "seconds and year fields are not supported; schedules have minute precision"),
        CronErrorCase("0 0 3 * * * 2026", 11, "expected 5 fields (\(fields)) but found 7"),
        CronErrorCase("@daily", 1, "'@' shortcuts are not supported; expected 5 fields: \(fields)",
            hint: "write '0 0 * * *' for @daily"),
        CronErrorCase("@reboot", 1, "'@' shortcuts are not supported; expected 5 fields: \(fields)"),
        CronErrorCase("60 * * * *", 1, "minute 60 is out of range 0-59"),
        CronErrorCase("99999999999 * * * *", 1, "minute 99999999999 is out of range 0-59"),
        CronErrorCase("0 24 * * *", 3, "hour 24 is out of range 0-23", hint: "hours run 0-23; midnight is 0"),
        CronErrorCase("0 0 0 * *", 5, "day-of-month 0 is out of range 1-31", hint: "days of the month run 1-31"),
        CronErrorCase("0 0 32 * *", 5, "day-of-month 32 is out of range 1-31", hint: "days of the month run 1-31"),
        CronErrorCase("0 0 * 13 *", 7, "month 13 is out of range 1-12", hint: "months are 1-12 or JAN-DEC"),
        CronErrorCase("0 0 * 1-13 *", 9, "month 13 is out of range 1-12", hint: "months are 1-12 or JAN-DEC"),
        CronErrorCase("0 0 * * 8", 9, "day-of-week 8 is out of range 0-7",
            hint: "days of the week are 0-7 (0 and 7 are Sunday) or SUN-SAT"),
        CronErrorCase("*/0 * * * *", 3, "minute step 0 is out of range 1-60"),
        CronErrorCase("*/61 * * * *", 3, "minute step 61 is out of range 1-60"),
        CronErrorCase("0 0 * * */8", 11, "day-of-week step 8 is out of range 1-7"),
        CronErrorCase("0 */ * * *", 5, "expected a step number after '/' in the hour field",
            hint: "a step is a number such as */15 or 10-50/5"),
        CronErrorCase("0 0 * * 1/x", 11, "expected a step number after '/' in the day-of-week field",
            hint: "a step is a number such as */15 or 10-50/5"),
        CronErrorCase("50-10 * * * *", 1, "range 50-10 is reversed; the minute field does not wrap around",
            hint: "write 50-59,0-10"),
        CronErrorCase("0 0 * * FRI-MON", 9, "range FRI-MON is reversed; the day-of-week field does not wrap around",
            hint: "write FRI-SAT,SUN-MON"),
        CronErrorCase("0 0 * NOV-FEB *", 7, "range NOV-FEB is reversed; the month field does not wrap around",
            hint: "write NOV-DEC,JAN-FEB"),
        CronErrorCase("0 0 * JUNE *", 7, "unknown month name 'JUNE'", hint: "did you mean 'JUN'?"),
        CronErrorCase("0 0 * Sept *", 7, "unknown month name 'Sept'", hint: "did you mean 'SEP'?"),
        CronErrorCase("0 0 * * MONDAY", 9, "unknown day-of-week name 'MONDAY'", hint: "did you mean 'MON'?"),
        CronErrorCase("0 0 * * thr", 9, "unknown day-of-week name 'thr'", hint: "did you mean 'THU'?"),
        CronErrorCase("0 0 * * MON-FRY", 13, "unknown day-of-week name 'FRY'", hint: "did you mean 'FRI'?"),
        CronErrorCase("0 0 * XYZ *", 7, "unknown month name 'XYZ'",
            hint: "month names: JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC"),
        CronErrorCase("0 0 * MON *", 7, "'MON' is a day-of-week name, not a month name",
            hint: "months are 1-12 or JAN-DEC"),
        CronErrorCase("0 0 * * JAN", 9, "'JAN' is a month name, not a day-of-week name",
            hint: "days of the week are 0-7 (0 and 7 are Sunday) or SUN-SAT"),
        CronErrorCase("MON * * * *", 1, "the minute field takes numbers, not 'MON'"),
        CronErrorCase("0 0 L * *", 5, "the day-of-month field takes numbers, not 'L'",
            hint: "'L' and 'W' are Quartz extensions and not supported"),
        CronErrorCase("0 0 15W * *", 7, "unexpected 'W' in the day-of-month field",
            hint: "a field is a list of '*', numbers, names or ranges a-b, each with an optional /step"),
        CronErrorCase("1,,2 * * * *", 3, "empty item in the minute list", hint: "remove the extra ','"),
        CronErrorCase("1, * * * *", 3, "empty item in the minute list", hint: "remove the extra ','"),
        CronErrorCase("0 ,5 * * *", 3, "empty item in the hour list", hint: "remove the extra ','"),
        CronErrorCase("0 0 ? * *", 5, "unexpected '?' in the day-of-month field",
            hint: "'?' is Quartz syntax; write '*'"),
        CronErrorCase("0 0 * * 5#2", 10, "unexpected '#' in the day-of-week field",
            hint: "'#' (nth weekday) is a Quartz extension and not supported"),
        CronErrorCase("5x * * * *", 2, "unexpected 'x' in the minute field",
            hint: "a field is a list of '*', numbers, names or ranges a-b, each with an optional /step"),
        CronErrorCase("*-5 * * * *", 2, "unexpected '-' in the minute field",
            hint: "a field is a list of '*', numbers, names or ranges a-b, each with an optional /step"),
        CronErrorCase("0 0 * * 月", 9, "unexpected '月' in the day-of-week field",
            hint: "a field is a list of '*', numbers, names or ranges a-b, each with an optional /step"),
        CronErrorCase("1- * * * *", 3, "expected a minute value but the field ends"),
        CronErrorCase("0 0 30 2 *", 5,
            "the schedule never fires: no selected day-of-month exists in the selected months",
            hint: "February has at most 29 days; April, June, September and November have 30"),
        CronErrorCase("0 0 31 4,6,9,11 *", 5,
            "the schedule never fires: no selected day-of-month exists in the selected months",
            hint: "February has at most 29 days; April, June, September and November have 30"),
    ]

    @Test(arguments: errorCases)
    func malformedExpressionsAreRefusedWithColumnMessageAndHint(_ row: CronErrorCase) {
        let error = cronError(row.expression)
        #expect(error?.column == row.column)
        #expect(error?.message == row.message)
        #expect(error?.hint == row.hint)
    }

    @Test func theDescriptionShowsColumnMessageAndHint() {
        let error = cronError("0 0 * JUNE *")
        #expect(error?.description == "column 7: unknown month name 'JUNE' (hint: did you mean 'JUN'?)")
        let zone = CronError(message: "unknown time zone 'X'", column: 0)
        #expect(zone.description == "unknown time zone 'X'")
    }

    @Test func fieldsBecomeBitSets() throws {
        let fields = try CronParser.parse("*/15 1-3,22 5/10 JAN,jun-Aug 1-7")
        #expect(fields.minutes == (1 << 0 | 1 << 15 | 1 << 30 | 1 << 45))
        #expect(fields.hours == (1 << 1 | 1 << 2 | 1 << 3 | 1 << 22))
        #expect(fields.daysOfMonth == (1 << 5 | 1 << 15 | 1 << 25))
        #expect(fields.months == (1 << 1 | 1 << 6 | 1 << 7 | 1 << 8))
        #expect(fields.daysOfWeek == 0b111_1111)  // 7 is Sunday, bit 0
        #expect(fields.minuteStartsWithStar && !fields.hourStartsWithStar)
        #expect(fields.daysMatchEither)
        #expect(!fields.isFixedTime)
    }

    @Test func sundayIsZeroSevenOrSun() throws {
        let expected = try CronParser.parse("0 0 * * 0").daysOfWeek
        #expect(expected == 1)
        for text in ["7", "SUN", "sun", "Sun", "0,7", "7-7", "6-7"] {
            let bits = try CronParser.parse("0 0 * * \(text)").daysOfWeek
            #expect(bits & 1 == 1, "\(text)")
        }
        #expect(try CronParser.parse("0 0 * * 6-7").daysOfWeek == (1 << 6 | 1))
        #expect(try CronParser.parse("0 0 * * */2").daysOfWeek == (1 | 1 << 2 | 1 << 4 | 1 << 6))
        #expect(try CronParser.parse("0 0 * * 1/2").daysOfWeek == (1 << 1 | 1 << 3 | 1 << 5 | 1))
    }

    @Test func tabsAndRepeatedSpacesSeparateFields() throws {
        #expect(try CronParser.parse("  0\t3   *  * *  ") == CronParser.parse("0 3 * * *"))
    }

    @Test func dayFieldsStartingWithStarCombineWithAnd() throws {
        #expect(try !CronParser.parse("0 0 */2 * MON").daysMatchEither)
        #expect(try !CronParser.parse("0 0 1 * *").daysMatchEither)
        #expect(try CronParser.parse("0 0 1 * MON").daysMatchEither)
        // With "or", day 30 in February is fine: it fires on February's Mondays.
        #expect(cronError("0 0 30 2 MON") == nil)
    }
}
