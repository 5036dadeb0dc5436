import ArgumentParser
import EdgeAgent
import EdgeConfig
import EdgeCore

/// `edgeflow doctor`: what this build is, what machine it runs on, and whether what the config
/// needs (board, GPIO chips, serial ports, data directory, clock) is there and usable.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check this gateway: library versions, board, GPIO and serial access, data directory, clock.",
        discussion: """
            Each check prints PASS, WARN or FAIL with a hint. Exits 0 when nothing failed, 1 when a \
            check failed, 2 on a usage error. Nothing is changed on the machine.
            Example: edgeflow doctor --config /etc/edgeflow/config.yaml
            """
    )

    @Option(name: .shortAndLong, help: "The config whose devices and directories to check.")
    var config: String?

    @Flag(help: "Print the checks as a JSON array.")
    var json = false

    func run() throws {
        var compiled: AgentConfig?
        var errors = 0
        if let config {
            let compilation = ConfigCompiler.compile(file: config)
            compiled = compilation.config
            errors = compilation.diagnostics.filter { $0.severity == .error }.count
        }
        let checks = Doctor.run(configFile: config, config: compiled, configErrors: errors)
        if json {
            print(JSONValue.array(checks.map(\.json)).compactJSON)
        } else {
            let width = (checks.map(\.name.count).max() ?? 0) + 2
            for check in checks {
                let name = check.name + String(repeating: " ", count: max(0, width - check.name.count))
                print("\(check.level.rawValue)  \(name)\(check.detail)")
                if let hint = check.hint, check.level != .pass { print("      \(String(repeating: " ", count: width))hint: \(hint)") }
            }
        }
        if checks.contains(where: { $0.level == .fail }) { throw ExitCode(1) }
    }
}
