public import EdgeConfig
public import EdgeCore
public import Logging
import Synchronization

/// Drives actuator outputs through their safety envelopes (docs/safety.md S5): every write,
/// from any origin, is checked against the allowed range, the maximum step and the minimum
/// hold time; a refused write changes nothing and is counted. Going to the safe value is always
/// allowed, because that is what safety falls back to. Writes complete with their driver's
/// result, and each output has a lifecycle (pending, confirmed, unknown; OutputLifecycle.swift)
/// that the agent leaves by itself when the output's device answers again.
public final class OutputController: Sendable {
    /// The outputs under control.
    public let outputs: [OutputConfig]
    let drivers: [String: any OutputDriver]
    /// How each output's driver reads it back, asked once.
    let readBackModes: [String: OutputReadBack]
    let states: Mutex<[String: OutputRecord]>
    let clock: any EdgeClock
    let logger: Logger
    private let onDriven: @Sendable (OutputConfig, Double) -> Void

    /// Creates the controller. `drivers` maps each output id to its driver; `onDriven` runs
    /// after a driver confirmed a value (the live view prints it). Every output starts
    /// `pending`; nothing is driven until `driveAllSafe`.
    public init(
        outputs: [OutputConfig], drivers: [String: any OutputDriver], clock: any EdgeClock, logger: Logger,
        onDriven: @escaping @Sendable (OutputConfig, Double) -> Void = { _, _ in }
    ) {
        self.outputs = outputs
        self.drivers = drivers
        self.clock = clock
        self.logger = logger
        self.onDriven = onDriven
        var modes: [String: OutputReadBack] = [:]
        for output in outputs {
            modes[output.id] = drivers[output.id]?.readBackMode(for: output) ?? OutputReadBack.none
        }
        readBackModes = modes
        let now = clock.monotonicNanoseconds()
        states = Mutex(
            Dictionary(
                uniqueKeysWithValues: outputs.map {
                    (
                        $0.id,
                        OutputRecord(stateSince: now, commanded: $0.safeValue, changedAt: now - $0.minHoldNanoseconds)
                    )
                }))
    }

    /// A refused write: which rule and why.
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// The rule that refused it: `unknown-output`, `allowed`, `range`, `unconfirmed`, `step`,
        /// `rate`, `min-hold`.
        public var rule: String
        /// Human explanation, saying when the write may succeed where that is known.
        public var message: String
        /// `rule: message`.
        public var description: String { "\(rule): \(message)" }
    }

    /// Drives every output to its safe value and waits, at most `timeoutNanoseconds` (monotonic),
    /// for every driver to confirm. Returns the outputs that failed or did not confirm in time,
    /// with why; each is also logged. Used on start, on shutdown (drivers still open) and after a
    /// restart. An output that fails stays `pending` (or becomes `unknown`) and is re-driven when
    /// its device answers.
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

    private func driveSafe(_ outputs: [OutputConfig], timeoutNanoseconds: Int64) -> [String: String] {
        let now = clock.monotonicNanoseconds()
        let lock = ConditionLock()
        let box = SafeResults()
        for output in outputs {
            states.withLock {
                $0[output.id]?.commanded = output.safeValue
                $0[output.id]?.revertAt = nil
                $0[output.id]?.changedAt = now
            }
            send(output, output.safeValue, purpose: .safe) { result in
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
            case nil: failed[output.id] = "the driver did not confirm within \(Quantity.formatSpan(timeoutNanoseconds))"
            }
            logger.error(
                "output not confirmed at its safe value",
                metadata: [
                    "output": "\(output.id)", "safe_value": "\(output.safeValue)",
                    "error": "\(failed[output.id] ?? "")",
                ])
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
        send(output, value, purpose: value == output.safeValue ? .safe : .command) { result in
            completion(result.map { value })
        }
    }

    /// Sends `value` to the output's driver and settles the lifecycle with its answer.
    func send(
        _ output: OutputConfig, _ value: Double, purpose: WritePurpose,
        completion: @escaping @Sendable (Result<Void, OutputDriveError>) -> Void
    ) {
        states.withLock { $0[output.id]?.inFlight += 1 }
        guard let driver = drivers[output.id] else {
            let result: Result<Void, OutputDriveError> = .failure(
                OutputDriveError("no driver for output '\(output.id)' in this build"))
            settle(output, value: value, purpose: purpose, result: result)
            completion(result)
            return
        }
        driver.drive(output, value: value) { [self] result in
            settle(output, value: value, purpose: purpose, result: result)
            if case .success = result { onDriven(output, value) }
            completion(result)
        }
    }

    /// Returns outputs whose hold expired to their safe value and starts the read-backs that
    /// are due; call it from the pipeline's loop. Returns the next deadline (monotonic ns), if any.
    @discardableResult
    public func tick() -> Int64? {
        let now = clock.monotonicNanoseconds()
        var due: [OutputConfig] = []
        let next: Int64? = states.withLock { all in
            var soonest: Int64?
            for output in outputs {
                guard let at = all[output.id]?.revertAt else { continue }
                if at <= now {
                    all[output.id]?.commanded = output.safeValue
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
            send(output, output.safeValue, purpose: .safe) { result in
                if case .failure(let error) = result {
                    logger.error(
                        "output did not return to its safe value",
                        metadata: ["output": "\(output.id)", "error": "\(error)"])
                }
            }
        }
        let readBack = startDueReadBacks(now: now)
        guard let readBack else { return next }
        return min(next ?? readBack, readBack)
    }

    /// The commanded value per output (what the envelope last admitted); `statuses()` has what
    /// the drivers confirmed.
    public var values: [String: Double] { states.withLock { $0.mapValues(\.commanded) } }
    /// Refused writes per output.
    public var refusals: [String: UInt64] { states.withLock { $0.mapValues(\.refused) } }
    /// Driver failures per output.
    public var failures: [String: UInt64] { states.withLock { $0.mapValues(\.failures) } }
    /// The lifecycle state per output.
    public var lifecycleStates: [String: OutputState] { states.withLock { $0.mapValues(\.state) } }
}

/// Completions of one `driveAllSafe`, guarded by that call's lock.
private final class SafeResults: @unchecked Sendable {
    var results: [String: Result<Void, OutputDriveError>] = [:]
}
