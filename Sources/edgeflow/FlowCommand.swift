import ArgumentParser

/// `edgeflow flow`: work with Flux expressions and apps.
struct FlowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flow",
        abstract: "Evaluate expressions and test flow apps.",
        subcommands: [FlowEvalCommand.self, FlowTestCommand.self]
    )
}
