import ArgumentParser
import EdgeAgent

#if canImport(Glibc)
    import Glibc
#endif

/// `edgeflow check`: compile a config without running it.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a config (with its board and apps) and summarise what it will do.",
        discussion: "Exits 0 when the config is valid and 2 when it is not; every problem is listed as file:line:column."
    )

    @Option(name: .shortAndLong, help: "The config file.")
    var config: String

    @Flag(name: .shortAndLong, help: "Print nothing when the config is valid.")
    var quiet = false

    func run() throws {
        let report = CheckReport.run(file: config, quiet: quiet)
        if !report.output.isEmpty { print(report.output) }
        if !report.errors.isEmpty { printError(report.errors) }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}
