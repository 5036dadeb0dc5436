import ArgumentParser
import EdgeCore
import EdgeFlux

#if canImport(Glibc)
    import Glibc
#endif

/// The `edgeflow` command tree.
@main
struct EdgeflowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edgeflow",
        abstract: "Edge agent for Linux gateways: GPIO and Modbus acquisition, Flux flows, durable uplink.",
        discussion: """
            Exit codes: 0 success, 1 a device, endpoint or check failed, 2 a usage or config error. \
            Commands that print data take --json; durations take a unit (500ms, 2s).
            Example: edgeflow check --config /etc/edgeflow/config.yaml && edgeflow run --config /etc/edgeflow/config.yaml
            """,
        subcommands: [
            RunCommand.self, CheckCommand.self, DoctorCommand.self, FlowCommand.self, GPIOCommand.self, ModbusCommand.self,
            SpoolCommand.self, UplinkCommand.self, StatusCommand.self, ReloadCommand.self, AICommand.self,
            ApprovalsCommand.self, DecideCommand.self, RejectCommand.self, VersionCommand.self,
        ]
    )

    /// Parses and runs, mapping argument errors to exit code 2 (usage), as every edgeflow
    /// command promises, instead of argument-parser's default 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                Glibc.exit(0)
            }
            if !message.isEmpty { printError(message) }
            Glibc.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    var line = text
    if !line.hasSuffix("\n") { line += "\n" }
    fflush(nil)
    // write(2) on fd 2: the C `stderr` global is not concurrency-safe to touch from Swift 6.
    var bytes = Array(line.utf8)[...]
    while !bytes.isEmpty {
        let n = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        bytes = bytes.dropFirst(n)
    }
}

/// `edgeflow version`: the build and the Flux dialects it understands.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the edgeflow version and supported Flux dialects.",
        discussion: "Example: edgeflow version --json")

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() {
        if json {
            printJSON([
                ("version", .string(edgeflowVersion)),
                ("fluxDialects", .array(supportedDialects.map { .number(Double($0)) })),
            ])
            return
        }
        print("edgeflow \(edgeflowVersion)")
        print("flux dialects: \(supportedDialects.map(String.init).joined(separator: ", "))")
    }
}

/// The version string of this build.
let edgeflowVersion = "0.1.0"
