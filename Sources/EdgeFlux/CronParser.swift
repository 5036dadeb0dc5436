import EdgeCore
/// Parses the 5-field cron syntax: `minute hour day-of-month month day-of-week`, fields
/// separated by spaces or tabs; each field a comma list of `*`, `n`, `a-b`, each optionally
/// followed by `/step` (`5/10` means `5-59/10`); month and day names (JAN-DEC, SUN-SAT) in any
/// case. Every refusal names the 1-based column of the offending character.
enum CronParser {
    static let fieldList = "minute hour day-of-month month day-of-week"

    static func parse(_ expression: String) throws(CronError) -> CronFields {
        let scalars = Array(expression.unicodeScalars)
        var spans: [Range<Int>] = []
        var index = 0
        while index < scalars.count {
            if isSpace(scalars[index]) {
                index += 1
                continue
            }
            let start = index
            while index < scalars.count && !isSpace(scalars[index]) { index += 1 }
            spans.append(start..<index)
        }
        try checkFieldCount(spans, scalars)
        var fields = CronFields()
        for (kind, span) in zip(CronFieldKind.allCases, spans) {
            var parser = CronFieldParser(kind: kind, text: scalars[span], column: span.lowerBound + 1)
            let bits = try parser.parse()
            let star = scalars[span.lowerBound] == "*"
            switch kind {
            case .minute: (fields.minutes, fields.minuteStartsWithStar) = (bits, star)
            case .hour: (fields.hours, fields.hourStartsWithStar) = (bits, star)
            case .dayOfMonth: (fields.daysOfMonth, fields.dayOfMonthStartsWithStar) = (bits, star)
            case .month: fields.months = bits
            case .dayOfWeek: (fields.daysOfWeek, fields.dayOfWeekStartsWithStar) = (bits, star)
            }
        }
        try checkDaysExist(fields, column: spans[2].lowerBound + 1)
        return fields
    }

    private static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r"
    }

    private static func checkFieldCount(_ spans: [Range<Int>], _ scalars: [Unicode.Scalar]) throws(CronError) {
        guard let first = spans.first else {
            throw CronError(
                message: "the cron expression is empty; expected 5 fields: \(fieldList)", column: 1,
                hint: "'0 3 * * *' fires at 03:00 every day")
        }
        if scalars[first.lowerBound] == "@" {
            let macros = [
                "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
                "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
            ]
            let word = String(String.UnicodeScalarView(scalars[first])).lowercased()
            throw CronError(
                message: "'@' shortcuts are not supported; expected 5 fields: \(fieldList)",
                column: first.lowerBound + 1,
                hint: macros[word].map { "write '\($0)' for \(word)" })
        }
        guard spans.count == 5 else {
            let names = CronFieldKind.allCases.map(\.label)
            if spans.count < 5 {
                let missing = names[spans.count...].joined(separator: " ")
                throw CronError(
                    message: "expected 5 fields (\(fieldList)) but found \(spans.count)",
                    column: spans[spans.count - 1].upperBound + 1,
                    hint: "missing: \(missing); write '*' for any value")
            }
            throw CronError(
                message: "expected 5 fields (\(fieldList)) but found \(spans.count)",
                column: spans[5].lowerBound + 1,
                hint: spans.count == 6 ? "seconds and year fields are not supported; schedules have minute precision"
                    : nil)
        }
    }

    /// With both day fields combined by "and" (one starts with `*`), a day-of-month that no
    /// selected month has (`0 0 30 2 *`) would never fire; refuse it rather than wait forever.
    private static func checkDaysExist(_ fields: CronFields, column: Int) throws(CronError) {
        guard !fields.daysMatchEither else { return }
        let longest: [UInt64] = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        for month in 1...12 where fields.months & (1 << UInt64(month)) != 0 {
            let daysOfMonth: UInt64 = (1 << (longest[month] + 1)) - 2  // bits 1...longest
            if fields.daysOfMonth & daysOfMonth != 0 { return }
        }
        throw CronError(
            message: "the schedule never fires: no selected day-of-month exists in the selected months",
            column: column,
            hint: "February has at most 29 days; April, June, September and November have 30")
    }
}

/// Parses one field's comma list into a bit set.
struct CronFieldParser {
    let kind: CronFieldKind
    let text: ArraySlice<Unicode.Scalar>
    /// Column of `text.first`.
    let column: Int
    private var index: Int

    init(kind: CronFieldKind, text: ArraySlice<Unicode.Scalar>, column: Int) {
        self.kind = kind
        self.text = text
        self.column = column
        index = text.startIndex
    }

    private var atEnd: Bool { index >= text.endIndex }
    private var peek: Unicode.Scalar { atEnd ? "\0" : text[index] }
    private func columnOf(_ position: Int) -> Int { column + position - text.startIndex }

    mutating func parse() throws(CronError) -> UInt64 {
        var bits: UInt64 = 0
        while true {
            if atEnd || peek == "," {
                throw CronError(
                    message: "empty item in the \(kind.label) list", column: columnOf(index),
                    hint: "remove the extra ','")
            }
            bits |= try item()
            if atEnd { return bits }
            guard peek == "," else { throw unexpected() }
            index += 1
        }
    }

    /// `*`, `n` or `a-b`, then an optional `/step`.
    private mutating func item() throws(CronError) -> UInt64 {
        let range = kind.range
        var low = range.lowerBound
        var high = range.upperBound
        var isRange = true
        if peek == "*" {
            index += 1
        } else {
            let start = try value()
            low = start.value
            high = start.value
            isRange = false
            if peek == "-" {
                index += 1
                let end = try value()
                guard end.value >= start.value else {
                    throw reversed(start: start, end: end)
                }
                high = end.value
                isRange = true
            }
        }
        var step = 1
        if peek == "/" {
            index += 1
            step = try stepValue()
            if !isRange { high = range.upperBound }
        }
        var bits: UInt64 = 0
        for value in stride(from: low, through: high, by: step) {
            bits |= 1 << UInt64(kind == .dayOfWeek && value == 7 ? 0 : value)
        }
        return bits
    }

    private struct Value {
        var value: Int
        var text: String
        var isName: Bool
        var column: Int
    }

    /// A number or, in the month and day-of-week fields, a name.
    private mutating func value() throws(CronError) -> Value {
        let start = index
        if isDigit(peek) {
            var number = 0
            while !atEnd && isDigit(peek) {
                number = Swift.min(number * 10 + Int(peek.value - 48), 1_000_000)
                index += 1
            }
            let text = String(String.UnicodeScalarView(self.text[start..<index]))
            guard kind.range.contains(number) else {
                throw CronError(
                    message: "\(kind.label) \(text) is out of range \(kind.range.lowerBound)-\(kind.range.upperBound)",
                    column: columnOf(start), hint: kind.rangeHint)
            }
            return Value(value: number, text: text, isName: false, column: columnOf(start))
        }
        if isLetter(peek) {
            while !atEnd && isLetter(peek) { index += 1 }
            let word = String(String.UnicodeScalarView(text[start..<index]))
            let value = try name(word, column: columnOf(start))
            return Value(value: value, text: word, isName: true, column: columnOf(start))
        }
        if atEnd {
            throw CronError(message: "expected a \(kind.label) value but the field ends", column: columnOf(index))
        }
        throw unexpected()
    }

    private func name(_ word: String, column: Int) throws(CronError) -> Int {
        let upper = word.uppercased()
        let names = kind.names
        if let position = names.firstIndex(of: upper) { return kind.nameBase + position }
        guard !names.isEmpty else {
            let quartz = upper == "L" || upper == "W" || upper.hasSuffix("W") && upper.count <= 3
            throw CronError(
                message: "the \(kind.label) field takes numbers, not '\(word)'", column: column,
                hint: quartz ? "'L' and 'W' are Quartz extensions and not supported" : nil)
        }
        let other: CronFieldKind = kind == .month ? .dayOfWeek : .month
        if other.names.contains(upper) {
            throw CronError(
                message: "'\(word)' is a \(other.label) name, not a \(kind.label) name", column: column,
                hint: kind.rangeHint)
        }
        let list = names.joined(separator: " ")
        throw CronError(
            message: "unknown \(kind.label) name '\(word)'", column: column,
            hint: suggestion(upper, among: names).map { "did you mean '\($0)'?" } ?? "\(kind.label) names: \(list)")
    }

    /// `SEPT` or `MONDAY` → the name they start with; else a name one edit away.
    private func suggestion(_ word: String, among names: [String]) -> String? {
        if let byPrefix = names.first(where: { word.hasPrefix($0) }) { return byPrefix }
        let scalars = Array(word.unicodeScalars)
        return names.first { Spelling.distance(scalars, Array($0.unicodeScalars)) <= 1 }
    }

    private mutating func stepValue() throws(CronError) -> Int {
        let start = index
        guard isDigit(peek) else {
            throw CronError(
                message: "expected a step number after '/' in the \(kind.label) field", column: columnOf(index),
                hint: "a step is a number such as */15 or 10-50/5")
        }
        var number = 0
        while !atEnd && isDigit(peek) {
            number = Swift.min(number * 10 + Int(peek.value - 48), 1_000_000)
            index += 1
        }
        guard (1...kind.maximumStep).contains(number) else {
            let text = String(String.UnicodeScalarView(self.text[start..<index]))
            throw CronError(
                message: "\(kind.label) step \(text) is out of range 1-\(kind.maximumStep)", column: columnOf(start))
        }
        return number
    }

    private func reversed(start: Value, end: Value) -> CronError {
        let range = kind.range
        let top = start.isName ? kind.names[kind.names.count - 1] : String(range.upperBound)
        let bottom = end.isName ? kind.names[0] : String(range.lowerBound)
        return CronError(
            message: "range \(start.text)-\(end.text) is reversed; the \(kind.label) field does not wrap around",
            column: start.column,
            hint: "write \(start.text)-\(top),\(bottom)-\(end.text)")
    }

    private func unexpected() -> CronError {
        let character = peek
        let hint: String
        switch character {
        case "?": hint = "'?' is Quartz syntax; write '*'"
        case "#": hint = "'#' (nth weekday) is a Quartz extension and not supported"
        default: hint = "a field is a list of '*', numbers, names or ranges a-b, each with an optional /step"
        }
        return CronError(
            message: "unexpected '\(character)' in the \(kind.label) field", column: columnOf(index), hint: hint)
    }

    private func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }

    private func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }
}
