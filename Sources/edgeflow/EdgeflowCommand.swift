import ArgumentParser

/// The `edgeflow` command tree.
@main
struct EdgeflowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edgeflow",
        abstract: "Edge agent for Linux gateways: GPIO and Modbus acquisition, Flux flows, durable uplink."
    )
}
