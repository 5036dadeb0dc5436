import EdgeActions
import EdgeAgent
import EdgeTestSupport
import Foundation
import Logging
import Testing

/// The webhook action end to end (`flow test --live`) against the Python HTTP peer: a good
/// POST, a 500 routed to the error channel, a slow endpoint that times out, and a huge body
/// capped at 8,192 bytes.
struct WebhookActionTests {
    func config(in dir: TemporaryDirectory, port: Int) throws -> String {
        let app = """
            {"appId": "hooks",
             "channels": [{"channelId": "in"}, {"channelId": "errors"}, {"channelId": "done"}],
             "actions": [
               {"actionId": "post", "channelId": "in", "type": "webhook", "condition": "payload.kind == \\"ok\\"",
                "config": {"url": "http://127.0.0.1:\(port)/echo", "headers": {"X-Gateway": "gw-${payload.n}"}},
                "output": {"channelId": "done", "transform": {"content": "{\\"status\\": ${result.status}}"}}},
               {"actionId": "fail", "channelId": "in", "type": "webhook", "condition": "payload.kind == \\"fail\\"",
                "config": {"url": "http://127.0.0.1:\(port)/fail", "method": "POST"},
                "output": {"enabled": false, "errorChannelId": "errors"}},
               {"actionId": "slow", "channelId": "in", "type": "webhook", "condition": "payload.kind == \\"slow\\"",
                "config": {"url": "http://127.0.0.1:\(port)/slow", "method": "GET", "timeoutSeconds": 0.5}},
               {"actionId": "huge", "channelId": "in", "type": "webhook", "condition": "payload.kind == \\"huge\\"",
                "config": {"url": "http://127.0.0.1:\(port)/huge", "method": "GET"},
                "output": {"channelId": "done", "transform": {"content": "${len(result.body)}"}}},
               {"actionId": "seen-error", "channelId": "errors", "type": "log", "config": {"message": "error ${payload.error.kind}"}}
             ]}
            """
        _ = try dir.write("app.json", app)
        return try dir.write(
            "config.yaml",
            """
            agent: {data_dir: \(dir.path)/data}
            boards_dir: \(EdgeflowBinary.root)/boards
            board: sim
            apps: [app.json]
            """)
    }

    @Test func webhookOutcomesAreResultsFailuresAndCaps() throws {
        let peer = try HTTPPeer()
        let dir = try TemporaryDirectory(prefix: "edgeflow-webhook")
        let path = try config(in: dir, port: peer.port)
        let report = FlowTester.run(
            file: path,
            injections: [
                #"in={"kind": "ok", "n": 7}"#, #"in={"kind": "fail"}"#, #"in={"kind": "slow"}"#, #"in={"kind": "huge"}"#,
            ],
            live: true, logger: Logger(label: "test"))
        #expect(report.exitCode == 0, "\(report.errors)")
        let out = report.output
        #expect(out.contains(#"hooks/post  [in] -> [done]: {"status":200}"#), "\(out)")
        #expect(out.contains(#"hooks/fail  [in] failed (http-status): HTTP 500"#), "\(out)")
        #expect(out.contains("hooks/seen-error  [errors] ran"), "\(out)")
        #expect(out.contains("hooks/slow  [in] failed (timeout)"), "\(out)")
        // The 1 MiB body is cut at 8,192 bytes; len() counts the characters kept.
        #expect(out.contains("hooks/huge  [in] -> [done]: 8192"), "\(out)")
    }
}
