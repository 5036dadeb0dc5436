import EdgeConfig
import EdgeCore
import Logging

/// Where an output stands (docs/safety.md, "Output lifecycle").
public enum OutputState: String, Sendable, Equatable, CaseIterable {
    /// Its safe value is not confirmed yet: at start, or while the start-up write keeps failing.
    case pending
    /// The driver confirmed what the output holds, by a write or a read-back.
    case confirmed
    /// A write failed: what the output holds is not known until the device answers again.
    case unknown
}

/// Everything the controller keeps about one output, guarded by the controller's mutex.
struct OutputRecord: Sendable {
    var state: OutputState = .pending
    /// Monotonic time the state began (the health rule ages unconfirmed outputs from it).
    var stateSince: Int64
    /// The value last admitted by the envelope or re-driven: what the output should hold.
    var commanded: Double
    /// What the driver last confirmed (a write's answer or a read-back); kept through an outage
    /// for "last confirmed", reported as the output's value only while `confirmed`.
    var confirmed: Double?
    /// Wall time of that confirmation.
    var confirmedAt: Int64?
    var lastError: String?
    /// Monotonic time of the last change of command (min-hold counts from it).
    var changedAt: Int64
    var revertAt: Int64?
    var refused: UInt64 = 0
    var writes: UInt64 = 0
    var failures: UInt64 = 0
    var mismatches: UInt64 = 0
    /// Monotonic start of the current disagreement with the device; nil while they agree.
    var mismatchSince: Int64?
    /// Re-drives spent on the current disagreement.
    var redrives = 0
    /// When the last changes happened (monotonic ns), newest last, for `max_rate`.
    var recentChanges: [Int64] = []
    /// Writes sent that the driver has not answered: a reading taken meanwhile may predate them.
    var inFlight = 0
    /// A recovery or re-drive is in flight; further answers of the device wait for its outcome.
    var recovering = false
    /// Recoveries tried since the output last was confirmed (only the first is logged).
    var recoveries = 0
    var readBackInFlight = false
    var nextReadBackAt: Int64?

    /// Moves to `next`, noting one log line with the reason; staying put notes nothing.
    mutating func enter(
        _ next: OutputState, at now: Int64, id: String, reason: String, into events: inout [OutputEvent]
    ) {
        guard next != state else { return }
        let level: Logger.Level =
            switch (state, next) {
            case (_, .unknown): .error
            case (.unknown, .confirmed): .notice
            default: .info
            }
        events.append(
            OutputEvent(
                level: level, message: "output \(next.rawValue)",
                metadata: ["output": "\(id)", "from": "\(state.rawValue)", "reason": "\(reason)"]))
        state = next
        stateSince = now
    }
}

/// A line for the log, noted under the controller's lock and written after it.
struct OutputEvent {
    var level: Logger.Level
    var message: String
    var metadata: Logger.Metadata
}

extension OutputController {
    /// Re-drives attempted per disagreement before the controller leaves the device as it is
    /// (a device that clamps a value would otherwise be written on every poll).
    static let redrivesPerMismatch = 3

    /// Takes a reading of output `id` from its device (a poll that read the output's register,
    /// or a read-back): the device answers. An output that is `pending` or `unknown` is
    /// re-driven (its safe value, or with `on_recover: last` its commanded one) and confirmed by
    /// that write; a `confirmed` one is compared with its commanded value, and a disagreement is
    /// logged once, counted and handled by `on_mismatch`. Readings taken while a write is in
    /// flight are ignored: they may predate it. Call from any thread.
    public func observe(id: String, reading: Double) {
        guard let output = outputs.first(where: { $0.id == id }) else { return }
        let tolerance = drivers[id]?.readBackTolerance(for: output) ?? 0
        let now = clock.monotonicNanoseconds()
        let wall = clock.wallNanoseconds()
        let fmt = JSONValue.formatNumber
        let (redrive, events) = states.withLock { all -> (Double?, [OutputEvent]) in
            guard var r = all[id], r.inFlight == 0, !r.recovering else { return (nil, []) }
            var events: [OutputEvent] = []
            var redrive: Double?
            switch r.state {
            case .pending, .unknown:
                let target = r.state == .unknown && output.onRecover == .last ? r.commanded : output.safeValue
                if target == output.safeValue {
                    r.commanded = target
                    r.revertAt = nil
                    r.changedAt = now
                }
                if r.recoveries == 0 {
                    events.append(
                        OutputEvent(
                            level: .notice, message: "output's device answers again; re-driving it",
                            metadata: ["output": "\(id)", "state": "\(r.state.rawValue)", "value": "\(fmt(target))"]))
                }
                r.recoveries += 1
                redrive = target
            case .confirmed:
                guard output.readBack, reading.isFinite else { break }
                r.confirmed = reading
                r.confirmedAt = wall
                if abs(reading - r.commanded) <= tolerance {
                    if r.mismatchSince != nil {
                        r.mismatchSince = nil
                        r.redrives = 0
                        events.append(
                            OutputEvent(
                                level: .notice, message: "output agrees with its device again",
                                metadata: ["output": "\(id)", "value": "\(fmt(reading))"]))
                    }
                    break
                }
                if r.mismatchSince == nil {
                    r.mismatchSince = now
                    r.mismatches += 1
                    r.redrives = 0
                    events.append(
                        OutputEvent(
                            level: .warning, message: "output disagrees with its device",
                            metadata: [
                                "output": "\(id)", "device_value": "\(fmt(reading))",
                                "commanded": "\(fmt(r.commanded))", "policy": "\(output.onMismatch.rawValue)",
                            ]))
                }
                guard output.onMismatch == .redrive else { break }
                if r.redrives < Self.redrivesPerMismatch {
                    r.redrives += 1
                    redrive = r.commanded
                } else if r.redrives == Self.redrivesPerMismatch {
                    r.redrives += 1
                    events.append(
                        OutputEvent(
                            level: .error, message: "output still disagrees after re-driving it; leaving it",
                            metadata: [
                                "output": "\(id)", "device_value": "\(fmt(reading))",
                                "commanded": "\(fmt(r.commanded))",
                                "redrives": "\(Self.redrivesPerMismatch)",
                            ]))
                }
            }
            if redrive != nil { r.recovering = true }
            all[id] = r
            return (redrive, events)
        }
        emit(events)
        if let redrive { send(output, redrive, purpose: .redrive) { _ in } }
    }

    /// Records a driver's answer to a write of `value`: success confirms the output at it; a
    /// failure makes a confirmed output `unknown` (a pending one stays pending).
    func settle(_ output: OutputConfig, value: Double, purpose: WritePurpose, result: Result<Void, OutputDriveError>) {
        let now = clock.monotonicNanoseconds()
        let wall = clock.wallNanoseconds()
        let fmt = JSONValue.formatNumber
        let id = output.id
        let events = states.withLock { all -> [OutputEvent] in
            guard var r = all[id] else { return [] }
            var events: [OutputEvent] = []
            r.inFlight = max(0, r.inFlight - 1)
            if purpose == .redrive { r.recovering = false }
            switch result {
            case .success:
                // A disagreement ends only with a reading that agrees: a driver that does not
                // verify its writes cannot tell whether the device kept the value.
                r.confirmed = value
                r.confirmedAt = wall
                let reason =
                    switch (purpose, r.state) {
                    case (.redrive, _): "re-driven to \(fmt(value)) after its device answered"
                    case (_, .pending) where value == output.safeValue: "safe value \(fmt(value)) confirmed"
                    default: "write of \(fmt(value)) confirmed"
                    }
                r.enter(.confirmed, at: now, id: id, reason: reason, into: &events)
                r.recoveries = 0
            case .failure(let error):
                r.failures += 1
                if r.state == .confirmed {
                    r.enter(
                        .unknown, at: now, id: id, reason: "write of \(fmt(value)) failed: \(error.message)",
                        into: &events)
                } else if r.lastError != error.message {
                    // Not a transition (a pending output stays pending), but a new reason it stays
                    // unconfirmed; the same failure again is not logged again.
                    events.append(
                        OutputEvent(
                            level: .warning, message: "output still \(r.state.rawValue)",
                            metadata: ["output": "\(id)", "value": "\(fmt(value))", "error": "\(error.message)"]))
                }
                r.lastError = error.message
            }
            all[id] = r
            return events
        }
        emit(events)
    }

    /// Starts the read-backs that are due (outputs whose driver reads on demand, every
    /// `readback_interval`); returns the next one's monotonic time, if any.
    func startDueReadBacks(now: Int64) -> Int64? {
        var due: [OutputConfig] = []
        let next: Int64? = states.withLock { all in
            var soonest: Int64?
            for output in outputs where output.readBack && readBackModes[output.id] == .onDemand {
                guard var r = all[output.id], !r.readBackInFlight else { continue }
                let at = r.nextReadBackAt ?? now + output.readBackIntervalNanoseconds
                if at <= now && r.inFlight == 0 && !r.recovering {
                    r.readBackInFlight = true
                    due.append(output)
                } else {
                    r.nextReadBackAt = at
                    soonest = min(soonest ?? at, at)
                }
                all[output.id] = r
            }
            return soonest
        }
        for output in due {
            drivers[output.id]?.readBack(output) { [self] result in
                let later = clock.monotonicNanoseconds() + output.readBackIntervalNanoseconds
                let events = states.withLock { all -> [OutputEvent] in
                    all[output.id]?.readBackInFlight = false
                    all[output.id]?.nextReadBackAt = later
                    guard case .failure(let error) = result, all[output.id]?.lastError != error.message else {
                        return []
                    }
                    all[output.id]?.lastError = error.message
                    return [
                        OutputEvent(
                            level: .warning, message: "output could not be read back",
                            metadata: ["output": "\(output.id)", "error": "\(error.message)"])
                    ]
                }
                emit(events)
                if case .success(let value) = result { observe(id: output.id, reading: value) }
            }
        }
        return next
    }

    func emit(_ events: [OutputEvent]) {
        for event in events { logger.log(level: event.level, "\(event.message)", metadata: event.metadata) }
    }
}

/// Why a write is sent, which decides how its answer is logged.
enum WritePurpose: Equatable {
    /// A write the envelope admitted (a flow, an AI result, a hold that expired).
    case command
    /// The safe value at start, stop or reload.
    case safe
    /// A recovery after an outage, or a re-drive after a disagreement: a value already admitted.
    case redrive
}
