@testable import EdgeFlux
import Testing

@Suite struct CronFuzzTests {
    static let zones = ["UTC", "Asia/Tokyo", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]

    /// A random expression the grammar accepts: lists of `*`, `*/n`, values (names too),
    /// ranges, ranges with steps and `a/n`.
    static func randomExpression(_ random: inout CronTestRandom) -> String {
        CronFieldKind.allCases.map { randomField($0, &random) }.joined(separator: " ")
    }

    static func randomField(_ kind: CronFieldKind, _ random: inout CronTestRandom) -> String {
        if random.below(3) == 0 { return "*" }
        return (0..<random.between(1...3)).map { _ in randomItem(kind, &random) }.joined(separator: ",")
    }

    static func randomItem(_ kind: CronFieldKind, _ random: inout CronTestRandom) -> String {
        let low = random.between(kind.range)
        let high = random.between(low...kind.range.upperBound)
        let step = random.between(1...kind.maximumStep)
        switch random.below(6) {
        case 0: return "*"
        case 1: return "*/\(step)"
        case 2: return value(low, kind, &random)
        case 3: return "\(value(low, kind, &random))-\(value(high, kind, &random))"
        case 4: return "\(value(low, kind, &random))-\(value(high, kind, &random))/\(step)"
        default: return "\(value(low, kind, &random))/\(step)"
        }
    }

    static func value(_ number: Int, _ kind: CronFieldKind, _ random: inout CronTestRandom) -> String {
        let names = kind.names
        let index = number - kind.nameBase  // 7 stays a number: "SAT-SUN" would be reversed
        guard !names.isEmpty, random.below(3) == 0, names.indices.contains(index) else { return String(number) }
        return random.below(2) == 0 ? names[index] : names[index].lowercased()
    }

    /// Whether the fields match the wall time (local seconds) of an instant.
    static func wallMatches(_ fields: CronFields, _ wall: Int64) -> Bool {
        let day = UTCDate.floorDivide(wall, 86_400)
        let date = UTCDate.civil(days: day)
        let secondOfDay = wall - day * 86_400
        return secondOfDay % 60 == 0
            && fields.minutes & (1 << UInt64(secondOfDay / 60 % 60)) != 0
            && fields.hours & (1 << UInt64(secondOfDay / 3_600)) != 0
            && fields.matchesDay(dayOfMonth: date.day, month: date.month, weekday: UTCDate.floorModulo(day + 4, 7))
    }

    @Test func randomValidExpressionsGiveStrictlyIncreasingMatchingFirings() throws {
        var random = CronTestRandom(state: 20_260_329)
        var schedules = 0
        for _ in 0..<60 {
            let expression = Self.randomExpression(&random)
            let zone = Self.zones[random.below(Self.zones.count)]
            let schedule: CronSchedule
            do {
                schedule = try CronSchedule(expression, timeZone: zone)
            } catch {
                // The only refusal a grammatical expression may get.
                #expect(error.message.hasPrefix("the schedule never fires"), "\(expression): \(error)")
                continue
            }
            schedules += 1
            var cursor = cronInstant("2025-06-01T00:00:00Z") + Int64(random.below(3 * 365 * 86_400)) * 1_000
            for _ in 0..<50 {
                guard let next = schedule.next(afterUnixMilliseconds: cursor) else {
                    Issue.record("no firing for '\(expression)' in \(zone) after \(cronText(cursor))")
                    break
                }
                #expect(next > cursor, "\(expression) in \(zone)")
                let second = next / 1_000
                let period = schedule.zone.period(containing: second)
                let matches = Self.wallMatches(schedule.fields, second + Int64(period.offset))
                let endsAGap = period.start == second && schedule.fields.isFixedTime
                #expect(matches || endsAGap, "'\(expression)' in \(zone) fired at \(cronText(next))")
                cursor = next
            }
        }
        #expect(schedules >= 40)
    }

    @Test func arbitraryTextNeverCrashesTheParser() {
        let alphabet = Array("0123456789*/,- \t?#LWJANmonSepxyz@\u{6708}")
        var random = CronTestRandom(state: 7)
        var accepted = 0
        for _ in 0..<3_000 {
            let text = String((0..<random.below(24)).map { _ in alphabet[random.below(alphabet.count)] })
            do {
                _ = try CronParser.parse(text)
                accepted += 1
            } catch {
                #expect((1...(text.unicodeScalars.count + 1)).contains(error.column), "'\(text)': \(error)")
                #expect(!error.message.isEmpty)
            }
        }
        #expect(accepted < 3_000)
    }

    /// The DST rules restated as a minute-by-minute scan in UTC: fire at a whole minute whose
    /// wall time matches, except (fixed-time schedules) a wall time already reached in the last
    /// three hours; and fire at the end of a gap that swallowed a matching wall time.
    static func scan(_ schedule: CronSchedule, from start: Int64, minutes: Int) -> [String] {
        let fields = schedule.fields
        let zone = schedule.zone
        var out: [String] = []
        for step in 1...minutes {
            let instant = start + Int64(step) * 60
            let offset = Int64(zone.offset(at: instant))
            let before = Int64(zone.offset(at: instant - 1))
            var fires = false
            if fields.isFixedTime && before < offset {
                fires = stride(from: instant + before, to: instant + offset, by: 60).contains {
                    wallMatches(fields, $0)
                }
            }
            if !fires && wallMatches(fields, instant + offset) {
                fires = !fields.isFixedTime
                    || !(1...180).contains { k in
                        let earlier = instant - Int64(k) * 60
                        return earlier + Int64(zone.offset(at: earlier)) == instant + offset
                    }
            }
            if fires { out.append(cronText(instant * 1_000)) }
        }
        return out
    }

    static let transitions: [(zone: String, start: String)] = [
        ("Europe/Berlin", "2026-03-28T20:00:00Z"), ("Europe/Berlin", "2026-10-24T20:00:00Z"),
        ("America/New_York", "2026-03-08T00:00:00Z"), ("America/New_York", "2026-11-01T00:00:00Z"),
        ("Australia/Lord_Howe", "2026-04-04T08:00:00Z"), ("Australia/Lord_Howe", "2026-10-03T08:00:00Z"),
    ]

    @Test func nextAgreesWithAMinuteByMinuteScanAcrossTransitions() throws {
        var random = CronTestRandom(state: 1_031)
        let minutes = 30 * 60
        var compared = 0
        for _ in 0..<16 {
            // Narrow hours and minutes so that each window has firings near the transition.
            let minute = random.below(2) == 0 ? "*/\(random.between(5...30))" : Self.randomField(.minute, &random)
            let hour = random.below(2) == 0 ? "*" : "\(random.between(0...3))-\(random.between(1...4) + 3)"
            let expression = "\(minute) \(hour) * * *"
            for window in Self.transitions {
                let schedule = try CronSchedule(expression, timeZone: window.zone)
                let start = cronInstant(window.start)
                let expected = Self.scan(schedule, from: start / 1_000, minutes: minutes)
                let end = start + Int64(minutes) * 60_000
                var got: [String] = []
                var cursor = start
                for _ in 0..<(minutes + 1) {
                    guard let next = schedule.next(afterUnixMilliseconds: cursor), next <= end else { break }
                    got.append(cronText(next))
                    cursor = next
                }
                let shorter = Swift.min(got.count, expected.count)
                let difference = (0..<shorter).first { got[$0] != expected[$0] } ?? shorter
                let same = got.count == expected.count && difference == got.count
                #expect(same, """
                    '\(expression)' in \(window.zone) from \(window.start): firing \(difference) is \
                    \(got.dropFirst(difference).first ?? "none"), \
                    expected \(expected.dropFirst(difference).first ?? "none")
                    """)
                compared += 1
            }
        }
        #expect(compared == 16 * Self.transitions.count)
    }
}
