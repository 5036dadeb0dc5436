import ArgumentParser
import EdgeAI
import EdgeConfig
import EdgeCore
import EdgeFlux

/// `edgeflow ai`: look at what the `ai` actions decided (docs/ai.md, "Audit log").
struct AICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ai",
        abstract: "Inspect the ai actions' audit log.",
        discussion: """
            Exit codes: 0 done, 1 the log could not be read, 2 usage or config error.
            Example: edgeflow ai audit --config /etc/edgeflow/config.yaml --last 20 --json
            """,
        subcommands: [AIAuditCommand.self]
    )
}

/// `edgeflow ai audit`: the newest audit records, one line each, or as JSON lines.
struct AIAuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Print the newest records of the ai audit log (data_dir/ai-audit.jsonl).",
        discussion: "Example: edgeflow ai audit --config /etc/edgeflow/config.yaml --last 20")

    @Option(name: .shortAndLong, help: "The config file (its agent.data_dir holds the log).")
    var config: String

    @Option(help: "How many records, newest last.")
    var last: Int = 20

    @Flag(help: "Print each record as one JSON line.")
    var json = false

    func validate() throws {
        guard last >= 1 && last <= 100_000 else { throw ValidationError("--last must be between 1 and 100000, got \(last)") }
    }

    func run() throws {
        let directory = try dataDirectory(of: config)
        let read: (records: [JSONValue], skipped: Int)
        do {
            read = try AIAuditLog.last(last, in: directory)
        } catch {
            printError("cannot read the ai audit log in \(directory): \(error)")
            throw ExitCode(1)
        }
        if read.records.isEmpty && !json { print("no ai runs recorded in \(AIAuditLog.file(in: directory))") }
        for record in read.records { print(json ? record.compactJSON : Self.line(record)) }
        if read.skipped > 0 { printError("note: \(read.skipped) unreadable line(s) skipped (a write cut short by a power loss)") }
    }

    /// `2026-12-07T03:06:56.005Z boiler-room/judge model  {"alarm":true}  13 ms  sha256:…`
    static func line(_ r: JSONValue) -> String {
        let time = r["time"].numberValue.flatMap { UTCDate.format(Int64($0)) } ?? "?"
        let source = r["source"].stringValue ?? "?"
        var text = "\(time) \(r["app"].stringValue ?? "?")/\(r["action"].stringValue ?? "?") \(source)"
        text += "  \(r["output"].compactJSON)  \(JSONValue.formatNumber(r["latencyMs"].numberValue ?? 0)) ms"
        if let reason = r["reason"].stringValue { text += "  reason: \(reason)" }
        if let digest = r["inputDigest"].stringValue { text += "  input \(digest.prefix(19))" }
        return text
    }
}
