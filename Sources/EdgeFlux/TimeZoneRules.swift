/// A stretch of UTC time during which a zone's offset does not change: `start` inclusive,
/// `end` exclusive, both in Unix seconds (`Int64.min` / `Int64.max` when unbounded).
/// A boundary may be artificial (the offset on both sides is the same); callers treat a
/// boundary as a change only when the offsets differ.
struct TimeZonePeriod: Sendable, Equatable {
    var start: Int64
    var end: Int64
    /// Seconds east of UTC (local = UTC + offset).
    var offset: Int32
}

/// Why a time zone could not be loaded; the cron parser turns it into a `CronError`.
struct TimeZoneError: Error, Sendable, Equatable {
    var message: String
    var hint: String?
}

/// The UTC offsets of one time zone over all time: a transition table (from a TZif file)
/// and, after its last transition, the POSIX TZ rule of the file's footer.
struct TimeZoneRules: Sendable, Equatable {
    /// The name the zone was loaded by.
    let name: String
    /// Instants (Unix seconds, strictly ascending) at which the offset changes.
    let transitions: [Int64]
    /// `offsets[i]` is in effect from `transitions[i]` up to the next transition.
    let offsets: [Int32]
    /// In effect before the first transition (RFC 8536: local time type 0).
    let initialOffset: Int32
    /// Extends the table beyond its last transition; nil keeps the last offset forever.
    let footer: TimeZonePOSIXRule?

    /// Builds rules, dropping transitions that do not change the offset (a change of
    /// abbreviation or of the is-DST flag alone does not matter to wall-clock arithmetic).
    init(name: String, transitions: [Int64], offsets: [Int32], initialOffset: Int32, footer: TimeZonePOSIXRule?) {
        var keptTransitions: [Int64] = []
        var keptOffsets: [Int32] = []
        var current = initialOffset
        for (instant, offset) in zip(transitions, offsets) where offset != current {
            keptTransitions.append(instant)
            keptOffsets.append(offset)
            current = offset
        }
        self.name = name
        self.transitions = keptTransitions
        self.offsets = keptOffsets
        self.initialOffset = initialOffset
        self.footer = footer
    }

    /// A zone with one offset for all time.
    static func fixed(name: String, offset: Int32) -> TimeZoneRules {
        TimeZoneRules(name: name, transitions: [], offsets: [], initialOffset: offset, footer: nil)
    }

    /// The offset in effect at a UTC instant (Unix seconds).
    func offset(at instant: Int64) -> Int32 {
        period(containing: instant).offset
    }

    /// The period of constant offset that contains `instant`.
    func period(containing instant: Int64) -> TimeZonePeriod {
        guard let last = transitions.last else {
            if let footer { return footer.period(containing: instant) }
            return TimeZonePeriod(start: .min, end: .max, offset: initialOffset)
        }
        if instant >= last {
            let lastOffset = offsets[offsets.count - 1]
            guard let footer else { return TimeZonePeriod(start: last, end: .max, offset: lastOffset) }
            var period = footer.period(containing: instant)
            period.start = Swift.max(period.start, last)
            return period
        }
        if instant < transitions[0] {
            return TimeZonePeriod(start: .min, end: transitions[0], offset: initialOffset)
        }
        // Largest i with transitions[i] <= instant; the guards above make 0 <= i < count - 1.
        var low = 0
        var high = transitions.count - 1
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if transitions[middle] <= instant { low = middle } else { high = middle }
        }
        return TimeZonePeriod(start: transitions[low], end: transitions[low + 1], offset: offsets[low])
    }
}
