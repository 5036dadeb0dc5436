import EdgeConfig
import EdgeCore
import Logging

extension OutputController {
    /// Checks the envelope and records the new command; true when the value must be sent to the
    /// driver, false when the output is confirmed at it already (only the hold moves).
    func admit(_ output: OutputConfig, value: Double, holdNanoseconds: Int64) throws(Refusal) -> Bool {
        let id = output.id
        let fmt = JSONValue.formatNumber
        let integral: Bool = if case .gpio = output.target { true } else { false }
        if let allowed = output.allowedValues, value.isFinite, !allowed.contains(value), value != output.safeValue {
            let list = allowed.map(fmt).joined(separator: ", ")
            throw refuse(
                id,
                Refusal(rule: "allowed", message: "\(fmt(value)) is not one of the allowed values of '\(id)' (\(list))")
            )
        }
        guard value.isFinite, (output.minimum...output.maximum).contains(value), !integral || value == value.rounded()
        else {
            throw refuse(
                id,
                Refusal(
                    rule: "range",
                    message: "\(fmt(value)) is outside \(fmt(output.minimum))...\(fmt(output.maximum)) of '\(id)'"))
        }
        let now = clock.monotonicNanoseconds()
        let outcome: Result<Bool, Refusal> = states.withLock { all in
            guard var s = all[id] else {
                return .failure(Refusal(rule: "unknown-output", message: "no output '\(id)'"))
            }
            let revert: Int64? = holdNanoseconds > 0 && value != output.safeValue ? now + holdNanoseconds : nil
            if value == s.commanded && s.state == .confirmed {
                s.revertAt = revert
                s.writes += 1
                all[id] = s
                // Same value: only the hold deadline moves (a retriggered alarm stays on), unless the
                // device disagrees or the write is still on its way; then it is sent again, without
                // the envelope's rules, which admitted this value already.
                return .success((s.inFlight > 0 && s.confirmed != value) || s.mismatchSince != nil)
            }
            if value != output.safeValue, let refusal = Self.rule(output, s, value: value, now: now) {
                s.refused += 1
                all[id] = s
                return .failure(refusal)
            }
            if value != s.commanded || s.state != .confirmed {
                s.changedAt = now
                if let limit = output.maxChanges {
                    // Only as many timestamps as the limit are needed to decide the next write.
                    s.recentChanges.append(now)
                    if s.recentChanges.count > limit.count {
                        s.recentChanges.removeFirst(s.recentChanges.count - limit.count)
                    }
                }
            }
            s.commanded = value
            s.writes += 1
            s.revertAt = revert
            all[id] = s
            return .success(true)
        }
        switch outcome {
        case .failure(let refusal):
            logger.warning(
                "output write refused",
                metadata: ["output": "\(id)", "rule": "\(refusal.rule)", "reason": "\(refusal.message)"])
            throw refusal
        case .success(let send):
            return send
        }
    }

    /// The first rule that refuses moving output `output` (record `s`) to `value`, which is not
    /// its safe value; nil when none does. Messages say why, and when the write may succeed.
    private static func rule(_ output: OutputConfig, _ s: OutputRecord, value: Double, now: Int64) -> Refusal? {
        let id = output.id
        let fmt = JSONValue.formatNumber
        let since = Quantity.formatSpan(now - s.stateSince)
        let cause = s.lastError.map { " (\($0))" } ?? ""
        switch s.state {
        case .pending:
            return Refusal(
                rule: "unconfirmed",
                message:
                    "'\(id)' has not confirmed its safe value \(fmt(output.safeValue)) yet\(cause); other values are "
                    + "refused until its device answers and edgeflow confirms the safe value, tried again on every answer"
            )
        case .unknown where output.maxStep != nil:
            return Refusal(
                rule: "unconfirmed",
                message:
                    "'\(id)' is unknown since a write failed \(since) ago\(cause), so a step from it cannot be checked; "
                    + "only its safe value \(fmt(output.safeValue)) may be written until its device answers and "
                    + "edgeflow re-drives it")
        default:
            break
        }
        if let step = output.maxStep, abs(value - s.commanded) > step {
            return Refusal(
                rule: "step",
                message: "'\(id)' may move at most \(fmt(step)) per write (from \(fmt(s.commanded)) to \(fmt(value)))")
        }
        if let limit = output.maxChanges {
            let recent = s.recentChanges.filter { now - $0 < limit.windowNanoseconds }
            if recent.count >= limit.count, let oldest = recent.first {
                let wait = Quantity.formatSpan(oldest + limit.windowNanoseconds - now)
                return Refusal(
                    rule: "rate",
                    message:
                        "'\(id)' may change at most \(limit.count) times per "
                        + "\(Quantity.formatDuration(limit.windowNanoseconds)); next change allowed in \(wait)")
            }
        }
        if now - s.changedAt < output.minHoldNanoseconds {
            let held = Quantity.formatSpan(now - s.changedAt)
            let wait = Quantity.formatSpan(output.minHoldNanoseconds - (now - s.changedAt))
            return Refusal(
                rule: "min-hold",
                message:
                    "'\(id)' changed \(held) ago and holds each value at least "
                    + "\(Quantity.formatSpan(output.minHoldNanoseconds)); next change allowed in \(wait)")
        }
        return nil
    }

    /// Counts and logs a refusal by the range or allowed-set rules; returns it to throw.
    private func refuse(_ id: String, _ refusal: Refusal) -> Refusal {
        states.withLock { $0[id]?.refused += 1 }
        logger.warning(
            "output write refused",
            metadata: ["output": "\(id)", "rule": "\(refusal.rule)", "reason": "\(refusal.message)"])
        return refusal
    }
}
