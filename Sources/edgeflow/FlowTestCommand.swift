import EdgeActions
import ArgumentParser
import EdgeAgent
import Logging

/// `edgeflow flow test`: run the config's apps once on injected messages.
struct FlowTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the apps of a config once on injected messages and print what each hop did.",
        discussion: """
            TARGET is an event source, a channel or a source id (appId/id when ids repeat across apps).
            Without --live, actions that act on the world (webhook, slack, harvest, gpio-write, modbus-write)
            are replaced by a dry run that shows their rendered config.
            Example: edgeflow flow test --config config/demo.yaml --inject boiler='{"temp": 95, "pressure": 1.2}'
            """
    )

    @Option(name: .shortAndLong, help: "The config file.")
    var config: String

    @Option(name: .customLong("inject"), parsing: .unconditionalSingleValue, help: "TARGET=JSON; may repeat.")
    var injections: [String] = []

    @Flag(help: "Run real actions instead of dry runs.")
    var live = false

    @Flag(help: "Print one JSON object: each injection with its hops, and the totals.")
    var json = false

    func run() throws {
        var logger = Logger(label: "edgeflow.flow-test")
        logger.logLevel = .notice
        let report = FlowTester.run(file: config, injections: injections, live: live, logger: logger)
        if json {
            if report.exitCode == 0 { printJSON(report.json) }
        } else if !report.output.isEmpty {
            print(report.output)
        }
        if !report.errors.isEmpty { printError(report.errors) }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}
