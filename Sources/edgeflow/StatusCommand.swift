import ArgumentParser
import EdgeCore

#if canImport(Glibc)
    import Glibc
#endif

/// `edgeflow status`: what the running agent is doing, from its status socket.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the running agent's sources, ring, apps, outputs, spool and uplink (docs/status.md).",
        discussion: """
            With --check, prints nothing but the problems and exits 1 when something is stale: a source \
            silent for longer than agent.status.stale_polls intervals, records waiting with no uplink \
            acknowledgement for agent.status.uplink_ack_max_age, the spool fuller than \
            agent.status.spool_fill_max, an output pending, unknown or disagreeing with its device for longer \
            than agent.status.output_unconfirmed_max. Exit codes: 0 healthy, 1 unhealthy, 2 usage or config error, \
            3 the agent is not running or cannot be reached.
            Example: edgeflow status --config /etc/edgeflow/config.yaml --check || systemctl restart edgeflow
            """)

    @OptionGroup var target: AgentSocketOptions

    @Flag(help: "Print the status document as JSON.")
    var json = false

    @Flag(help: "Exit 1 when something is stale, 0 when healthy; print the problems only.")
    var check = false

    func run() throws {
        let answer = try target.request(method: "GET", path: "/status")
        guard answer.status == 200, let status = try? JSONValue.parse(answer.body) else {
            printError("the agent answered \(answer.status): \(answer.body.prefix(200))")
            throw ExitCode(AgentSocketOptions.unreachable)
        }
        let healthy = status["healthy"].boolValue ?? false
        if json {
            print(answer.body)
        } else if check {
            if healthy { print("healthy") }
        } else {
            print(StatusTable(status: status, colour: isatty(1) == 1).text, terminator: "")
        }
        if check && !healthy {
            if case .array(let problems) = status["problems"] {
                for problem in problems { printError(problem["message"].stringValue ?? "") }
            }
            throw ExitCode(1)
        }
    }
}

/// The compact table `edgeflow status` prints.
struct StatusTable {
    let status: JSONValue
    let colour: Bool

    var text: String {
        var lines: [String] = []
        let healthy = status["healthy"].boolValue ?? false
        let process = status["process"]
        lines.append(
            "edgeflow \(string(status["version"]))  agent \(string(status["agent"]))"
                + "  generation \(int(status["generation"]))"
                + "  up \(age(process["uptimeSeconds"].numberValue))  rss \(mib(process["rssBytes"].numberValue))"
                + "  cpu \(seconds(process["cpuSeconds"].numberValue))  "
                + paint(healthy ? "HEALTHY" : "UNHEALTHY", healthy ? "32" : "31"))
        lines.append("")
        var rows = [["SOURCE", "TYPE", "STATE", "LAST GOOD", "FRAMES", "ERRORS", "LAST ERROR"]]
        for source in array(status["sources"]) {
            rows.append([
                string(source["id"]), string(source["type"]), string(source["state"]),
                source["lastGoodAgeSeconds"].numberValue.map { "\(age($0)) ago" } ?? "never",
                "\(int(source["frames"]))", "\(int(source["errors"]))", source["lastError"].stringValue ?? "",
            ])
        }
        lines += table(rows, stateColumn: 2)
        let ring = status["ring"]
        lines.append("")
        lines.append(
            "ring     \(int(ring["occupancy"]))/\(int(ring["capacity"])) samples, \(int(ring["pushed"])) pushed, "
                + "\(int(ring["dropped"])) dropped (\(string(ring["dropPolicy"])))")
        let recorder = status["recorder"]
        let handoff = recorder["handoff"]
        if case .object = handoff {
            let sizes =
                "\(Quantity.formatSize(Int64(int(handoff["occupancyBytes"]))))"
                + "/\(Quantity.formatSize(Int64(int(handoff["capacityBytes"]))))"
            let failing = recorder["lastError"].stringValue.map { ", failing: \($0)" } ?? ""
            lines.append(
                "recorder \(string(recorder["state"])), hand-off \(sizes) (peak "
                    + "\(Quantity.formatSize(Int64(int(handoff["highWaterBytes"]))))), \(int(recorder["written"])) written, "
                    + "\(int(handoff["dropped"])) dropped (\(string(handoff["dropPolicy"]))), fsync "
                    + "\(int(recorder["lastSyncMs"])) ms (max \(int(recorder["maxSyncMs"])) ms)"
                    + (string(recorder["state"]) == "failing" ? failing : ""))
        }
        let actions = array(status["apps"]).flatMap { app in
            array(app["actions"]).map { (string(app["appId"]), $0) }
        }
        if !actions.isEmpty {
            lines.append("")
            var actionRows = [["APP/ACTION", "TYPE", "RAN", "FAILED", "SKIPPED", "DROPPED", "LAST ERROR"]]
            for (app, action) in actions {
                actionRows.append([
                    "\(app)/\(string(action["actionId"]))", string(action["type"]), "\(int(action["ran"]))",
                    "\(int(action["failed"]))", "\(int(action["skipped"]))", "\(int(action["dropped"]))",
                    action["lastError"].stringValue ?? "",
                ])
            }
            lines += table(actionRows, stateColumn: nil)
        }
        let outputs = array(status["outputs"])
        if !outputs.isEmpty {
            lines.append("")
            var outputRows = [["OUTPUT", "STATE", "VALUE", "COMMANDED", "LAST CONFIRMED", "MISMATCHES", "LAST ERROR"]]
            for output in outputs {
                let mismatches = int(output["mismatches"])
                outputRows.append([
                    string(output["id"]), string(output["state"]), output["value"].numberValue.map(number) ?? "-",
                    output["commanded"].numberValue.map(number) ?? "-",
                    output["lastConfirmedAgeSeconds"].numberValue.map { "\(age($0)) ago" } ?? "never",
                    output["mismatch"].boolValue == true ? "\(mismatches) (now)" : "\(mismatches)",
                    output["lastError"].stringValue ?? "",
                ])
            }
            lines += table(outputRows, stateColumn: 1)
        }
        let spool = status["spool"]
        if case .object = spool {
            let headroom = spool["headroomHours"].numberValue.map { "\($0) h headroom" } ?? "headroom unknown"
            let oldest = spool["oldestPendingAgeSeconds"].numberValue.map { "oldest \(age($0))" } ?? "nothing waiting"
            lines.append(
                "spool    \(int(spool["records"])) records, "
                    + "\(mib(spool["bytes"].numberValue)) of \(mib(spool["capBytes"].numberValue)), "
                    + "\(oldest), \(headroom), \(int(spool["deadLetters"])) dead letters")
        }
        let uplink = status["uplink"]
        if case .object = uplink {
            let ack = uplink["lastAckAgeSeconds"].numberValue.map { "last ack \(age($0)) ago" } ?? "no ack yet"
            lines.append(
                "uplink   \(string(uplink["transport"])) \(string(uplink["state"])), \(ack), "
                    + "\(int(uplink["acknowledgedRecords"])) records acknowledged, "
                    + "\(int(uplink["retries"])) retries, \(int(uplink["reconnects"])) reconnects"
                    + (uplink["nextAttemptInSeconds"].numberValue.map { ", next attempt in \(nextAttempt($0))" } ?? "")
                    + (uplink["lastError"].stringValue.map { ", last error: \($0)" } ?? ""))
        }
        // The ai section (docs/ai.md): each endpoint's circuit and budget use.
        for endpoint in array(status["ai"]["endpoints"]) {
            let circuit = string(endpoint["circuit"])
            let failure = endpoint["lastFailure"].stringValue.map { ", last failure: \($0)" } ?? ""
            lines.append(
                "ai       \(string(endpoint["name"])) circuit \(circuit == "closed" ? circuit : paint(circuit, "33")), "
                    + "\(int(endpoint["consecutiveFailures"])) failures in a row, "
                    + "\(int(endpoint["requestsLastMinute"]))/\(int(endpoint["requestsPerMinute"])) this minute, "
                    + "\(int(endpoint["requestsToday"]))/\(int(endpoint["requestsPerDay"])) today\(failure)")
        }
        if case .array(let pending) = status["approvals"] {
            lines.append(
                "approval \(pending.count) decision\(pending.count == 1 ? "" : "s") waiting (edgeflow approvals)")
        }
        if let reload = status["lastReload"].objectMessage {
            lines.append("reload   \(reload)")
        }
        let problems = array(status["problems"])
        if !problems.isEmpty {
            lines.append("")
            lines.append(paint("problems:", "31"))
            for problem in problems { lines.append("  - \(string(problem["message"]))") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func table(_ rows: [[String]], stateColumn: Int?) -> [String] {
        guard let first = rows.first else { return [] }
        let widths = (0..<first.count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.enumerated().map { index, row in
            row.enumerated().map { column, cell in
                let padded =
                    column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
                if index > 0, column == stateColumn {
                    return paint(padded, cell == "ok" || cell == "confirmed" ? "32" : "31")
                }
                return padded
            }.joined(separator: "  ").trimmingTrailingSpaces
        }
    }

    /// ANSI colour only on a terminal.
    private func paint(_ text: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    private func string(_ value: JSONValue) -> String { value.stringValue ?? "-" }
    private func int(_ value: JSONValue) -> Int { value.numberValue.map { Int($0) } ?? 0 }
    private func array(_ value: JSONValue) -> [JSONValue] {
        if case .array(let items) = value { return items }
        return []
    }
    private func number(_ n: Double) -> String { JSONValue.formatNumber(n) }
    private func seconds(_ s: Double?) -> String { s.map { "\(($0 * 10).rounded() / 10)s" } ?? "-" }
    private func mib(_ bytes: Double?) -> String { bytes.map { "\(($0 / 1_048_576 * 10).rounded() / 10) MiB" } ?? "-" }
    /// Whole seconds, rounded up: "next attempt in 0 s" would read as "now" while it is not.
    private func nextAttempt(_ s: Double) -> String { "\(Int(max(0, s).rounded(.up))) s" }
    private func age(_ s: Double?) -> String {
        guard let s else { return "-" }
        if s < 60 { return "\((max(0, s) * 10).rounded() / 10)s" }
        return Quantity.formatDuration(Int64(s.rounded()) * 1_000_000_000)
    }
}

extension JSONValue {
    /// `applied: message` of a `lastReload` object; nil for null.
    fileprivate var objectMessage: String? {
        guard case .object = self else { return nil }
        return "\(self["applied"].boolValue == true ? "applied" : "refused"): \(self["message"].stringValue ?? "")"
    }
}

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
