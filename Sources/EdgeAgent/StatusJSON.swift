import EdgeCore
import EdgeFlux
import EdgePipeline
import EdgeUplink

/// The JSON document of `GET /status` (docs/status.md). Times are milliseconds since the epoch,
/// ages seconds; a value not known yet is `null`; sections that do not apply (`spool`, `uplink`
/// without an uplink; `ai`, `approvals` without an `ai` section) are left out.
extension StatusSnapshot {
    var json: JSONValue {
        var root = JSONObject([
            ("version", .string(version)), ("agent", .string(agentName)), ("config", .string(configFile)),
            ("generation", number(generation)), ("healthy", .bool(healthy)),
            (
                "problems",
                .array(
                    health.map {
                        .object(
                            JSONObject([
                                ("kind", .string($0.kind.rawValue)), ("subject", .string($0.subject)),
                                ("message", .string($0.message)),
                            ]))
                    })
            ),
            (
                "process",
                .object(
                    JSONObject([
                        ("pid", number(process.pid)), ("uptimeSeconds", .number(rounded(uptimeSeconds))),
                        ("rssBytes", number(process.residentBytes)),
                        ("cpuSeconds", .number(rounded(process.cpuSeconds))),
                    ]))
            ),
        ])
        root["lastReload"] = lastReload.map(Self.reloadJSON) ?? .null
        root["sources"] = .array(sources.map(sourceJSON))
        root["ring"] = .object(
            JSONObject([
                ("capacity", number(ring.capacity)), ("occupancy", number(ring.occupancy)),
                ("pushed", number(ring.pushed)),
                ("dropped", number(ring.dropped)), ("dropPolicy", .string(ring.dropPolicy)),
            ]))
        root["pipeline"] = .object(JSONObject([("frames", number(frames)), ("partialFrames", number(partialFrames))]))
        root["apps"] = .array(appsJSON)
        root["outputs"] = .array(outputs.map(outputJSON))
        var recorderJSON = JSONObject([("lastSequence", number(recorderLastSequence))])
        if let w = recorder {
            recorderJSON["state"] = .string(w.failing ? "failing" : "ok")
            recorderJSON["handoff"] = .object(
                JSONObject([
                    ("capacityBytes", number(w.capacity)), ("occupancyBytes", number(w.occupancy)),
                    ("highWaterBytes", number(w.highWater)), ("dropped", number(w.dropped)),
                    ("dropPolicy", .string(w.policy)),
                ]))
            recorderJSON["written"] = number(w.written)
            recorderJSON["failures"] = number(w.failures)
            recorderJSON["syncs"] = number(w.syncs)
            recorderJSON["lastSyncMs"] = .number(rounded(Double(w.lastSyncNanoseconds) / 1e6))
            recorderJSON["maxSyncMs"] = .number(rounded(Double(w.maxSyncNanoseconds) / 1e6))
            recorderJSON["lastError"] = w.lastError.map(JSONValue.string) ?? .null
        }
        root["recorder"] = .object(recorderJSON)
        if let spool { root["spool"] = spoolJSON(spool) }
        if let uplink { root["uplink"] = uplinkJSON(uplink) }
        for section in sections { root[section.key] = section.value }
        return .object(root)
    }

    private func number<T: BinaryInteger>(_ value: T) -> JSONValue { .number(Double(value)) }
    private func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
    private func milliseconds(_ ns: Int64?) -> JSONValue { ns.map { .number(Double($0 / 1_000_000)) } ?? .null }

    private func sourceJSON(_ s: Source) -> JSONValue {
        .object(
            JSONObject([
                ("id", .string(s.id)), ("type", .string(s.type)), ("state", .string(s.state)),
                ("stale", .bool(s.stale)),
                ("intervalSeconds", s.intervalNanoseconds.map { .number(Double($0) / 1e9) } ?? .null),
                ("frames", number(s.frames)), ("goodFrames", number(s.goodFrames)), ("badPoints", number(s.badPoints)),
                ("lastGoodAt", milliseconds(s.lastGoodAt)),
                ("lastGoodAgeSeconds", s.lastGoodAt == nil ? .null : .number(rounded(s.silentSeconds))),
                ("errors", number(s.errors)), ("lastError", s.lastError.map(JSONValue.string) ?? .null),
                ("lastErrorAt", milliseconds(s.lastErrorAt)),
            ]))
    }

    private func outputJSON(_ o: Output) -> JSONValue {
        let l = o.lifecycle
        return .object(
            JSONObject([
                ("id", .string(o.id)), ("target", .string(o.target)), ("state", .string(l.state.rawValue)),
                ("stateSeconds", .number(rounded(l.secondsInState))),
                ("value", l.value.map(JSONValue.number) ?? .null), ("commanded", .number(l.commanded)),
                ("safeValue", .number(o.safeValue)), ("lastConfirmedAt", milliseconds(l.lastConfirmedAt)),
                (
                    "lastConfirmedAgeSeconds",
                    l.lastConfirmedAt.map { .number(rounded(Double(max(0, nowWall - $0)) / 1e9)) } ?? .null
                ),
                ("lastError", l.lastError.map(JSONValue.string) ?? .null), ("readBack", .string(l.readBack.rawValue)),
                ("mismatch", .bool(l.mismatch)), ("mismatches", number(l.mismatches)), ("refused", number(l.refused)),
                ("failures", number(l.failures)),
            ]))
    }

    private var appsJSON: [JSONValue] {
        var order: [String] = []
        var byApp: [String: [FlowActionStats]] = [:]
        for action in actions {
            if byApp[action.appId] == nil { order.append(action.appId) }
            byApp[action.appId, default: []].append(action)
        }
        return order.map { app in
            .object(
                JSONObject([
                    ("appId", .string(app)),
                    (
                        "actions",
                        .array(
                            (byApp[app] ?? []).map { a in
                                .object(
                                    JSONObject([
                                        ("actionId", .string(a.actionId)), ("type", .string(a.type)),
                                        ("evaluated", number(a.evaluated)), ("ran", number(a.ran)),
                                        ("failed", number(a.failed)),
                                        ("skipped", number(a.skipped)), ("conditionErrors", number(a.conditionErrors)),
                                        ("dropped", number(a.dropped)),
                                        ("lastError", a.lastError.map(JSONValue.string) ?? .null),
                                    ]))
                            })
                    ),
                ]))
        }
    }

    private func spoolJSON(_ spool: SpoolReport) -> JSONValue {
        .object(
            JSONObject([
                ("records", number(spool.stats.records)), ("bytes", number(spool.stats.bytes)),
                ("capBytes", number(spool.capBytes)),
                ("fillRatio", .number(rounded(spool.fillRatio))),
                ("oldestPendingAt", spool.oldestPendingMilliseconds.map { .number(Double($0)) } ?? .null),
                (
                    "oldestPendingAgeSeconds",
                    spool.oldestPendingMilliseconds.map {
                        .number(rounded(Double(max(0, nowWall / 1_000_000 - $0)) / 1000))
                    } ?? .null
                ),
                ("headroomHours", spool.headroomHours.map { .number(($0 * 10).rounded() / 10) } ?? .null),
                ("lastSequence", number(spool.stats.lastSequence)),
                ("ackedSequence", number(spool.stats.ackedSequence)),
                ("deadLetters", number(spool.deadLetters)),
            ]))
    }

    private func uplinkJSON(_ u: UplinkStatus) -> JSONValue {
        .object(
            JSONObject([
                ("transport", .string(u.transport)), ("state", .string(u.state)),
                ("acknowledgedBatches", number(u.acknowledgedBatches)),
                ("acknowledgedRecords", number(u.acknowledgedRecords)),
                ("lastAckAt", milliseconds(u.lastAcknowledgedAt)),
                (
                    "lastAckAgeSeconds",
                    u.lastAcknowledgedAt.map { .number(rounded(Double(max(0, nowWall - $0)) / 1e9)) } ?? .null
                ),
                ("retries", number(u.retries)), ("reconnects", number(u.reconnects)),
                (
                    "nextAttemptInSeconds",
                    u.nextAttemptInNanoseconds.map { .number(rounded(Double($0) / 1e9)) } ?? .null
                ),
                ("lastError", u.lastError.map(JSONValue.string) ?? .null),
            ]))
    }

    static func reloadJSON(_ r: ReloadOutcome) -> JSONValue {
        .object(
            JSONObject([
                ("applied", .bool(r.applied)), ("at", .number(Double(r.at / 1_000_000))),
                ("message", .string(r.message)),
                ("problems", .array(r.problems.map(JSONValue.string))), ("generation", .number(Double(r.generation))),
            ]))
    }
}
