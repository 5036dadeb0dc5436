import EdgeTestSupport
import Foundation
import Testing

/// S1: local control never waits on the network. With a webhook that takes 5 s on every
/// reading, acquisition, the record stream and a local output keep going at their own pace.
struct LocalControlTests {
    @Test func aSlowWebhookNeverStallsReadingsOrLocalOutputs() throws {
        let peer = try HTTPPeer()
        let dir = try TemporaryDirectory(prefix: "edgeflow-s1")
        _ = try dir.write(
            "app.json",
            """
            {"appId": "s1",
             "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "tank", "type": "device", "source": "tank", "channelId": "in"}],
             "actions": [
               {"actionId": "cloud", "channelId": "in", "type": "webhook",
                "config": {"url": "http://127.0.0.1:\(peer.port)/slow", "method": "GET", "timeoutSeconds": 10}},
               {"actionId": "pump", "channelId": "in", "type": "gpio-write", "condition": "payload.level > 50",
                "config": {"output": "pump", "value": 1}}
             ]}
            """)
        let config = try dir.write(
            "config.yaml",
            """
            agent: {data_dir: \(dir.path)/data, log_level: warning}
            boards_dir: \(EdgeflowBinary.root)/boards
            board: sim
            sources:
              - id: tank
                type: simulated
                interval: 100ms
                points: [{name: level, waveform: constant, value: 80}]
            outputs:
              - {id: pump, type: gpio, line: GPIO22, safe_value: 0}
            apps: [app.json]
            """)
        let run = try EdgeflowBinary.run(["run", "--config", config], timeout: 2.5)
        #expect(run.status == 0, "\(run.stderr)")
        let records = try String(contentsOfFile: "\(dir.path)/data/records.jsonl", encoding: .utf8)
        // Readings every 100 ms for 2.5 s while each webhook call hangs for 5 s: if acquisition
        // waited on the webhook there would be one or two lines, not a dozen or more.
        #expect(records.split(separator: "\n").count >= 10)
        #expect(run.stdout.contains("output pump (GPIO22) = 1"))
        #expect(run.stdout.hasSuffix("output pump (GPIO22) = 0\n"), "outputs end in their safe state")
    }
}
