import ArgumentParser
import EdgeAgent
import EdgeConfig
import EdgeCore

#if canImport(Glibc)
    import Glibc
#endif

/// `--socket` / `--config`: how `status` and `reload` find the running agent's status socket.
struct AgentSocketOptions: ParsableArguments {
    @Option(help: "The agent's status socket (default: found from --config, else /run/edgeflow/edgeflow.sock).")
    var socket: String?

    @Option(name: .shortAndLong, help: "The agent's config file, to find its status socket.")
    var config: String?

    /// Exit code when the agent cannot be reached (not running, no permission).
    static let unreachable: Int32 = 3

    /// The socket to use; exits 2 when `--config` does not compile.
    func resolve() throws -> String {
        if let socket { return socket }
        var environment: [String: String] = [:]
        if let runtime = getenv("RUNTIME_DIRECTORY") { environment["RUNTIME_DIRECTORY"] = String(cString: runtime) }
        guard let config else {
            return StatusClient.candidateSockets(dataDir: nil, environment: environment).first { Self.exists($0) }
                ?? "/run/edgeflow/edgeflow.sock"
        }
        let compiled = try compiledConfig(config)
        if let explicit = compiled.agent.statusSocket { return explicit }
        let candidates = StatusClient.candidateSockets(dataDir: compiled.agent.dataDir, environment: environment)
        return candidates.first { Self.exists($0) } ?? Agent.statusSocketPath(for: compiled, environment: environment)
    }

    /// Asks the agent; prints why and exits 3 when it cannot be reached.
    func request(method: String, path: String, timeoutMilliseconds: Int = 5000) throws -> StatusClient.Answer {
        let socket = try resolve()
        do {
            return try StatusClient.request(
                socket: socket, method: method, path: path, timeoutMilliseconds: timeoutMilliseconds)
        } catch {
            printError("\(error)")
            throw ExitCode(Self.unreachable)
        }
    }

    private static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }
}

/// `edgeflow reload`: make the running agent compile its config again and switch to it.
struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Reload the running agent's config (as SIGHUP or systemctl reload does), and say how it went.",
        discussion: """
            The agent compiles its config file again; a config with errors is refused and the running one \
            stays. Exit codes: 0 reloaded, 1 refused (the errors are printed), 2 usage or config error, \
            3 the agent is not running or cannot be reached.
            Example: edgeflow check --config /etc/edgeflow/config.yaml && edgeflow reload --config /etc/edgeflow/config.yaml
            """)

    @OptionGroup var target: AgentSocketOptions

    @Flag(help: "Print the agent's answer (applied, message, problems, generation) as JSON.")
    var json = false

    func run() throws {
        // A reload drains the pipeline and restarts sources: allow it time.
        let answer = try target.request(method: "POST", path: "/reload", timeoutMilliseconds: 60_000)
        let outcome = try? JSONValue.parse(answer.body)
        if json, let outcome {
            printJSON(outcome)
            if answer.status != 200 { throw ExitCode(1) }
            return
        }
        let message = outcome?["message"].stringValue ?? answer.body
        if answer.status == 200 {
            print("reloaded: \(message) (generation \(outcome?["generation"].numberValue.map { Int($0) } ?? 0))")
            return
        }
        printError("reload refused: \(message)")
        if case .array(let problems)? = outcome?["problems"] {
            for problem in problems { if let text = problem.stringValue { printError(text) } }
        }
        printError("the running config stays in force")
        throw ExitCode(1)
    }
}
