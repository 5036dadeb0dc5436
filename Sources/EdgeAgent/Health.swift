import EdgeConfig

/// One reason `edgeflow status --check` fails.
struct HealthProblem: Sendable, Equatable {
    /// What kind of staleness.
    enum Kind: String, Sendable {
        case sourceStale = "source-stale"
        case uplinkStale = "uplink-stale"
        case spoolFull = "spool-full"
    }

    var kind: Kind
    /// The source id, `uplink` or `spool`.
    var subject: String
    /// A sentence for the operator.
    var message: String
}

/// The health rules of docs/status.md: data must keep flowing, not merely the process run.
enum Health {
    /// What is stale in `snapshot` under `thresholds`; empty when healthy.
    static func problems(_ snapshot: StatusSnapshot, thresholds: HealthThresholds) -> [HealthProblem] {
        var problems: [HealthProblem] = []
        for source in snapshot.sources {
            // Event sources (GPIO lines) may be quiet for days; only polled sources go stale.
            guard let interval = source.intervalNanoseconds else { continue }
            let limit = Double(interval) * Double(thresholds.stalePolls) / 1e9
            if source.silentSeconds > limit {
                let last = source.lastGoodAt == nil ? "no good reading yet" : "last good reading \(seconds(source.silentSeconds)) ago"
                problems.append(
                    HealthProblem(
                        kind: .sourceStale, subject: source.id,
                        message: "source \(source.id): \(last) (limit \(thresholds.stalePolls) intervals = \(seconds(limit)))"
                            + (source.lastError.map { "; last error: \($0)" } ?? "")))
            }
        }
        if let spool = snapshot.spool {
            if spool.fillRatio > thresholds.spoolFillMax {
                problems.append(
                    HealthProblem(
                        kind: .spoolFull, subject: "spool",
                        message: "spool \(percent(spool.fillRatio)) full (limit \(percent(thresholds.spoolFillMax)))"))
            }
            // Only waiting records make a missing acknowledgement a problem.
            if spool.stats.records > 0 {
                let limit = Double(thresholds.uplinkAckMaxAgeNanoseconds) / 1e9
                let age = snapshot.uplink?.lastAcknowledgedAt.map { Double(max(0, snapshot.nowWall - $0)) / 1e9 }
                if (age ?? snapshot.uptimeSeconds) > limit {
                    let last = age.map { "last acknowledgement \(seconds($0)) ago" } ?? "no acknowledgement since start"
                    problems.append(
                        HealthProblem(
                            kind: .uplinkStale, subject: "uplink",
                            message: "uplink: \(last) with \(spool.stats.records) records waiting (limit \(seconds(limit)))"
                                + (snapshot.uplink?.lastError.map { "; last error: \($0)" } ?? "")))
                }
            }
        }
        return problems
    }

    static func seconds(_ s: Double) -> String {
        s < 10 ? "\((s * 10).rounded() / 10)s" : "\(Int(s.rounded()))s"
    }

    static func percent(_ ratio: Double) -> String { "\(Int((ratio * 100).rounded()))%" }
}
