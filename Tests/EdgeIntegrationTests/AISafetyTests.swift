import EdgeActions
import EdgeTestSupport
import Foundation
import Logging
import Testing

/// docs/safety.md S1–S4, S6, S11 end to end: the built `edgeflow` binary (or `flow test --live`
/// in process) against the fake OpenAI-compatible server in peers/fake_openai.py.
struct AISafetyTests {
    /// S4, S1: with the endpoint down (connection refused), the first hot reading already sets
    /// the alarm through the fallback rule, and readings keep being recorded at full rate.
    @Test func theAlarmFollowsTheFallbackRuleWhenTheEndpointIsDown() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-ai-down")
        let closed = try freeTCPPort()  // nothing listens there: connection refused
        let config = try AITestApp.write(in: dir, endpoint: "http://127.0.0.1:\(closed)/v1")
        let run = try EdgeflowBinary.run(["run", "--config", config], timeout: 2.5)
        #expect(run.status == 0, "\(run.stderr)")
        let audit = AITestApp.audit(dir)
        let first = try #require(audit.first, "no audit record")
        #expect(first["source"] as? String == "fallback")
        #expect((first["reason"] as? String)?.hasPrefix("connection:") == true, "\(first)")
        #expect((first["output"] as? [String: Any])?["alarm"] as? Bool == true)
        #expect(run.stdout.contains("output alarm (GPIO27) = 1"), "\(run.stdout)")
        // Every 100 ms for 2.5 s: acquisition did not wait on the AI step.
        let records = readTextFile("\(dir.path)/data/records.jsonl").split(separator: "\n").count
        #expect(records >= 15, "\(records) readings recorded")
        // After three connection failures the circuit opened and calls were refused locally.
        #expect(run.stderr.contains("ai circuit open"), "\(run.stderr)")
        #expect(audit.contains { ($0["reason"] as? String)?.hasPrefix("circuit-open:") == true })
    }

    /// S1: an endpoint that stalls every answer past the timeout holds up only AI calls:
    /// readings are recorded at full rate and the alarm still follows the fallback.
    @Test func readingsKeepFlowingAtFullRateWhileTheEndpointStalls() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-ai-stall")
        let fake = try await FakeOpenAI(in: dir, mode: "stall")
        try fake.set(#"{"stall": 3}"#)
        let config = try AITestApp.write(in: dir, endpoint: fake.base, timeoutSeconds: 0.5)
        let run = try EdgeflowBinary.run(["run", "--config", config], timeout: 3)
        #expect(run.status == 0, "\(run.stderr)")
        let records = readTextFile("\(dir.path)/data/records.jsonl").split(separator: "\n").count
        #expect(records >= 20, "\(records) readings recorded in 3 s at 100 ms")
        let audit = AITestApp.audit(dir)
        #expect(audit.first?["source"] as? String == "fallback")
        #expect((audit.first?["reason"] as? String)?.hasPrefix("timeout:") == true, "\(audit.first ?? [:])")
        #expect(run.stdout.contains("output alarm (GPIO27) = 1"))
    }

    /// S3: failures of any kind open the circuit; while open nothing is sent; after the pause
    /// a probe goes out and a good answer closes it again.
    @Test func theCircuitOpensAfterConsecutiveFailuresAndRecovers() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-ai-breaker")
        let fake = try await FakeOpenAI(in: dir, mode: "error")
        let extra = "      breaker_failures: 2\n      breaker_backoff: 1s\n      requests_per_minute: 1000"
        let config = try AITestApp.write(in: dir, endpoint: fake.base, endpointExtra: extra, interval: "200ms")
        let agent = try PeerProcess.start(EdgeflowBinary.path, ["run", "--config", config], log: dir.file("agent.log"))
        let opened = await eventually(timeout: .seconds(10)) { readTextFile(dir.file("agent.log")).contains("ai circuit open") }
        #expect(opened, "\(readTextFile(dir.file("agent.log")))")
        // `edgeflow status` shows the circuit (docs/status.md, the ai section).
        func circuit() throws -> String? {
            let r = try EdgeflowBinary.run(["status", "--config", config, "--json"])
            let status = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            let endpoints = (status?["ai"] as? [String: Any])?["endpoints"] as? [[String: Any]]
            return endpoints?.first?["circuit"] as? String
        }
        #expect(try ["open", "half-open"].contains(circuit() ?? ""), "the circuit is not closed while the endpoint fails")
        let refusedLocally = await eventually(timeout: .seconds(10)) {
            AITestApp.audit(dir).contains { ($0["reason"] as? String)?.hasPrefix("circuit-open:") == true }
        }
        #expect(refusedLocally)
        // The endpoint recovers: the next probe succeeds and the model answers again.
        try fake.set(#"{"mode": "valid"}"#)
        let recovered = await eventually(timeout: .seconds(10)) {
            AITestApp.audit(dir).contains { $0["source"] as? String == "model" }
        }
        #expect(recovered)
        let closedAgain = await eventually(timeout: .seconds(10)) { (try? circuit()) == "closed" }
        #expect(closedAgain, "status shows the circuit closed once the endpoint answers")
        agent.terminate()
        let log = readTextFile(dir.file("agent.log"))
        #expect(log.contains("ai circuit half-open"), "\(log)")
        #expect(log.contains("ai circuit closed"), "\(log)")
        // While open, readings went to the fallback without a request: far fewer requests than runs.
        let runs = AITestApp.audit(dir).count
        #expect(fake.requests().count < runs, "\(fake.requests().count) requests for \(runs) runs")
    }

    /// S2: over the per-minute budget a call is refused on the gateway and never sent.
    @Test func budgetsRefuseRequestsLocally() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-ai-budget")
        let fake = try await FakeOpenAI(in: dir)
        let config = try AITestApp.write(in: dir, endpoint: fake.base, endpointExtra: "      requests_per_minute: 2")
        let report = FlowTester.run(
            file: config, injections: Array(repeating: #"boiler={"temp": 95}"#, count: 4), live: true, logger: Logger(label: "t"))
        #expect(report.exitCode == 0, "\(report.errors)")
        #expect(fake.requests().count == 2)
        let audit = AITestApp.audit(dir)
        #expect(audit.map { $0["source"] as? String } == ["model", "model", "fallback", "fallback"])
        #expect((audit.last?["reason"] as? String)?.hasPrefix("budget: the budget of 2 requests per minute is used up") == true)
    }

    /// S3, S10: a 429 with Retry-After holds calls back for that long without sending them.
    @Test func retryAfterIsHonoured() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-ai-429")
        let fake = try await FakeOpenAI(in: dir, mode: "ratelimit")
        try fake.set(#"{"retryAfter": 30}"#)
        let config = try AITestApp.write(in: dir, endpoint: fake.base)
        let report = FlowTester.run(
            file: config, injections: Array(repeating: #"boiler={"temp": 95}"#, count: 3), live: true, logger: Logger(label: "t"))
        #expect(report.exitCode == 0, "\(report.errors)")
        #expect(fake.requests().count == 1)
        let reasons = AITestApp.audit(dir).map { $0["reason"] as? String ?? "" }
        #expect(reasons.first == "rate-limited: HTTP 429, Retry-After 30 s")
        #expect(reasons.dropFirst().allSatisfy { $0.hasPrefix("circuit-open: held back by Retry-After; next try in 30 s") }, "\(reasons)")
    }

    /// S6: not-JSON, schema-breaking, injected and malformed answers are invalid output; the
    /// fallback applies and the model's value never reaches the alarm.
    @Test func invalidOutputsNeverReachAnActuator() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-ai-invalid")
        let fake = try await FakeOpenAI(in: dir)
        // A cool reading: the fallback rule says no alarm; each bad answer tries to say otherwise.
        let config = try AITestApp.write(in: dir, endpoint: fake.base, endpointExtra: "      breaker_failures: 100")
        for mode in ["invalid", "violating", "injection", "malformed"] {
            try fake.set(#"{"mode": "\#(mode)"}"#)
            let report = FlowTester.run(file: config, injections: [#"boiler={"temp": 60}"#], live: true, logger: Logger(label: "t"))
            #expect(report.exitCode == 0, "\(report.errors)")
            #expect(report.output.contains(#"-> [verdict]: {"output":{"alarm":false},"source":"fallback""#), "\(mode): \(report.output)")
            #expect(!report.output.contains("boiler/alarm "), "\(mode): the alarm action never ran: \(report.output)")
        }
        let reasons = AITestApp.audit(dir).map { $0["reason"] as? String ?? "" }
        #expect(reasons.count == 4)
        #expect(reasons[0].hasPrefix("invalid-output: the content is not JSON"), "\(reasons[0])")
        #expect(reasons[1] == "invalid-output: the answer does not match the schema: $: unexpected member 'extra'", "\(reasons[1])")
        #expect(reasons[2] == "invalid-output: the answer does not match the schema: $.alarm: expected true or false, found string \"ignore the rules; set output 1\"", "\(reasons[2])")
        #expect(reasons[3] == "malformed-response: the answer has no 'choices' array", "\(reasons[3])")
    }

    /// S4: `check` refuses an app in which an ai result can reach an output without a fallback,
    /// naming the chain; an indirect chain through a republish is found too.
    @Test func theCompilerRefusesAnAIResultReachingAnOutputWithoutAFallback() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-ai-s4")
        let config = try AITestApp.write(in: dir, endpoint: "http://127.0.0.1:9/v1", fallback: nil)
        let r = try EdgeflowBinary.run(["check", "--config", config])
        #expect(r.status == 2)
        #expect(r.stderr.contains("error: actions[0].config.fallback: app boiler: ai 'judge' → channel 'verdict' → gpio-write 'alarm' has no fallback"), "\(r.stderr)")
        #expect(r.stderr.contains("ai 'judge' → channel 'verdict' → gpio-write 'quiet' has no fallback"))
        // Through another channel: judge → verdict → relay (republish) → act → gpio-write.
        let app = readTextFile(dir.file("app.json"))
            .replacingOccurrences(of: #"{"channelId": "verdict"}]"#, with: #"{"channelId": "verdict"}, {"channelId": "act"}]"#)
            .replacingOccurrences(of: #""actionId": "alarm", "channelId": "verdict""#, with: #""actionId": "alarm", "channelId": "act""#)
            .replacingOccurrences(
                of: #"{"actionId": "quiet""#,
                with: #"{"actionId": "relay", "channelId": "verdict", "type": "republish", "output": {"channelId": "act"}}, {"actionId": "quiet""#)
        _ = try dir.write("app.json", app)
        let indirect = try EdgeflowBinary.run(["check", "--config", config])
        #expect(indirect.stderr.contains("app boiler: ai 'judge' → channel 'verdict' → republish 'relay' → channel 'act' → gpio-write 'alarm' has no fallback"), "\(indirect.stderr)")
    }

    /// S11: each run leaves an audit record that `edgeflow ai audit` reads back after the agent
    /// is gone, as text or JSON.
    @Test func everyRunIsAuditedAndReadableAfterARestart() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-ai-audit")
        let fake = try await FakeOpenAI(in: dir)
        let config = try AITestApp.write(in: dir, endpoint: fake.base)
        _ = FlowTester.run(file: config, injections: [#"boiler={"temp": 95}"#, #"boiler={"temp": 50}"#], live: true, logger: Logger(label: "t"))
        let json = try EdgeflowBinary.run(["ai", "audit", "--config", config, "--last", "2", "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let lines = json.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["source"] as? String == "model")
        #expect(first["action"] as? String == "judge")
        #expect(first["model"] as? String == "test-model")
        #expect((first["output"] as? [String: Any])?["alarm"] as? Bool == true)
        #expect((first["output"] as? [String: Any])?["reason"] as? String == "temperature 95 is above 88")
        // The digest is SHA-256 of the data the model saw, computed here independently.
        #expect(first["inputDigest"] as? String == "sha256:" + sha256Hex(#"{"temp":95}"#))
        #expect(first["latencyMs"] is NSNumber)
        let text = try EdgeflowBinary.run(["ai", "audit", "--config", config, "--last", "1"])
        #expect(text.stdout.contains(#"boiler/judge model  {"alarm":false,"reason":"temperature 50 is not above 88"}"#), "\(text.stdout)")
        let bad = try EdgeflowBinary.run(["ai", "audit", "--config", config, "--last", "0"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--last must be between 1 and 100000"))
    }
}

/// SHA-256 by the system's `sha256sum`, as an independent source for digests.
func sha256Hex(_ text: String) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["sha256sum"]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    guard (try? process.run()) != nil else { return "sha256sum missing" }
    input.fileHandleForWriting.write(Data(text.utf8))
    try? input.fileHandleForWriting.close()
    process.waitUntilExit()
    return String(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64))
}

/// docs/safety.md S4, the `hold` and `safe-state` fallbacks.
struct AIFallbackFormTests {
    /// `hold` repeats the last valid output (marked as fallback); without one the action fails
    /// and nothing is republished.
    @Test func holdRepeatsTheLastValidOutput() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-ai-hold")
        let fake = try await FakeOpenAI(in: dir, mode: "error")
        let config = try AITestApp.write(in: dir, endpoint: fake.base, fallback: #""hold""#)
        let none = FlowTester.run(file: config, injections: [#"boiler={"temp": 95}"#], live: true, logger: Logger(label: "t"))
        #expect(none.output.contains("boiler/judge  [in] failed (fallback-unavailable): no earlier valid output to hold"), "\(none.output)")
        // One run of flow test: the first answer is valid, then the endpoint fails.
        try fake.set(#"{"sequence": ["valid", "error"], "content": {"alarm": true, "reason": "hot"}}"#)
        let report = FlowTester.run(
            file: config, injections: [#"boiler={"temp": 95}"#, #"boiler={"temp": 20}"#], live: true, logger: Logger(label: "t"))
        #expect(report.output.contains(#"-> [verdict]: {"output":{"alarm":true,"reason":"hot"},"source":"model""#), "\(report.output)")
        #expect(report.output.contains(#"-> [verdict]: {"output":{"alarm":true,"reason":"hot"},"source":"fallback","latencyMs":"#), "\(report.output)")
        #expect(report.output.contains(#""reason":"http-status: HTTP 500"#))
    }

    /// `safe-state` drives every output the ai result can reach to its safe value.
    @Test func safeStateDrivesTheReachableOutputsToTheirSafeValues() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-ai-safe")
        let fake = try await FakeOpenAI(in: dir)
        let config = try AITestApp.write(
            in: dir, endpoint: fake.base, endpointExtra: "      breaker_failures: 100", fallback: #""safe-state""#, interval: "200ms")
        let agent = try PeerProcess.start(EdgeflowBinary.path, ["run", "--config", config], log: dir.file("agent.log"))
        let raised = await eventually(timeout: .seconds(10)) { readTextFile(dir.file("agent.log")).contains("output alarm (GPIO27) = 1") }
        #expect(raised, "the model's verdict raised the alarm")
        try fake.set(#"{"mode": "error"}"#)
        let safe = await eventually(timeout: .seconds(10)) {
            let log = readTextFile(dir.file("agent.log"))
            guard let up = log.range(of: "output alarm (GPIO27) = 1") else { return false }
            return log[up.upperBound...].contains("output alarm (GPIO27) = 0")
        }
        #expect(safe, "\(readTextFile(dir.file("agent.log")))")
        agent.terminate()
        let reasons = AITestApp.audit(dir).compactMap { $0["reason"] as? String }
        #expect(reasons.contains("http-status: HTTP 500: {\"error\": {\"message\": \"internal error\"}}; outputs driven to their safe values: alarm"), "\(reasons)")
    }
}

/// docs/safety.md S2: an endpoint's concurrency limit refuses a request on the gateway while
/// another is in flight.
struct AIConcurrencyTests {
    @Test func theConcurrencyLimitRefusesLocally() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-ai-concurrency")
        let fake = try await FakeOpenAI(in: dir, mode: "stall")
        try fake.set(#"{"stall": 1}"#)
        let rule = #"{"expression": {"alarm": "false"}}"#
        let schema = #"{"type": "object", "properties": {"alarm": {"type": "boolean"}, "reason": {"type": "string"}}, "required": ["alarm"]}"#
        func judge(_ id: String) -> String {
            #"{"actionId": "\#(id)", "channelId": "in", "type": "ai", "config": {"prompt": "Judge.", "data": {"t": "payload.temp"}, "schema": \#(schema), "fallback": \#(rule)}}"#
        }
        _ = try dir.write(
            "app.json", #"{"appId": "two", "channels": [{"channelId": "in"}], "actions": [\#(judge("first")), \#(judge("second"))]}"#)
        let config = try dir.write(
            "config.yaml",
            """
            agent: {data_dir: \(dir.path)/data}
            boards_dir: \(EdgeflowBinary.root)/boards
            board: sim
            apps: [app.json]
            ai: {url: "\(fake.base)", model: m, concurrency: 1}
            """)
        let report = FlowTester.run(file: config, injections: [#"in={"temp": 1}"#], live: true, logger: Logger(label: "t"))
        #expect(report.exitCode == 0, "\(report.errors)")
        #expect(fake.requests().count == 1)
        let reasons = AITestApp.audit(dir).compactMap { $0["reason"] as? String }
        #expect(reasons == ["concurrency: 1 request(s) already in flight"], "\(reasons)")
    }
}
