/// Calendar arithmetic in UTC on Unix milliseconds, without Foundation: the proleptic
/// Gregorian calendar, as JavaScript's `Date` uses.
public enum UTCDate {
    static let millisecondsPerDay: Int64 = 86_400_000
    /// JavaScript's `Date` range (±100,000,000 days); outside it the date functions give `null`.
    static let limit: Double = 8.64e15

    /// Whole milliseconds of a time value (truncated toward zero like `Date`), or nil when
    /// the value is not finite or out of range.
    static func milliseconds(_ value: Double) -> Int64? {
        guard value.isFinite, value.magnitude <= limit else { return nil }
        return Int64(value.rounded(.towardZero))
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    static func floorModulo(_ a: Int64, _ b: Int64) -> Int64 {
        a - floorDivide(a, b) * b
    }

    /// Days since 1970-01-01 of a civil date. Counting years from March puts the leap day at
    /// the end of the year, so the day of the year follows from the month by a fixed formula,
    /// and the 400-year cycle (146,097 days) handles centuries.
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let marchYear = month <= 2 ? year - 1 : year
        let cycle = floorDivide(marchYear, 400)
        let yearOfCycle = marchYear - cycle * 400
        let marchMonth = (month + 9) % 12
        let dayOfYear = (153 * marchMonth + 2) / 5 + day - 1
        let dayOfCycle = yearOfCycle * 365 + yearOfCycle / 4 - yearOfCycle / 100 + dayOfYear
        return cycle * 146_097 + dayOfCycle - 719_468
    }

    /// The civil date of a day count since 1970-01-01 (inverse of `days`).
    static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let cycle = floorDivide(shifted, 146_097)
        let dayOfCycle = shifted - cycle * 146_097
        let yearOfCycle = (dayOfCycle - dayOfCycle / 1_460 + dayOfCycle / 36_524 - dayOfCycle / 146_096) / 365
        let dayOfYear = dayOfCycle - (365 * yearOfCycle + yearOfCycle / 4 - yearOfCycle / 100)
        let marchMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * marchMonth + 2) / 5 + 1
        let month = marchMonth < 10 ? marchMonth + 3 : marchMonth - 9
        let year = yearOfCycle + cycle * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    static func isLeap(_ year: Int64) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// 0 = Sunday.
    static func dayOfWeek(_ ms: Int64) -> Int64 {
        // 1970-01-01 was a Thursday.
        floorModulo(floorDivide(ms, millisecondsPerDay) + 4, 7)
    }

    static func hours(_ ms: Int64) -> Int64 {
        floorModulo(ms, millisecondsPerDay) / 3_600_000
    }

    static func minutes(_ ms: Int64) -> Int64 {
        floorModulo(ms, 3_600_000) / 60_000
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, or nil outside years 0000...9999 (which need ISO's
    /// expanded six-digit form that few readers accept).
    public static func format(_ ms: Int64) -> String? {
        let days = floorDivide(ms, millisecondsPerDay)
        let date = civil(days: days)
        guard (0...9999).contains(date.year) else { return nil }
        let inDay = ms - days * millisecondsPerDay
        var out = ""
        out.reserveCapacity(24)
        appendPadded(date.year, 4, &out)
        out += "-"
        appendPadded(date.month, 2, &out)
        out += "-"
        appendPadded(date.day, 2, &out)
        out += "T"
        appendPadded(inDay / 3_600_000, 2, &out)
        out += ":"
        appendPadded(inDay / 60_000 % 60, 2, &out)
        out += ":"
        appendPadded(inDay / 1_000 % 60, 2, &out)
        out += "."
        appendPadded(inDay % 1_000, 3, &out)
        out += "Z"
        return out
    }

    private static func appendPadded(_ value: Int64, _ width: Int, _ out: inout String) {
        let digits = String(value)
        if digits.count < width { out += String(repeating: "0", count: width - digits.count) }
        out += digits
    }

    /// Parses RFC 3339 and the common ISO 8601 forms into Unix milliseconds:
    /// `2026-01-02`, `2026-01`, `2026`, `2026-01-02T03:04`, `...:05`, `...:05.678` (any number
    /// of fraction digits, `.` or `,`), `T`/`t`/space separators, `Z`/`z`, `±HH:MM`, `±HHMM`,
    /// `±HH` offsets, and the basic forms `20260102T030405Z`. A time without an offset is UTC
    /// (edge rule: the gateway's UTC clock is the only reference). Anything else is nil.
    static func parse(_ text: String) -> Int64? {
        var scanner = DateScanner(bytes: Array(text.utf8))
        return scanner.parse()
    }
}

/// The scanner behind `UTCDate.parse`.
private struct DateScanner {
    let bytes: [UInt8]
    var index = 0

    var atEnd: Bool { index >= bytes.count }

    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func take(_ byte: UInt8) -> Bool {
        if peek() == byte {
            index += 1
            return true
        }
        return false
    }

    mutating func digits(_ count: Int) -> Int64? {
        guard index + count <= bytes.count else { return nil }
        var value: Int64 = 0
        for offset in 0..<count {
            let byte = bytes[index + offset]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        index += count
        return value
    }

    mutating func parse() -> Int64? {
        guard let year = digits(4) else { return nil }
        var month: Int64 = 1
        var day: Int64 = 1
        let extended: Bool
        if take(UInt8(ascii: "-")) {
            extended = true
            guard let m = digits(2) else { return nil }
            month = m
            if take(UInt8(ascii: "-")) {
                guard let d = digits(2) else { return nil }
                day = d
            } else if !atEnd {
                return nil
            }
        } else if atEnd {
            extended = true
        } else {
            extended = false
            guard let m = digits(2), let d = digits(2) else { return nil }
            month = m
            day = d
        }
        guard (1...12).contains(month), day >= 1, day <= UTCDate.daysInMonth(year: year, month: month) else {
            return nil
        }
        let dayStart = UTCDate.days(year: year, month: month, day: day) * UTCDate.millisecondsPerDay
        if atEnd { return dayStart }
        guard take(UInt8(ascii: "T")) || take(UInt8(ascii: "t")) || take(UInt8(ascii: " ")) else { return nil }
        guard let timeOfDay = time(extended: extended), let offset = zone() else { return nil }
        guard atEnd else { return nil }
        return dayStart + timeOfDay - offset
    }

    /// Milliseconds into the day.
    mutating func time(extended: Bool) -> Int64? {
        guard let hour = digits(2), hour <= 23 else { return nil }
        let separator = UInt8(ascii: ":")
        if extended { guard take(separator) else { return nil } }
        guard let minute = digits(2), minute <= 59 else { return nil }
        var second: Int64 = 0
        var millis: Int64 = 0
        let hasSeconds = extended ? take(separator) : (peek().map { $0 >= 0x30 && $0 <= 0x39 } ?? false)
        if hasSeconds {
            // 60 is a leap second (RFC 3339); it lands on the next minute's first second.
            guard let s = digits(2), s <= 60 else { return nil }
            second = s
            if take(UInt8(ascii: ".")) || take(UInt8(ascii: ",")) {
                var count = 0
                while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                    if count < 3 { millis = millis * 10 + Int64(byte - UInt8(ascii: "0")) }
                    count += 1
                    index += 1
                }
                guard count > 0 else { return nil }
                for _ in count..<Swift.max(count, 3) { millis *= 10 }
            }
        }
        return ((hour * 60 + minute) * 60 + second) * 1_000 + millis
    }

    /// The offset east of UTC in milliseconds; zero when absent.
    mutating func zone() -> Int64? {
        if atEnd { return 0 }
        if take(UInt8(ascii: "Z")) || take(UInt8(ascii: "z")) { return 0 }
        let sign: Int64
        if take(UInt8(ascii: "+")) {
            sign = 1
        } else if take(UInt8(ascii: "-")) {
            sign = -1
        } else {
            return nil
        }
        guard let hours = digits(2), hours <= 23 else { return nil }
        var minutes: Int64 = 0
        if take(UInt8(ascii: ":")) {
            guard let m = digits(2) else { return nil }
            minutes = m
        } else if !atEnd {
            guard let m = digits(2) else { return nil }
            minutes = m
        }
        guard minutes <= 59 else { return nil }
        return sign * (hours * 60 + minutes) * 60_000
    }
}
