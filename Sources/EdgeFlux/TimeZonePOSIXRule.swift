/// The POSIX TZ string a TZif v2+ file ends with, e.g. `CET-1CEST,M3.5.0,M10.5.0/3`: it gives
/// the offsets for every instant after the file's transition table (RFC 8536 §3.3, with the
/// version 3 extension of rule times from -167 to 167 hours).
struct TimeZonePOSIXRule: Sendable, Equatable {
    /// Standard time, seconds east of UTC. (The string writes offsets west-positive.)
    var standardOffset: Int32
    /// Daylight saving time, when the zone has it.
    var daylight: Daylight?

    struct Daylight: Sendable, Equatable {
        /// Seconds east of UTC while DST is in effect.
        var offset: Int32
        /// When DST starts, in local standard time.
        var start: Boundary
        /// When DST ends, in local daylight time.
        var end: Boundary
    }

    /// A day of the year and a time of that day (seconds, may be negative or exceed a day).
    struct Boundary: Sendable, Equatable {
        var date: DateRule
        var time: Int32
    }

    enum DateRule: Sendable, Equatable {
        /// `Jn`: day 1...365, February 29 never counted (so `J60` is always March 1).
        case julianNoLeapDay(Int)
        /// `n`: day 0...365 counted from January 1, February 29 included.
        case zeroBasedDay(Int)
        /// `Mm.w.d`: weekday `d` (0 = Sunday) of week `w` (1...5, 5 = the last) of month `m`.
        case monthWeekDay(month: Int, week: Int, weekday: Int)
    }

    /// The period of constant offset containing `instant`.
    ///
    /// Transitions of the years around the instant are merged in time order, so rules whose
    /// DST crosses New Year (southern hemisphere) or lasts all year (`0/0,J365/25`) need no
    /// special case. Boundaries at the start of a local year are used when no change is near;
    /// they are artificial (same offset on both sides).
    func period(containing instant: Int64) -> TimeZonePeriod {
        guard let daylight else {
            return TimeZonePeriod(start: .min, end: .max, offset: standardOffset)
        }
        let standard = Int64(standardOffset)
        let year = UTCDate.civil(days: UTCDate.floorDivide(instant + standard, 86_400)).year
        let yearStart = UTCDate.days(year: year, month: 1, day: 1) * 86_400 - standard
        let nextYearStart = UTCDate.days(year: year + 1, month: 1, day: 1) * 86_400 - standard
        // Ten events: DST start and end for the years year-2 ... year+2.
        return withUnsafeTemporaryAllocation(of: Event.self, capacity: 10) { events in
            var count = 0
            for y in (year - 2)...(year + 2) {
                events[count] = Event(instant: localSeconds(of: daylight.start, year: y) - standard, toDaylight: true)
                events[count + 1] = Event(
                    instant: localSeconds(of: daylight.end, year: y) - Int64(daylight.offset), toDaylight: false)
                count += 2
            }
            // Insertion sort; at equal instants an end sorts before a start, so a rule whose DST
            // ends exactly when the next starts stays in DST.
            for i in 1..<count {
                let event = events[i]
                var j = i
                while j > 0 && event.sortsBefore(events[j - 1]) {
                    events[j] = events[j - 1]
                    j -= 1
                }
                events[j] = event
            }
            var inDaylight = !events[0].toDaylight
            var start = yearStart
            var index = 0
            while index < count {
                let at = events[index].instant
                let before = inDaylight
                while index < count && events[index].instant == at {
                    inDaylight = events[index].toDaylight
                    index += 1
                }
                guard inDaylight != before else { continue }
                if at > instant {
                    return TimeZonePeriod(start: start, end: at, offset: before ? daylight.offset : standardOffset)
                }
                start = at
            }
            return TimeZonePeriod(
                start: start, end: Swift.max(nextYearStart, instant + 1),
                offset: inDaylight ? daylight.offset : standardOffset)
        }
    }

    private struct Event {
        var instant: Int64
        var toDaylight: Bool

        func sortsBefore(_ other: Event) -> Bool {
            instant != other.instant ? instant < other.instant : (!toDaylight && other.toDaylight)
        }
    }

    /// Local seconds since the epoch (as if the local clock were UTC) of a boundary in `year`.
    private func localSeconds(of boundary: Boundary, year: Int64) -> Int64 {
        day(of: boundary.date, year: year) * 86_400 + Int64(boundary.time)
    }

    private func day(of rule: DateRule, year: Int64) -> Int64 {
        let january1 = UTCDate.days(year: year, month: 1, day: 1)
        switch rule {
        case .julianNoLeapDay(let n):
            let skipsLeapDay = UTCDate.isLeap(year) && n >= 60
            return january1 + Int64(n) - 1 + (skipsLeapDay ? 1 : 0)
        case .zeroBasedDay(let n):
            return january1 + Int64(n)
        case .monthWeekDay(let month, let week, let weekday):
            let first = UTCDate.days(year: year, month: Int64(month), day: 1)
            let firstWeekday = UTCDate.floorModulo(first + 4, 7)  // 1970-01-01 was a Thursday
            var day = first + UTCDate.floorModulo(Int64(weekday) - firstWeekday, 7) + 7 * Int64(week - 1)
            let length = UTCDate.daysInMonth(year: year, month: Int64(month))
            while day >= first + length { day -= 7 }  // week 5 means the last such weekday
            return day
        }
    }
}
