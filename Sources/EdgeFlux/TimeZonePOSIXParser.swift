extension TimeZonePOSIXRule {
    /// Parses a POSIX TZ string such as `EST5EDT,M3.2.0,M11.1.0` or `<+0330>-3:30`.
    ///
    /// Grammar: `std offset [dst [offset] [,start[/time],end[/time]]]`; names are three or more
    /// letters or `<...>` quoted (letters, digits, `+`, `-`); offsets are `[+|-]hh[:mm[:ss]]`,
    /// west of Greenwich positive, hours 0...24; rule times default to 02:00 and may span
    /// -167...167 hours (TZif version 3). A DST name without a rule takes the US rule
    /// `M3.2.0,M11.1.0`, tzcode's default (POSIX leaves it to the implementation).
    static func parse(_ text: String) throws(TimeZoneError) -> TimeZonePOSIXRule {
        var parser = TimeZonePOSIXParser(bytes: Array(text.utf8), text: text)
        return try parser.rule()
    }
}

/// The scanner behind `TimeZonePOSIXRule.parse`.
private struct TimeZonePOSIXParser {
    let bytes: [UInt8]
    let text: String
    var index = 0

    init(bytes: [UInt8], text: String) {
        self.bytes = bytes
        self.text = text
    }

    private var atEnd: Bool { index >= bytes.count }
    private var peek: UInt8 { atEnd ? 0 : bytes[index] }

    mutating func rule() throws(TimeZoneError) -> TimeZonePOSIXRule {
        try name()
        let standard = -(try time(maxHours: 24, what: "standard offset"))
        if atEnd { return TimeZonePOSIXRule(standardOffset: standard, daylight: nil) }
        try name()
        var daylightOffset = standard + 3_600
        if !atEnd && peek != UInt8(ascii: ",") {
            daylightOffset = -(try time(maxHours: 24, what: "daylight offset"))
        }
        var start = TimeZonePOSIXRule.Boundary(date: .monthWeekDay(month: 3, week: 2, weekday: 0), time: 7_200)
        var end = TimeZonePOSIXRule.Boundary(date: .monthWeekDay(month: 11, week: 1, weekday: 0), time: 7_200)
        if !atEnd {
            try expect(",")
            start = try boundary()
            try expect(",")
            end = try boundary()
        }
        guard atEnd else { throw failure("unexpected '\(character(at: index))'") }
        let daylight = TimeZonePOSIXRule.Daylight(offset: daylightOffset, start: start, end: end)
        return TimeZonePOSIXRule(standardOffset: standard, daylight: daylight)
    }

    /// A zone abbreviation; only its presence matters to offsets.
    private mutating func name() throws(TimeZoneError) {
        let begin = index
        if peek == UInt8(ascii: "<") {
            index += 1
            while !atEnd && (isLetter(peek) || isDigit(peek) || peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-"))
            {
                index += 1
            }
            guard index - begin - 1 >= 3 else { throw failure("a quoted zone name needs at least 3 characters") }
            try expect(">")
            return
        }
        while !atEnd && isLetter(peek) { index += 1 }
        guard index - begin >= 3 else { throw failure("expected a zone name of at least 3 letters") }
    }

    /// `[+|-]hh[:mm[:ss]]` in seconds.
    private mutating func time(maxHours: Int32, what: String) throws(TimeZoneError) -> Int32 {
        var sign: Int32 = 1
        if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") {
            if peek == UInt8(ascii: "-") { sign = -1 }
            index += 1
        }
        guard let hours = number(maxDigits: 3), hours <= maxHours else {
            throw failure("expected a \(what) of 0 to \(maxHours) hours")
        }
        var seconds = hours * 3_600
        for unit: Int32 in [60, 1] {
            guard peek == UInt8(ascii: ":") else { break }
            index += 1
            guard let part = number(maxDigits: 2), part <= 59 else {
                throw failure("expected minutes or seconds 00 to 59 in the \(what)")
            }
            seconds += part * unit
        }
        return sign * seconds
    }

    /// `Jn`, `n` or `Mm.w.d`, then an optional `/time`.
    private mutating func boundary() throws(TimeZoneError) -> TimeZonePOSIXRule.Boundary {
        let date: TimeZonePOSIXRule.DateRule
        if peek == UInt8(ascii: "J") {
            index += 1
            guard let day = number(maxDigits: 3), (1...365).contains(day) else {
                throw failure("expected a day 1 to 365 after 'J'")
            }
            date = .julianNoLeapDay(Int(day))
        } else if peek == UInt8(ascii: "M") {
            index += 1
            guard let month = number(maxDigits: 2), (1...12).contains(month) else {
                throw failure("expected a month 1 to 12 after 'M'")
            }
            try expect(".")
            guard let week = number(maxDigits: 1), (1...5).contains(week) else {
                throw failure("expected a week 1 to 5")
            }
            try expect(".")
            guard let weekday = number(maxDigits: 1), (0...6).contains(weekday) else {
                throw failure("expected a weekday 0 to 6")
            }
            date = .monthWeekDay(month: Int(month), week: Int(week), weekday: Int(weekday))
        } else {
            guard let day = number(maxDigits: 3), (0...365).contains(day) else {
                throw failure("expected a rule date (Jn, n or Mm.w.d)")
            }
            date = .zeroBasedDay(Int(day))
        }
        var time: Int32 = 7_200
        if peek == UInt8(ascii: "/") {
            index += 1
            time = try self.time(maxHours: 167, what: "rule time")
        }
        return TimeZonePOSIXRule.Boundary(date: date, time: time)
    }

    private mutating func number(maxDigits: Int) -> Int32? {
        var value: Int32 = 0
        var digits = 0
        while !atEnd && isDigit(peek) && digits < maxDigits {
            value = value * 10 + Int32(peek - UInt8(ascii: "0"))
            digits += 1
            index += 1
        }
        return digits == 0 ? nil : value
    }

    private mutating func expect(_ symbol: Unicode.Scalar) throws(TimeZoneError) {
        guard peek == UInt8(ascii: symbol) else {
            throw failure("expected '\(symbol)'" + (atEnd ? " but the rule ends" : ""))
        }
        index += 1
    }

    private func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private func character(at position: Int) -> String {
        position < bytes.count ? String(decoding: [bytes[position]], as: UTF8.self) : ""
    }

    private func failure(_ what: String) -> TimeZoneError {
        TimeZoneError(message: "bad POSIX TZ rule '\(text)' at character \(index + 1): \(what)")
    }
}
