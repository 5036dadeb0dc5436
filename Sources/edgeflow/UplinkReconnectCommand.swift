import ArgumentParser
import EdgeCore

/// `edgeflow uplink reconnect`: the running agent stops waiting out its backoff and connects
/// again now (through the status socket, as `edgeflow reload` does).
struct UplinkReconnectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconnect",
        abstract: "Make the running agent's uplink retry now, on a new connection.",
        discussion: """
            Ends the uplink's backoff and opens a new connection (MQTT: a connection that is up is \
            closed and opened again). Records stay in the spool either way; `edgeflow status` shows \
            the outcome (retries, reconnects, next attempt). Exit codes: 0 asked, 1 the agent has no \
            uplink, 2 usage or config error, 3 the agent is not running or cannot be reached.
            Example: edgeflow uplink reconnect --config /etc/edgeflow/config.yaml
            """)

    @OptionGroup var target: AgentSocketOptions

    @Flag(help: "Print the agent's answer as JSON.")
    var json = false

    func run() throws {
        let answer = try target.request(method: "POST", path: "/uplink/reconnect")
        if json, let document = try? JSONValue.parse(answer.body) {
            printJSON(document)
            if answer.status != 200 { throw ExitCode(1) }
            return
        }
        guard answer.status == 200 else {
            let message = (try? JSONValue.parse(answer.body))?["error"].stringValue ?? answer.body
            printError("uplink reconnect refused: \(message)")
            throw ExitCode(1)
        }
        print("uplink: reconnecting now (see edgeflow status for the outcome)")
    }
}
