import EdgeConfig
import EdgeCore
import EdgePipeline

/// One reason `edgeflow status --check` fails.
struct HealthProblem: Sendable, Equatable {
    /// What kind of staleness.
    enum Kind: String, Sendable {
        case sourceStale = "source-stale"
        case uplinkStale = "uplink-stale"
        case spoolFull = "spool-full"
        case recorderFailing = "recorder-failing"
        case outputUnconfirmed = "output-unconfirmed"
        case outputMismatch = "output-mismatch"
    }

    var kind: Kind
    /// The source id, the output id, `uplink`, `spool` or `recorder`.
    var subject: String
    /// A sentence for the operator.
    var message: String
}

/// What the health rules look at, taken from a status snapshot.
struct HealthInputs: Sendable {
    /// Every source, with how long it has been silent.
    var sources: [StatusSnapshot.Source]
    /// Every output's lifecycle.
    var outputs: [OutputStatus] = []
    /// Records waiting in the spool and its fill ratio; nil without an uplink.
    var spool: (waiting: Int64, fillRatio: Double)?
    /// Wall time (ns) of the uplink's last acknowledgement.
    var lastAcknowledgedAt: Int64?
    /// The uplink's last error, quoted in the problem.
    var uplinkError: String?
    /// The record writer's last write or fsync failed (a full or failing disk), with why.
    var recorderError: String? = nil
    /// Wall time now (ns).
    var nowWall: Int64
    /// Seconds since the agent started (the age of a missing acknowledgement).
    var uptimeSeconds: Double
}

/// The health rules of docs/status.md: data must keep flowing, not merely the process run.
enum Health {
    /// What is stale under `thresholds`; empty when healthy.
    static func problems(_ inputs: HealthInputs, thresholds: HealthThresholds) -> [HealthProblem] {
        var problems: [HealthProblem] = []
        if let error = inputs.recorderError {
            problems.append(
                HealthProblem(
                    kind: .recorderFailing, subject: "recorder",
                    message: "recorder: records cannot be written (\(error)); frames wait in the hand-off"))
        }
        for source in inputs.sources {
            // Event sources (GPIO lines) may be quiet for days; only polled sources go stale.
            guard let interval = source.intervalNanoseconds else { continue }
            let limit = Double(interval) * Double(thresholds.stalePolls) / 1e9
            if source.silentSeconds > limit {
                let last =
                    source.lastGoodAt == nil
                    ? "no good reading yet" : "last good reading \(seconds(source.silentSeconds)) ago"
                problems.append(
                    HealthProblem(
                        kind: .sourceStale, subject: source.id,
                        message:
                            "source \(source.id): \(last) "
                            + "(limit \(thresholds.stalePolls) intervals = \(seconds(limit)))"
                            + (source.lastError.map { "; last error: \($0)" } ?? "")))
            }
        }
        problems += outputProblems(inputs.outputs, thresholds: thresholds)
        if let spool = inputs.spool {
            if spool.fillRatio > thresholds.spoolFillMax {
                problems.append(
                    HealthProblem(
                        kind: .spoolFull, subject: "spool",
                        message: "spool \(percent(spool.fillRatio)) full (limit \(percent(thresholds.spoolFillMax)))"))
            }
            // Only waiting records make a missing acknowledgement a problem.
            if spool.waiting > 0 {
                let limit = Double(thresholds.uplinkAckMaxAgeNanoseconds) / 1e9
                let age = inputs.lastAcknowledgedAt.map { Double(max(0, inputs.nowWall - $0)) / 1e9 }
                if (age ?? inputs.uptimeSeconds) > limit {
                    let last = age.map { "last acknowledgement \(seconds($0)) ago" } ?? "no acknowledgement since start"
                    problems.append(
                        HealthProblem(
                            kind: .uplinkStale, subject: "uplink",
                            message: "uplink: \(last) with \(spool.waiting) records waiting (limit \(seconds(limit)))"
                                + (inputs.uplinkError.map { "; last error: \($0)" } ?? "")))
                }
            }
        }
        return problems
    }

    /// Outputs that stayed pending or unknown, or disagreed with their device, for longer than
    /// `output_unconfirmed_max`: a locked or overridden actuator needs a person.
    static func outputProblems(_ outputs: [OutputStatus], thresholds: HealthThresholds) -> [HealthProblem] {
        let limit = Double(thresholds.outputUnconfirmedMaxNanoseconds) / 1e9
        var problems: [HealthProblem] = []
        for output in outputs {
            if output.state != .confirmed && output.secondsInState > limit {
                problems.append(
                    HealthProblem(
                        kind: .outputUnconfirmed, subject: output.id,
                        message: "output \(output.id): \(output.state.rawValue) for \(seconds(output.secondsInState)) "
                            + "(limit \(seconds(limit)))" + (output.lastError.map { "; last error: \($0)" } ?? "")))
            } else if let since = output.mismatchSeconds, since > limit {
                let device = output.value.map(JSONValue.formatNumber) ?? "?"
                problems.append(
                    HealthProblem(
                        kind: .outputMismatch, subject: output.id,
                        message: "output \(output.id): the device holds \(device), commanded "
                            + "\(JSONValue.formatNumber(output.commanded)), for \(seconds(since)) "
                            + "(limit \(seconds(limit)))"))
            }
        }
        return problems
    }

    static func seconds(_ s: Double) -> String {
        s < 10 ? "\((s * 10).rounded() / 10)s" : "\(Int(s.rounded()))s"
    }

    static func percent(_ ratio: Double) -> String { "\(Int((ratio * 100).rounded()))%" }
}
