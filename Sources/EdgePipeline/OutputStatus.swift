import EdgeCore

/// One output as `edgeflow status` shows it.
public struct OutputStatus: Sendable, Equatable {
    /// The output's id.
    public var id: String
    /// Its lifecycle state.
    public var state: OutputState
    /// How long it has been in that state.
    public var secondsInState: Double
    /// The value the driver confirmed; nil unless `state` is `confirmed`.
    public var value: Double?
    /// The value last admitted by the envelope (or re-driven).
    public var commanded: Double
    /// Wall time (ns) of the last confirmation, by a write or a read-back; nil if never.
    public var lastConfirmedAt: Int64?
    /// The last write or read-back failure, kept after recovery.
    public var lastError: String?
    /// Whether the read-back disagrees with the commanded value now.
    public var mismatch: Bool
    /// How long it has disagreed; nil while it agrees.
    public var mismatchSeconds: Double?
    /// Disagreement episodes since start (carried over by reloads).
    public var mismatches: UInt64
    /// Writes the envelope refused.
    public var refused: UInt64
    /// Writes the driver failed.
    public var failures: UInt64
    /// How the output is read back (`none` when its driver cannot, or `readback: false`).
    public var readBack: OutputReadBack
}

/// What a reload hands from the old controller to the new one for an output both configs
/// keep: its lifecycle state, commanded value, confirmation and counters, so a reload neither
/// hides a failure nor re-drives a healthy output.
public struct OutputHandOver: Sendable {
    var record: OutputRecord

    /// The value the output was last commanded to (the new driver requests a GPIO line at it).
    public var commanded: Double { record.commanded }
    /// The state handed over.
    public var state: OutputState { record.state }
}

extension OutputController {
    /// Every output's lifecycle and counters, for status and metrics.
    public func statuses() -> [OutputStatus] {
        let now = clock.monotonicNanoseconds()
        let records = states.withLock { $0 }
        return outputs.compactMap { output in
            guard let r = records[output.id] else { return nil }
            return OutputStatus(
                id: output.id, state: r.state, secondsInState: Double(max(0, now - r.stateSince)) / 1e9,
                value: r.state == .confirmed ? r.confirmed : nil, commanded: r.commanded,
                lastConfirmedAt: r.confirmedAt, lastError: r.lastError, mismatch: r.mismatchSince != nil,
                mismatchSeconds: r.mismatchSince.map { Double(max(0, now - $0)) / 1e9 }, mismatches: r.mismatches,
                refused: r.refused, failures: r.failures,
                readBack: output.readBack ? readBackModes[output.id] ?? .none : .none)
        }
    }

    /// The lifecycle of every output, for the controller of the next config (a reload).
    public func handOver() -> [String: OutputHandOver] {
        states.withLock { $0.mapValues { OutputHandOver(record: $0) } }
    }

    /// Takes over outputs an earlier controller ran (a reload): their state, commanded value,
    /// confirmation and counters carry on; writes the old driver had in flight do not. The
    /// envelope's hold starts again from now.
    public func adopt(_ handOvers: [String: OutputHandOver]) {
        let now = clock.monotonicNanoseconds()
        states.withLock { states in
            for (id, handOver) in handOvers where states[id] != nil {
                var r = handOver.record
                r.inFlight = 0
                r.recovering = false
                r.readBackInFlight = false
                r.nextReadBackAt = nil
                r.changedAt = now
                states[id] = r
            }
        }
    }

    /// For `edgeflow flow test --live`, which opens no hardware: takes every output as confirmed
    /// at its safe value without driving it, so a write meets the envelope as it would in an
    /// agent that has started; its driver then refuses it with the reason.
    public func assumeSafeValuesConfirmed() {
        let now = clock.monotonicNanoseconds()
        states.withLock { states in
            for output in outputs {
                states[output.id]?.state = .confirmed
                states[output.id]?.stateSince = now
                states[output.id]?.confirmed = output.safeValue
            }
        }
    }
}
