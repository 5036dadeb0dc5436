import ArgumentParser
import EdgeFlux

#if canImport(Glibc)
    import Glibc
#endif

/// `edgeflow flow eval`: evaluates one Flux expression against a payload, context and event
/// given as JSON, so a condition can be tried before it goes into an app.
struct FlowEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a Flux expression and print its value as compact JSON.",
        discussion: """
            Exit status 0 prints the value; 2 means the expression or a JSON option is invalid \
            (the message shows the column).
            Example: edgeflow flow eval --expr 'payload.temp > 80' --payload '{"temp": 81.5}'
            """
    )

    // `.unconditional`: the value is the next argument even when it starts with '-', so
    // `--expr "-payload.temp"` and `--payload -1` mean what they say.
    @Option(name: .customLong("expr"), parsing: .unconditional, help: "The expression, e.g. 'payload.temp > 80'.")
    var expression: String

    @Option(parsing: .unconditional, help: "The message payload as JSON (default null).")
    var payload: String?

    @Option(parsing: .unconditional, help: "The message context as JSON (default {}).")
    var context: String?

    @Option(parsing: .unconditional, help: "The trigger as {\"payload\": ..., \"context\": ...} (default: the message itself).")
    var event: String?

    @Flag(help: "Print the value as JSON (the default output already is).")
    var json = false

    func run() throws {
        let result = evaluateForCLI(expression: expression, payload: payload, context: context, event: event)
        if !result.standardOutput.isEmpty { print(result.standardOutput) }
        if !result.standardError.isEmpty {
            var text = result.standardError + "\n"
            text.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
        }
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }
}
