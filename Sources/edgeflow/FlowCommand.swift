import ArgumentParser

/// `edgeflow flow`: work with Flux expressions and apps.
struct FlowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flow",
        abstract: "Evaluate expressions and test flow apps.",
        discussion: "Example: edgeflow flow eval --expr '-payload.temp' --payload '{\"temp\": 21.5}'",
        subcommands: [FlowEvalCommand.self, FlowTestCommand.self]
    )
}
