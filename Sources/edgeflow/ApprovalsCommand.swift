import ArgumentParser
import EdgeAI
import EdgeConfig
import EdgeCore
import EdgeFlux

#if canImport(Glibc)
    import Glibc
#endif

/// The data directory of `--config`, or exit 2 with the config's problems.
func dataDirectory(of file: String) throws -> String {
    try compiledConfig(file).agent.dataDir
}

/// `edgeflow approvals`: the `ai` results waiting for a person (docs/ai.md, "Human approval").
struct ApprovalsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approvals",
        abstract: "List ai results waiting for approval.",
        discussion: """
            Approve with 'edgeflow approve ID', reject with 'edgeflow reject ID'. Exit codes: 0 done, 2 usage or             config error.
            Example: edgeflow approvals --config /etc/edgeflow/config.yaml --json
            """)

    @Option(name: .shortAndLong, help: "The config file (its agent.data_dir holds the queue).")
    var config: String

    @Flag(help: "Print each decision as one JSON line.")
    var json = false

    func run() throws {
        let pending = ApprovalQueue.pending(dataDir: try dataDirectory(of: config))
        if pending.isEmpty && !json { print("no decisions waiting") }
        for d in pending {
            if json {
                print(d.json.compactJSON)
                continue
            }
            let until = UTCDate.format(d.deadlineMilliseconds) ?? "?"
            print("\(d.id)  \(d.app)/\(d.action)  until \(until)")
            print("    inputs: \(d.inputs.compactJSON)")
            print("    model:  \(d.approved["output"].compactJSON)")
            let instead = d.safeOutputs.isEmpty
                ? (d.fallback == .null ? "nothing" : d.fallback["output"].compactJSON)
                : "safe values for \(d.safeOutputs.joined(separator: ", "))"
            print("    if rejected or late: \(instead)")
        }
    }
}

/// `edgeflow approve ID` and `edgeflow reject ID`: records the decision; the running agent
/// applies it within a second (or the next agent, after a restart).
struct DecideCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve", abstract: "Approve a held ai result: the running agent applies it.",
        discussion: "Example: edgeflow approve 3f9a0c12b7de --config /etc/edgeflow/config.yaml")

    @OptionGroup var decision: DecisionOptions

    func run() throws { try recordDecision(.approve, id: decision.id, config: decision.config, json: decision.json) }
}

/// What `approve` and `reject` take.
struct DecisionOptions: ParsableArguments {
    @Argument(help: "The decision id from 'edgeflow approvals'.")
    var id: String

    @Option(name: .shortAndLong, help: "The config file.")
    var config: String

    @Flag(help: "Print the outcome as one JSON object.")
    var json = false
}

/// Records `verdict` on the held decision `id` of `config`'s agent.
func recordDecision(_ verdict: ApprovalQueue.Verdict, id: String, config: String, json: Bool = false) throws {
    let dir = try dataDirectory(of: config)
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    let found: Bool
    do {
        found = try ApprovalQueue.decide(id: id, verdict, dataDir: dir, atMilliseconds: Int64(now.tv_sec) * 1000)
    } catch {
        printError("cannot record the decision: \(error)")
        throw ExitCode(1)
    }
    guard found else {
        printError("error: no decision '\(id)' is waiting (it may have been decided or passed its deadline)")
        printError("hint: edgeflow approvals --config \(config) lists the waiting ones")
        throw ExitCode(2)
    }
    let word = verdict == .approve ? "approved" : "rejected"
    if json {
        printJSON([("id", .string(id)), ("decision", .string(word))])
    } else {
        print("\(id): \(word); the agent applies it")
    }
}

/// `edgeflow reject ID`.
struct RejectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reject", abstract: "Reject a held ai result: the running agent applies the fallback.",
        discussion: "Example: edgeflow reject 3f9a0c12b7de --config /etc/edgeflow/config.yaml")

    @OptionGroup var decision: DecisionOptions

    func run() throws { try recordDecision(.reject, id: decision.id, config: decision.config, json: decision.json) }
}
