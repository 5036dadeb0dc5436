public import EdgeConfig
public import EdgeCore
import Synchronization

/// Drives actuator outputs through their safety envelopes (safety.md S5): every write, from
/// any origin, is checked against the allowed range, the maximum step and the minimum hold
/// time; a refused write changes nothing and is counted. Going to the safe value is always
/// allowed, because that is what safety falls back to.
public final class OutputController: Sendable {
    /// Where values go (the simulated board, a GPIO chip's owner, a Modbus bus owner).
    public typealias Driver = @Sendable (_ output: OutputConfig, _ value: Double) -> Void

    struct State {
        var value: Double
        var changedAt: Int64
        var revertAt: Int64?
        var refused: UInt64 = 0
        var writes: UInt64 = 0
    }

    /// The outputs under control.
    public let outputs: [OutputConfig]
    private let states: Mutex<[String: State]>
    private let clock: any EdgeClock
    private let driver: Driver

    /// Creates the controller; nothing is driven until `driveAllSafe`.
    public init(outputs: [OutputConfig], clock: any EdgeClock, driver: @escaping Driver) {
        self.outputs = outputs
        self.clock = clock
        self.driver = driver
        let now = clock.monotonicNanoseconds()
        states = Mutex(Dictionary(uniqueKeysWithValues: outputs.map {
            ($0.id, State(value: $0.safeValue, changedAt: now - $0.minHoldNanoseconds))
        }))
    }

    /// Drives every output to its safe value (start, shutdown, recovery).
    public func driveAllSafe() {
        let now = clock.monotonicNanoseconds()
        for output in outputs {
            states.withLock {
                $0[output.id]?.value = output.safeValue
                $0[output.id]?.revertAt = nil
                $0[output.id]?.changedAt = now
            }
            driver(output, output.safeValue)
        }
    }

    /// A refused write: which rule and why.
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// The rule that refused it: `unknown-output`, `range`, `step`, `min-hold`.
        public var rule: String
        /// Human explanation.
        public var message: String
        /// `rule: message`.
        public var description: String { "\(rule): \(message)" }
    }

    /// Writes `value` to output `id`, holding it `holdNanoseconds` (then back to the safe value;
    /// 0 = until changed). Returns the value now on the output.
    @discardableResult
    public func write(id: String, value: Double, holdNanoseconds: Int64 = 0) throws(Refusal) -> Double {
        guard let output = outputs.first(where: { $0.id == id }) else {
            throw Refusal(rule: "unknown-output", message: "no output '\(id)'")
        }
        let fmt = JSONValue.formatNumber
        let integral: Bool = if case .gpio = output.target { true } else { false }
        guard value.isFinite, (output.minimum...output.maximum).contains(value), !integral || value == value.rounded() else {
            states.withLock { $0[id]?.refused += 1 }
            throw Refusal(rule: "range", message: "\(fmt(value)) is outside \(fmt(output.minimum))...\(fmt(output.maximum)) of '\(id)'")
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
                if let step = output.maxStep, abs(value - s.value) > step {
                    s.refused += 1
                    all[id] = s
                    return .failure(Refusal(rule: "step", message: "'\(id)' may move at most \(fmt(step)) per write (from \(fmt(s.value)) to \(fmt(value)))"))
                }
                if now - s.changedAt < output.minHoldNanoseconds {
                    s.refused += 1
                    all[id] = s
                    let wait = Quantity.formatDuration(output.minHoldNanoseconds - (now - s.changedAt))
                    return .failure(Refusal(rule: "min-hold", message: "'\(id)' changed less than \(Quantity.formatDuration(output.minHoldNanoseconds)) ago; next change allowed in \(wait)"))
                }
            }
            s.value = value
            s.changedAt = now
            s.writes += 1
            s.revertAt = revert
            all[id] = s
            return .success(true)
        }
        switch outcome {
        case .failure(let refusal): throw refusal
        case .success(let changed): if changed { driver(output, value) }
        }
        return value
    }

    /// Returns outputs whose hold expired to their safe value; call it from the agent's loop.
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
        for output in due { driver(output, output.safeValue) }
        return next
    }

    /// Current value per output.
    public var values: [String: Double] { states.withLock { $0.mapValues(\.value) } }
    /// Refused writes per output.
    public var refusals: [String: UInt64] { states.withLock { $0.mapValues(\.refused) } }
}
