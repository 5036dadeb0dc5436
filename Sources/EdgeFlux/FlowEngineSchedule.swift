/// Time-driven work: delayed messages, `interval` and `cron` event sources.
extension FlowEngine {
    /// Delivers due delayed messages, fires due interval sources (monotonic time) and cron
    /// sources (the clock's wall time), and returns the next monotonic deadline, or nil when
    /// nothing is scheduled. The owner sleeps until then (or until a sample or `wake`).
    ///
    /// A source that fell behind (the owner slept past several periods) fires once and
    /// resumes on its grid; missed firings are not replayed.
    @discardableResult
    public func advance(nowMonotonic now: Int64) -> Int64? {
        while let delayed = delays.popDue(now: now) {
            counters.delayedDelivered.bump()
            deliver(delayed.message, to: delayed.channel)
        }
        let wallMilliseconds = clock.wallNanoseconds() / 1_000_000
        for index in intervals.indices where now >= intervals[index].next {
            let interval = intervals[index]
            let missed = (now - interval.next) / interval.every
            intervals[index].next = interval.next + (missed + 1) * interval.every
            let source = flows.eventSources[interval.source]
            fire(
                eventSource: interval.source, payload: source.payload,
                context: Self.scheduleContext(source.id, milliseconds: wallMilliseconds))
        }
        for index in crons.indices {
            guard let due = crons[index].next, wallMilliseconds >= due else { continue }
            crons[index].next = crons[index].schedule.next(afterUnixMilliseconds: wallMilliseconds)
            let source = flows.eventSources[crons[index].source]
            fire(
                eventSource: crons[index].source, payload: source.payload,
                context: Self.scheduleContext(source.id, milliseconds: wallMilliseconds))
        }
        pump()
        return nextDeadline(nowMonotonic: now)
    }

    /// `advance(nowMonotonic:)` at the clock's current monotonic time.
    @discardableResult
    public func advance() -> Int64? {
        advance(nowMonotonic: clock.monotonicNanoseconds())
    }

    /// The earliest monotonic time at which `advance` has work. A cron time is turned into a
    /// monotonic deadline from the current wall/monotonic offset, recomputed on every call so a
    /// wall clock step (NTP) is followed.
    public func nextDeadline(nowMonotonic now: Int64) -> Int64? {
        var deadline = delays.nextDue
        func consider(_ time: Int64) { deadline = min(deadline ?? time, time) }
        for interval in intervals { consider(interval.next) }
        if !crons.isEmpty {
            let wall = clock.wallNanoseconds()
            for cron in crons {
                guard let next = cron.next else { continue }
                let (nanoseconds, overflow) = next.multipliedReportingOverflow(by: 1_000_000)
                consider(overflow ? .max : now &+ max(0, nanoseconds &- wall))
            }
        }
        return deadline
    }
}
