import ArgumentParser
import EdgeConfig
import EdgeCore
import EdgeUplink

#if canImport(Glibc)
    import Glibc
#endif

/// `edgeflow spool`: look into the uplink's spool on a gateway, and move data by hand when the
/// link is down for good. The spool belongs to the running agent: these commands refuse to
/// open it while the agent runs (stop it first: `systemctl stop edgeflow`).
struct SpoolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spool",
        abstract: "Inspect the uplink spool, export it, or replay dead letters.",
        discussion: """
            Exit codes: 0 done, 1 the spool or endpoint failed (or is in use), 2 usage or config error.
            Example: edgeflow spool stats --config /etc/edgeflow/config.yaml
            """,
        subcommands: [
            SpoolStatsCommand.self, SpoolInspectCommand.self, SpoolDrainCommand.self, SpoolReplayCommand.self,
        ]
    )
}

/// The config's uplink and spool, opened for a command.
struct SpoolContext {
    let config: AgentConfig
    let uplink: UplinkConfig
    let spool: Spool

    var spoolDirectory: String { config.agent.dataDir + "/spool" }
    var deadLetterDirectory: String { config.agent.dataDir + "/dead-letters" }

    /// Compiles `file` and opens its spool; exits 2 on a config problem, 1 when the spool
    /// cannot be opened (in use by the agent, unreadable).
    static func open(_ file: String) throws -> SpoolContext {
        let config = try compiledConfig(file)
        guard let uplink = config.uplink else {
            printError("\(file): no uplink section, so there is no spool (frames go to \(config.agent.dataDir)/records.jsonl)")
            throw ExitCode(2)
        }
        do {
            let spool = try Spool(
                directory: config.agent.dataDir + "/spool", settings: SpoolSettings(maxBytes: uplink.spoolMaxBytes))
            return SpoolContext(config: config, uplink: uplink, spool: spool)
        } catch {
            printError("cannot open the spool: \(error)")
            if error.message.contains("already open") {
                printError("hint: the agent is running and owns the spool; stop it first (systemctl stop edgeflow)")
            }
            throw ExitCode(1)
        }
    }

    /// Dead-letter files, oldest batch first.
    var deadLetters: [String] { DeadLetters.list(in: deadLetterDirectory) }
}

/// `edgeflow spool stats`.
struct SpoolStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Pending records, bytes, oldest data, delivery cursor, dead letters, hours of headroom.",
        discussion: "Example: edgeflow spool stats --config /etc/edgeflow/config.yaml --json")

    @Option(name: .shortAndLong, help: "The config file.")
    var config: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let context = try SpoolContext.open(config)
        let report = SpoolReport(
            spool: context.spool, capBytes: context.uplink.spoolMaxBytes,
            deadLetterDirectory: context.deadLetterDirectory)
        let stats = report.stats
        let oldestTime = report.oldestPendingMilliseconds
        let headroomHours = report.headroomHours
        let deadLetters = report.deadLetters
        if json {
            var object = JSONObject([
                ("pendingRecords", .number(Double(stats.records))), ("bytes", .number(Double(stats.bytes))),
                ("capBytes", .number(Double(context.uplink.spoolMaxBytes))),
                ("lastSequence", .number(Double(stats.lastSequence))),
                ("ackedSequence", .number(Double(stats.ackedSequence))), ("segments", .number(Double(stats.segments))),
                ("deadLetters", .number(Double(deadLetters))),
            ])
            object["oldestPendingTimestamp"] = oldestTime.map { .number(Double($0)) } ?? .null
            object["headroomHours"] = headroomHours.map { .number(($0 * 10).rounded() / 10) } ?? .null
            print(JSONValue.object(object).compactJSON)
            return
        }
        print("spool        \(context.spoolDirectory)")
        print("pending      \(stats.records) records, \(stats.bytes) bytes of \(context.uplink.spoolMaxBytes) (\(stats.segments) segments)")
        print("cursor       acknowledged through \(stats.ackedSequence), newest \(stats.lastSequence)")
        if let oldestTime {
            let now = SystemClock().wallNanoseconds() / 1_000_000
            print("oldest       \(Quantity.formatDuration(max(0, now - oldestTime) * 1_000_000)) ago")
        }
        print("headroom     \(headroomHours.map { "\(($0 * 10).rounded() / 10) h at the rate data came in" } ?? "unknown (too little pending data)")")
        print("dead letters \(deadLetters) in \(context.deadLetterDirectory)")
    }
}

/// `edgeflow spool inspect`.
struct SpoolInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Print the newest records (one JSON line each, with its sequence number).",
        discussion: """
            The output is JSON lines with or without --json (accepted so every data command takes it).
            Example: edgeflow spool inspect --config /etc/edgeflow/config.yaml --last 20
            """)

    @Option(name: .shortAndLong, help: "The config file.")
    var config: String

    @Option(parsing: .unconditional, help: "How many of the newest records.")
    var last: Int = 10

    @Flag(help: "Print JSON lines (the default output already is).")
    var json = false

    func validate() throws {
        guard (1...100_000).contains(last) else { throw ValidationError("--last must be 1...100000") }
    }

    func run() throws {
        let context = try SpoolContext.open(config)
        let newest = context.spool.stats.lastSequence
        let start = newest > UInt64(last) ? newest - UInt64(last) : 0
        let records = try context.spool.read(after: start, maxRecords: last, maxBytes: Int.max)
        for record in records {
            guard let members = context.spool.jsonMembers(of: record.payload) else {
                print("{\"seq\":\(record.sequence),\"kind\":\"unreadable\",\"bytes\":\(record.payload.count)}")
                continue
            }
            print("{\"seq\":\(record.sequence),\(String(decoding: members, as: UTF8.self))}")
        }
    }
}

/// `edgeflow spool drain`.
struct SpoolDrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drain",
        abstract: "Move every pending record into a file (JSON lines) and mark it delivered.",
        discussion: """
            For when the link will not come back: carry the file away on a USB stick. The file is \
            written and synced before the records are acknowledged, so an interruption loses nothing \
            (records may then be in the file and still pending).
            Example: edgeflow spool drain --config /etc/edgeflow/config.yaml --to /media/usb/boiler-gw.jsonl
            """)

    @Option(name: .shortAndLong, help: "The config file.")
    var config: String

    @Option(help: "The file to write (must not exist).")
    var to: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let context = try SpoolContext.open(config)
        guard !Files.exists(to) else {
            printError("\(to) exists; name a new file")
            throw ExitCode(2)
        }
        var lines: [UInt8] = []
        var cursor = context.spool.ackedSequence
        while true {
            let batch = try context.spool.read(after: cursor, maxRecords: 1000, maxBytes: 4 << 20)
            guard let last = batch.last else { break }
            for record in batch {
                // A record whose schema is lost is kept as its bytes in hex, never dropped.
                let members =
                    context.spool.jsonMembers(of: record.payload)
                    ?? Array("\"kind\":\"unreadable\",\"hex\":\"\(record.payload.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined())\"".utf8)
                lines += Array("{\"seq\":\(record.sequence),".utf8) + members + Array("}\n".utf8)
            }
            cursor = last.sequence
        }
        do {
            try Files.writeAtomically(to, bytes: lines)
            try context.spool.acknowledge(through: cursor)
        } catch {
            printError("drain failed: \(error)")
            throw ExitCode(1)
        }
        if json {
            print(JSONValue.object(JSONObject([
                ("file", .string(to)), ("throughSequence", .number(Double(cursor))), ("bytes", .number(Double(lines.count))),
            ])).compactJSON)
        } else {
            print("moved records through \(cursor) to \(to) (\(lines.count) bytes)")
        }
    }
}

/// `edgeflow spool replay-dead-letters`.
struct SpoolReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay-dead-letters",
        abstract: "Send the batches the endpoint refused again (after fixing the endpoint); delete each one taken.",
        discussion: "Example: edgeflow spool replay-dead-letters --config /etc/edgeflow/config.yaml")

    @Option(name: .shortAndLong, help: "The config file.")
    var config: String

    @Flag(help: "Print one JSON object per batch.")
    var json = false

    func run() throws {
        let context = try SpoolContext.open(config)
        let files = context.deadLetters
        guard !files.isEmpty else {
            if !json { print("no dead letters in \(context.deadLetterDirectory)") }
            return
        }
        func report(_ batch: String, _ outcome: String, delivered: Bool) {
            if json {
                print(JSONValue.object(JSONObject([
                    ("batch", .string(batch)), ("outcome", .string(outcome)), ("delivered", .bool(delivered)),
                ])).compactJSON)
            } else {
                print("\(batch): \(outcome)\(delivered ? ", removed" : ", kept")")
            }
        }
        let client: HTTPClient
        do {
            client = try HTTPClient()
        } catch {
            printError("cannot create an HTTP client: \(error)")
            throw ExitCode(1)
        }
        var failed = 0
        for name in files {
            let path = "\(context.deadLetterDirectory)/\(name)"
            let text: String = (try? Files.readText(path)) ?? ""
            let body: [UInt8] = Array(text.utf8)
            let batch = String(name.dropLast(5))
            let request = HTTPRequest(
                method: "POST", url: context.uplink.url,
                headers: (UplinkEncoder(rawValue: context.uplink.encoder) ?? .harvest).contentHeaders
                    + [("X-Edgeflow-Batch", batch)] + context.uplink.headers,
                body: body, timeoutMilliseconds: Int(context.uplink.timeoutNanoseconds / 1_000_000),
                caFile: context.uplink.caFile, proxy: context.uplink.proxy)
            do {
                let response = try client.perform(request)
                if (200..<300).contains(response.status) {
                    unlink(path)
                    report(batch, "HTTP \(response.status)", delivered: true)
                } else {
                    failed += 1
                    report(batch, "HTTP \(response.status)", delivered: false)
                }
            } catch {
                failed += 1
                report(batch, "\(error)", delivered: false)
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }
}
