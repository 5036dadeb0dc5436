import ArgumentParser
import EdgeAgent
import EdgeCore

#if canImport(Glibc)
    import Glibc
#endif

/// `edgeflow check`: compile a config without running it.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a config (with its board and apps) and summarise what it will do.",
        discussion: """
            Exits 0 when the config is valid and 2 when it is not; every problem is listed as file:line:column. \
            With --json: {"file", "valid", "diagnostics": [{"severity", "file", "line", "column", "path", \
            "message", "hint"}], "summary"} on standard output, whatever the outcome.
            Example: edgeflow check --config /etc/edgeflow/config.yaml
            """
    )

    @Option(name: .shortAndLong, help: "The config file.")
    var config: String

    @Flag(name: .shortAndLong, help: "Print nothing when the config is valid.")
    var quiet = false

    @Flag(help: "Print one JSON object with every diagnostic and the summary.")
    var json = false

    func run() throws {
        if json {
            let (valid, diagnostics, summary) = CheckReport.structured(file: config)
            printJSON([
                ("file", .string(config)), ("valid", .bool(valid)), ("diagnostics", .array(diagnostics.map(\.json))),
                ("summary", summary.map { .string($0) } ?? .null),
            ])
            if !valid { throw ExitCode(2) }
            return
        }
        let report = CheckReport.run(file: config, quiet: quiet)
        if !report.output.isEmpty { print(report.output) }
        if !report.errors.isEmpty { printError(report.errors) }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}
