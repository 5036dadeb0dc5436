public import EdgeConfig
public import EdgeCore
public import Logging
import Synchronization

/// Drives actuator outputs through their safety envelopes (docs/safety.md S5): every write,
/// from any origin, is checked against the allowed range, the maximum step and the minimum
/// hold time; a refused write changes nothing and is counted. Going to the safe value is always
/// allowed, because that is what safety falls back to. Writes complete with their driver's
/// result.
public final class OutputController: Sendable {
    struct State {
        var value: Double
        var changedAt: Int64
        var revertAt: Int64?
        var refused: UInt64 = 0
        var writes: UInt64 = 0
        var failures: UInt64 = 0
        /// When the last changes happened (monotonic ns), newest last, for `max_rate`.
        var recentChanges: [Int64] = []
    }

    /// The outputs under control.
    public let outputs: [OutputConfig]
    private let drivers: [String: any OutputDriver]
    private let states: Mutex<[String: State]>
    private let clock: any EdgeClock
    private let logger: Logger
    private let onDriven: @Sendable (OutputConfig, Double) -> Void

    /// Creates the controller. `drivers` maps each output id to its driver; `onDriven` runs
    /// after a driver confirmed a value (the live view prints it). Nothing is driven until
    /// `driveAllSafe`.
    public init(
        outputs: [OutputConfig], drivers: [String: any OutputDriver], clock: any EdgeClock, logger: Logger,
        onDriven: @escaping @Sendable (OutputConfig, Double) -> Void = { _, _ in }
    ) {
        self.outputs = outputs
        self.drivers = drivers
        self.clock = clock
        self.logger = logger
        self.onDriven = onDriven
        let now = clock.monotonicNanoseconds()
        states = Mutex(
            Dictionary(
                uniqueKeysWithValues: outputs.map {
                    ($0.id, State(value: $0.safeValue, changedAt: now - $0.minHoldNanoseconds))
                }))
    }

    /// A refused write: which rule and why.
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// The rule that refused it: `unknown-output`, `allowed`, `range`, `step`, `rate`, `min-hold`.
        public var rule: String
        /// Human explanation.
        public var message: String
        /// `rule: message`.
        public var description: String { "\(rule): \(message)" }
    }

    /// Drives every output to its safe value and waits, at most `timeoutNanoseconds` (monotonic),
    /// for every driver to confirm. Returns the outputs that failed or did not confirm in time,
    /// with why; each is also logged. Used on start, on shutdown (drivers still open) and after a
    /// restart.
    @discardableResult
    public func driveAllSafe(timeoutNanoseconds: Int64 = 3_000_000_000) -> [String: String] {
        driveSafe(outputs, timeoutNanoseconds: timeoutNanoseconds)
    }

    /// Drives the outputs whose ids are not in `kept` to their safe value (as `driveAllSafe`);
    /// a reload keeps the outputs that stay under the new config as they are.
    @discardableResult
    public func driveSafe(except kept: Set<String>, timeoutNanoseconds: Int64 = 3_000_000_000) -> [String: String] {
        driveSafe(outputs.filter { !kept.contains($0.id) }, timeoutNanoseconds: timeoutNanoseconds)
    }

    /// Takes over values an earlier controller left on outputs (a reload): the envelope's step
    /// and hold rules then start from what the output really holds, not from its safe value.
    public func adopt(values: [String: Double]) {
        let now = clock.monotonicNanoseconds()
        states.withLock { states in
            for (id, value) in values where states[id] != nil {
                states[id]?.value = value
                states[id]?.changedAt = now
            }
        }
    }

    private func driveSafe(_ outputs: [OutputConfig], timeoutNanoseconds: Int64) -> [String: String] {
        let now = clock.monotonicNanoseconds()
        let lock = ConditionLock()
        let box = SafeResults()
        for output in outputs {
            states.withLock {
                $0[output.id]?.value = output.safeValue
                $0[output.id]?.revertAt = nil
                $0[output.id]?.changedAt = now
            }
            send(output, output.safeValue) { result in
                lock.withLock { box.results[output.id] = result }
                lock.signal()
            }
        }
        let deadline = MonotonicDeadline(after: timeoutNanoseconds)
        let results = lock.withLock { () -> [String: Result<Void, OutputDriveError>] in
            while box.results.count < outputs.count && deadline.remaining > 0 {
                lock.wait(nanoseconds: deadline.remaining)
            }
            return box.results
        }
        var failed: [String: String] = [:]
        for output in outputs {
            switch results[output.id] {
            case .success?: continue
            case .failure(let error)?: failed[output.id] = error.message
            case nil: failed[output.id] = "the driver did not confirm within \(Quantity.formatDuration(timeoutNanoseconds))"
            }
            logger.error(
                "output not confirmed at its safe value",
                metadata: ["output": "\(output.id)", "safe_value": "\(output.safeValue)", "error": "\(failed[output.id] ?? "")"])
        }
        return failed
    }

    /// Writes `value` to output `id`, holding it `holdNanoseconds` (then back to the safe value;
    /// 0 = until changed). The envelope is checked at once (a refusal throws and nothing is
    /// driven); `completion` then gets the value on the output once the driver confirmed it, or
    /// the driver's error.
    public func write(
        id: String, value: Double, holdNanoseconds: Int64 = 0,
        completion: @escaping @Sendable (Result<Double, OutputDriveError>) -> Void
    ) throws(Refusal) {
        guard let output = outputs.first(where: { $0.id == id }) else {
            throw Refusal(rule: "unknown-output", message: "no output '\(id)'")
        }
        let changed = try admit(output, value: value, holdNanoseconds: holdNanoseconds)
        guard changed else {
            completion(.success(value))
            return
        }
        send(output, value) { result in completion(result.map { value }) }
    }

    /// Checks the envelope and records the new state; true when the value changes.
    private func admit(_ output: OutputConfig, value: Double, holdNanoseconds: Int64) throws(Refusal) -> Bool {
        let id = output.id
        let fmt = JSONValue.formatNumber
        let integral: Bool = if case .gpio = output.target { true } else { false }
        if let allowed = output.allowedValues, value.isFinite, !allowed.contains(value), value != output.safeValue {
            states.withLock { $0[id]?.refused += 1 }
            let list = allowed.map(fmt).joined(separator: ", ")
            let refusal = Refusal(rule: "allowed", message: "\(fmt(value)) is not one of the allowed values of '\(id)' (\(list))")
            logger.warning("output write refused", metadata: ["output": "\(id)", "rule": "allowed", "reason": "\(refusal.message)"])
            throw refusal
        }
        guard value.isFinite, (output.minimum...output.maximum).contains(value), !integral || value == value.rounded()
        else {
            states.withLock { $0[id]?.refused += 1 }
            let refusal = Refusal(
                rule: "range", message: "\(fmt(value)) is outside \(fmt(output.minimum))...\(fmt(output.maximum)) of '\(id)'")
            logger.warning("output write refused", metadata: ["output": "\(id)", "rule": "range", "reason": "\(refusal.message)"])
            throw refusal
        }
        let now = clock.monotonicNanoseconds()
        let outcome: Result<Bool, Refusal> = states.withLock { all in
            guard var s = all[id] else { return .failure(Refusal(rule: "unknown-output", message: "no output '\(id)'")) }
            let revert: Int64? = holdNanoseconds > 0 && value != output.safeValue ? now + holdNanoseconds : nil
            if s.value == value {
                // Same value: only the hold deadline moves (a retriggered alarm stays on).
                s.revertAt = revert
                s.writes += 1
                all[id] = s
                return .success(false)
            }
            if value != output.safeValue {
                if output.maxStep != nil && s.value.isNaN {
                    s.refused += 1
                    all[id] = s
                    return .failure(
                        Refusal(
                            rule: "step",
                            message: "'\(id)' is in an unknown state after a failed write; only its safe value may be written now"))
                }
                if let step = output.maxStep, abs(value - s.value) > step {
                    s.refused += 1
                    all[id] = s
                    return .failure(
                        Refusal(
                            rule: "step",
                            message: "'\(id)' may move at most \(fmt(step)) per write (from \(fmt(s.value)) to \(fmt(value)))"))
                }
                if let limit = output.maxChanges,
                    s.recentChanges.filter({ now - $0 < limit.windowNanoseconds }).count >= limit.count
                {
                    s.refused += 1
                    all[id] = s
                    return .failure(
                        Refusal(
                            rule: "rate",
                            message:
                                "'\(id)' may change at most \(limit.count) times per \(Quantity.formatDuration(limit.windowNanoseconds))"
                        ))
                }
                if now - s.changedAt < output.minHoldNanoseconds {
                    s.refused += 1
                    all[id] = s
                    let wait = Quantity.formatDuration(output.minHoldNanoseconds - (now - s.changedAt))
                    return .failure(
                        Refusal(
                            rule: "min-hold",
                            message:
                                "'\(id)' changed less than \(Quantity.formatDuration(output.minHoldNanoseconds)) ago; next change allowed in \(wait)"
                        ))
                }
            }
            s.value = value
            s.changedAt = now
            s.writes += 1
            s.revertAt = revert
            if let limit = output.maxChanges {
                // Only as many timestamps as the limit are needed to decide the next write.
                s.recentChanges.append(now)
                if s.recentChanges.count > limit.count { s.recentChanges.removeFirst(s.recentChanges.count - limit.count) }
            }
            all[id] = s
            return .success(true)
        }
        switch outcome {
        case .failure(let refusal):
            logger.warning("output write refused", metadata: ["output": "\(id)", "rule": "\(refusal.rule)", "reason": "\(refusal.message)"])
            throw refusal
        case .success(let changed):
            return changed
        }
    }

    private func send(
        _ output: OutputConfig, _ value: Double, completion: @escaping @Sendable (Result<Void, OutputDriveError>) -> Void
    ) {
        guard let driver = drivers[output.id] else {
            states.withLock { $0[output.id]?.failures += 1 }
            completion(.failure(OutputDriveError("no driver for output '\(output.id)' in this build")))
            return
        }
        driver.drive(output, value: value) { [self] result in
            switch result {
            case .success: onDriven(output, value)
            case .failure:
                // What is on the output is now unknown: forget the value, so the next write of
                // any value is driven (and checked) instead of taken for a no-op.
                states.withLock {
                    $0[output.id]?.failures += 1
                    $0[output.id]?.value = .nan
                }
            }
            completion(result)
        }
    }

    /// Returns outputs whose hold expired to their safe value; call it from the pipeline's loop.
    /// Returns the next deadline (monotonic ns), if any.
    @discardableResult
    public func tick() -> Int64? {
        let now = clock.monotonicNanoseconds()
        var due: [OutputConfig] = []
        let next: Int64? = states.withLock { all in
            var soonest: Int64?
            for output in outputs {
                guard let at = all[output.id]?.revertAt else { continue }
                if at <= now {
                    all[output.id]?.value = output.safeValue
                    all[output.id]?.revertAt = nil
                    all[output.id]?.changedAt = now
                    due.append(output)
                } else {
                    soonest = min(soonest ?? at, at)
                }
            }
            return soonest
        }
        let logger = logger
        for output in due {
            send(output, output.safeValue) { result in
                if case .failure(let error) = result {
                    logger.error("output did not return to its safe value", metadata: ["output": "\(output.id)", "error": "\(error)"])
                }
            }
        }
        return next
    }

    /// Current value per output.
    public var values: [String: Double] { states.withLock { $0.mapValues(\.value) } }
    /// Refused writes per output.
    public var refusals: [String: UInt64] { states.withLock { $0.mapValues(\.refused) } }
    /// Driver failures per output.
    public var failures: [String: UInt64] { states.withLock { $0.mapValues(\.failures) } }
}

/// Completions of one `driveAllSafe`, guarded by that call's lock.
private final class SafeResults: @unchecked Sendable {
    var results: [String: Result<Void, OutputDriveError>] = [:]
}
