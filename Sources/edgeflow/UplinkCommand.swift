import ArgumentParser
import EdgeAgent
import EdgeConfig
import EdgeCore
import EdgeUplink

/// `edgeflow uplink`: check the endpoint from the gateway.
struct UplinkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uplink", abstract: "Check the uplink endpoint, or make the running agent reconnect.",
        discussion: "Example: edgeflow uplink test --config /etc/edgeflow/config.yaml --json",
        subcommands: [UplinkTestCommand.self, UplinkReconnectCommand.self])
}

/// `edgeflow uplink test`: one probe batch, the way the agent sends batches.
struct UplinkTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Send one probe batch to the configured endpoint and print the outcome and latency.",
        discussion: """
            The probe is one record {"probe": true} from source "edgeflow-probe", encoded like every \
            batch. HTTP: POSTed like a batch; exits 0 on a 2xx answer. MQTT (mqtt://, mqtts://): \
            connects as <client id>-probe with a clean session, publishes it with QoS 1 to \
            edgeflow/<gateway>/probe and waits for the PUBACK; exits 0 when it came. Exits 1 \
            otherwise, 2 on a config error. It does not touch the spool, so it can run beside the agent.
            Example: edgeflow uplink test --config /etc/edgeflow/config.yaml
            """)

    @Option(name: .shortAndLong, help: "The config file.")
    var config: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let agent = try compiledConfig(config)
        guard let uplink = agent.uplink else {
            printError("\(config): no uplink section")
            throw ExitCode(2)
        }
        let clock = SystemClock()
        let probe =
            #""kind":"message","source":"edgeflow-probe","ts":\#(clock.wallNanoseconds() / 1_000_000),"payload":{"probe":true}"#
        if uplink.transport == "mqtt" {
            try probeBroker(agent, record: Array(probe.utf8))
            return
        }
        let encoder = UplinkEncoder(rawValue: uplink.encoder) ?? .harvest
        let (body, _) = encoder.encode([(0, Array(probe.utf8))])
        let request = HTTPRequest(
            method: "POST", url: uplink.url,
            headers: encoder.contentHeaders + [("X-Edgeflow-Batch", "probe")] + uplink.headers, body: body,
            timeoutMilliseconds: Int(uplink.timeoutNanoseconds / 1_000_000), caFile: uplink.caFile, proxy: uplink.proxy)
        let started = clock.monotonicNanoseconds()
        let outcome: Result<EdgeUplink.HTTPResponse, HTTPError>
        do {
            let client = try HTTPClient()
            outcome = .success(try client.perform(request))
        } catch {
            outcome = .failure(error)
        }
        let milliseconds = Double((clock.monotonicNanoseconds() - started) / 100_000) / 10
        switch outcome {
        case .success(let response):
            let ok = (200..<300).contains(response.status)
            if json {
                print(
                    JSONValue.object(
                        JSONObject([
                            ("url", .string(uplink.url)), ("status", .number(Double(response.status))),
                            ("latencyMs", .number(milliseconds)), ("ok", .bool(ok)),
                        ])
                    ).compactJSON)
            } else {
                print(
                    "\(uplink.url): HTTP \(response.status) in \(JSONValue.formatNumber(milliseconds)) ms\(ok ? "" : " (not accepted)")"
                )
            }
            if !ok { throw ExitCode(1) }
        case .failure(let error):
            if json {
                print(
                    JSONValue.object(
                        JSONObject([
                            ("url", .string(uplink.url)), ("error", .string(error.description)),
                            ("latencyMs", .number(milliseconds)), ("ok", .bool(false)),
                        ])
                    ).compactJSON)
            } else {
                printError("\(uplink.url): \(error)")
            }
            throw ExitCode(1)
        }
    }

    /// `uplink test` over MQTT: one QoS 1 probe, the PUBACK's latency.
    private func probeBroker(_ agent: AgentConfig, record: [UInt8]) throws {
        let settings: MQTTUplinkSettings
        do {
            guard let parsed = try MQTTUplinkSettings(agent) else { throw ExitCode(2) }
            settings = parsed
        } catch let error as AgentError {
            printError("\(config): \(error.message)")
            throw ExitCode(2)
        }
        let url = agent.uplink?.url ?? ""
        let (payload, _) = settings.encoder.encode([(0, record)])
        let result = MQTTUplink.probe(settings, payload: payload)
        // Microsecond resolution: a PUBACK on a LAN takes well under a millisecond.
        let milliseconds = { (ns: Int64?) in ns.map { Double($0 / 1_000) / 1_000 } }
        if json {
            print(
                JSONValue.object(
                    JSONObject([
                        ("url", .string(url)), ("topic", .string(result.topic)),
                        ("connectMs", milliseconds(result.connectNanoseconds).map(JSONValue.number) ?? .null),
                        ("latencyMs", milliseconds(result.acknowledgementNanoseconds).map(JSONValue.number) ?? .null),
                        ("ok", .bool(result.error == nil)),
                        ("error", result.error.map(JSONValue.string) ?? .null),
                    ])
                ).compactJSON)
        } else if let error = result.error {
            printError("\(url): \(error)")
        } else {
            let puback = milliseconds(result.acknowledgementNanoseconds) ?? 0
            let connect = milliseconds(result.connectNanoseconds) ?? 0
            print(
                "\(url): PUBACK on \(result.topic) in \(JSONValue.formatNumber(puback)) ms "
                    + "(connected in \(JSONValue.formatNumber(connect)) ms)")
        }
        if result.error != nil { throw ExitCode(1) }
    }
}
