/// The five fields of a cron expression, in order.
enum CronFieldKind: Int, CaseIterable, Sendable {
    case minute, hour, dayOfMonth, month, dayOfWeek

    /// How messages name the field.
    var label: String {
        switch self {
        case .minute: "minute"
        case .hour: "hour"
        case .dayOfMonth: "day-of-month"
        case .month: "month"
        case .dayOfWeek: "day-of-week"
        }
    }

    /// Values a field may hold; day-of-week 7 is Sunday again, as in Vixie cron.
    var range: ClosedRange<Int> {
        switch self {
        case .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        case .dayOfWeek: 0...7
        }
    }

    /// The largest step: the number of distinct values of the field.
    var maximumStep: Int {
        self == .dayOfWeek ? 7 : range.count
    }

    /// Three-letter names, the first for `nameBase`.
    var names: [String] {
        switch self {
        case .month: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        case .dayOfWeek: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
        default: []
        }
    }

    var nameBase: Int { self == .month ? 1 : 0 }

    /// A hint for a value outside `range`.
    var rangeHint: String? {
        switch self {
        case .minute: nil
        case .hour: "hours run 0-23; midnight is 0"
        case .dayOfMonth: "days of the month run 1-31"
        case .month: "months are 1-12 or JAN-DEC"
        case .dayOfWeek: "days of the week are 0-7 (0 and 7 are Sunday) or SUN-SAT"
        }
    }
}

/// A parsed expression: one bit per allowed value of each field, plus whether a field's text
/// starts with `*`, which Vixie cron (and so this engine) uses to choose the day rule and,
/// here, the daylight saving rule (see `CronSchedule`).
struct CronFields: Sendable, Equatable {
    /// Bits 0...59.
    var minutes: UInt64 = 0
    /// Bits 0...23.
    var hours: UInt64 = 0
    /// Bits 1...31.
    var daysOfMonth: UInt64 = 0
    /// Bits 1...12.
    var months: UInt64 = 0
    /// Bits 0...6 (0 = Sunday; a 7 in the text sets bit 0).
    var daysOfWeek: UInt64 = 0
    var minuteStartsWithStar = false
    var hourStartsWithStar = false
    var dayOfMonthStartsWithStar = false
    var dayOfWeekStartsWithStar = false

    /// Vixie cron: when both day fields are restricted (neither starts with `*`), a day matches
    /// if either matches; otherwise both must (and the `*` one matches every day, unless it is
    /// a `*/n` step, which then really restricts, as in Vixie cron).
    var daysMatchEither: Bool { !dayOfMonthStartsWithStar && !dayOfWeekStartsWithStar }

    /// Whether a schedule names times of day rather than a frequency: neither the minute nor
    /// the hour field starts with `*`. Such schedules get cronie's fixed-time DST handling.
    var isFixedTime: Bool { !minuteStartsWithStar && !hourStartsWithStar }

    func matchesDay(dayOfMonth: Int64, month: Int64, weekday: Int64) -> Bool {
        guard months & (1 << UInt64(month)) != 0 else { return false }
        let byDate = daysOfMonth & (1 << UInt64(dayOfMonth)) != 0
        let byWeekday = daysOfWeek & (1 << UInt64(weekday)) != 0
        return daysMatchEither ? (byDate || byWeekday) : (byDate && byWeekday)
    }

    /// The first wall-clock instant (local seconds since the epoch, as if local time were UTC)
    /// at or after `lower` and before `upper` that the fields match, at a whole minute.
    /// Walks day by day, skipping months that cannot match, so the cost is bounded by the
    /// number of days in the window.
    func nextWallTime(from lower: Int64, before upper: Int64) -> Int64? {
        guard lower < upper else { return nil }
        let minute = -UTCDate.floorDivide(-lower, 60)  // rounds up to a whole minute
        var day = UTCDate.floorDivide(minute, 1_440)
        var minuteOfDay = Int(minute - day * 1_440)
        let lastDay = UTCDate.floorDivide(upper - 1, 86_400)
        while day <= lastDay {
            let date = UTCDate.civil(days: day)
            if months & (1 << UInt64(date.month)) == 0 {
                day = UTCDate.days(year: date.year, month: date.month, day: 1)
                    + UTCDate.daysInMonth(year: date.year, month: date.month)
                minuteOfDay = 0
                continue
            }
            let weekday = UTCDate.floorModulo(day + 4, 7)  // 1970-01-01 was a Thursday
            if matchesDay(dayOfMonth: date.day, month: date.month, weekday: weekday),
                let time = firstTime(atOrAfter: minuteOfDay)
            {
                let wall = (day * 1_440 + Int64(time)) * 60
                return wall < upper ? wall : nil
            }
            day += 1
            minuteOfDay = 0
        }
        return nil
    }

    /// The first matching minute of the day at or after `minuteOfDay`.
    private func firstTime(atOrAfter minuteOfDay: Int) -> Int? {
        var hour = minuteOfDay / 60
        var fromMinute = minuteOfDay % 60
        while let matchingHour = Self.firstBit(of: hours, atOrAbove: hour) {
            if matchingHour != hour { fromMinute = 0 }
            if let minute = Self.firstBit(of: minutes, atOrAbove: fromMinute) {
                return matchingHour * 60 + minute
            }
            hour = matchingHour + 1
            fromMinute = 0
        }
        return nil
    }

    private static func firstBit(of mask: UInt64, atOrAbove bit: Int) -> Int? {
        guard bit < 64 else { return nil }
        let remaining = mask & (~0 << UInt64(bit))
        return remaining == 0 ? nil : remaining.trailingZeroBitCount
    }
}
