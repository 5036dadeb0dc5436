import ArgumentParser
import EdgeAgent
import EdgeConfig
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// `edgeflow run`: compile the config and run the agent until SIGINT/SIGTERM.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the agent with a config until interrupted (Ctrl-C or SIGTERM).",
        discussion: """
            Under systemd (Type=notify) the agent reports READY=1 once the config compiled, outputs are at \
            their safe values and every source acquires, feeds the watchdog while its pipeline makes \
            progress, and reports STOPPING=1 on SIGTERM before it drains. With view: live it prints one \
            line per frame and action (text only; the data itself goes to the spool or records file).
            Example: edgeflow run --config /etc/edgeflow/config.yaml --log-level debug
            """)

    @Option(name: .shortAndLong, help: "The config file.")
    var config: String

    @Option(help: "Override the config's log level (trace, debug, info, notice, warning, error, critical).")
    var logLevel: String?

    func validate() throws {
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("'\(logLevel)' is not a log level; use trace, debug, info, notice, warning, error or critical")
        }
    }

    func run() async throws {
        let compilation = ConfigCompiler.compile(file: config)
        for d in compilation.diagnostics { printError(d.description) }
        guard let agentConfig = compilation.config else {
            printError("\(config): not started; fix the errors above (edgeflow check --config \(config))")
            throw ExitCode(2)
        }
        let level = Logger.Level(rawValue: logLevel ?? agentConfig.agent.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "edgeflow")
        let live = agentConfig.agent.view == "live"
        let agent = try Agent(config: agentConfig, logger: logger, version: edgeflowVersion) { line in
            if live {
                print(line)
                // Flush per line so the live view appears at once even when piped.
                fflush(nil)
            }
        }
        if live {
            print("edgeflow \(edgeflowVersion): \(agentConfig.agent.name) on \(agentConfig.board.name); Ctrl-C stops")
        }
        try await agent.run()
    }
}
