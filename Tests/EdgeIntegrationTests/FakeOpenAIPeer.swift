import EdgeTestSupport
import EdgeUplink
import Foundation

/// The fake OpenAI-compatible server (peers/fake_openai.py), started per test on a free loopback
/// port. It records every request it gets in `requestLog`; `set(...)` switches its behaviour.
final class FakeOpenAI {
    let process: PeerProcess
    let port: Int
    let requestLog: String

    init(in dir: TemporaryDirectory, mode: String = "valid") async throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("peers/fake_openai.py")
        requestLog = dir.uniquePath("ai-requests.jsonl")
        let log = dir.uniquePath("fake-openai.log")
        process = try PeerProcess.start("/usr/bin/env", ["python3", script.path, requestLog], log: log, environment: ["MODE": mode])
        var found: Int?
        _ = await eventually(timeout: .seconds(10)) {
            let text = readTextFile(log)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("PORT ") }) { found = Int(line.dropFirst(5)) }
            return found != nil
        }
        guard let found else { throw PeerError("fake_openai.py did not start (is python3 installed?): \(readTextFile(log))") }
        port = found
    }

    /// The base URL an endpoint config names.
    var base: String { "http://127.0.0.1:\(port)/v1" }

    /// Switches behaviour: `mode` and optional `content`, `retryAfter`, `stall`.
    func set(_ control: String) throws {
        let request = HTTPRequest(
            method: "POST", url: "http://127.0.0.1:\(port)/control", headers: [("Content-Type", "application/json")],
            body: Array(control.utf8))
        let response = try HTTPClient().perform(request)
        guard response.status == 200 else { throw PeerError("fake_openai control answered \(response.status)") }
    }

    /// Every request received so far: headers and the parsed JSON body.
    func requests() -> [(headers: [String: String], body: [String: Any])] {
        readTextFile(requestLog).split(separator: "\n").compactMap { line in
            guard let data = line.data(using: .utf8), let entry = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else { return nil }
            let headers = entry["headers"] as? [String: String] ?? [:]
            let bodyText = entry["body"] as? String ?? ""
            let body = (try? JSONSerialization.jsonObject(with: Data(bodyText.utf8))) as? [String: Any] ?? [:]
            return (headers, body)
        }
    }

    /// The user message of each request.
    func userMessages() -> [String] {
        requests().map { request in
            let messages = request.body["messages"] as? [[String: Any]] ?? []
            return messages.first { $0["role"] as? String == "user" }?["content"] as? String ?? ""
        }
    }

    deinit { process.terminate(timeout: .milliseconds(500)) }
}

/// A config and app for the ai tests: a simulated `boiler` (temp constant `temp`) every
/// `interval`, an alarm output, and the `judge` ai action whose verdict drives the alarm.
enum AITestApp {
    static func write(
        in dir: TemporaryDirectory, endpoint: String, endpointExtra: String = "", fallback: String? = #"{"expression": {"alarm": "payload.temp > 90"}}"#,
        temp: Double = 95, interval: String = "100ms", extraPoints: String = "", data: String = #"{"temp": "payload.temp"}"#,
        timeoutSeconds: Double = 2, actionExtra: String = ""
    ) throws -> String {
        let fallbackMember = (fallback.map { #", "fallback": \#($0)"# } ?? "") + actionExtra
        _ = try dir.write(
            "app.json",
            """
            {"appId": "boiler",
             "channels": [{"channelId": "in"}, {"channelId": "verdict"}],
             "eventSources": [{"id": "boiler", "type": "device", "source": "boiler", "channelId": "in"}],
             "actions": [
               {"actionId": "judge", "channelId": "in", "type": "ai",
                "config": {"prompt": "Should the boiler alarm sound? Answer {\\"alarm\\": true or false}.",
                           "data": \(data), "timeoutSeconds": \(timeoutSeconds),
                           "schema": {"type": "object", "properties": {"alarm": {"type": "boolean"}, "reason": {"type": "string"}}, "required": ["alarm"]}\(fallbackMember)},
                "output": {"channelId": "verdict"}},
               {"actionId": "alarm", "channelId": "verdict", "type": "gpio-write", "condition": "payload.output.alarm == true",
                "config": {"output": "alarm", "value": 1}},
               {"actionId": "quiet", "channelId": "verdict", "type": "gpio-write", "condition": "payload.output.alarm == false",
                "config": {"output": "alarm", "value": 0}}
             ]}
            """)
        return try dir.write(
            "config.yaml",
            """
            agent: {data_dir: \(dir.path)/data, log_level: notice}
            boards_dir: \(EdgeflowBinary.root)/boards
            board: sim
            sources:
              - id: boiler
                type: simulated
                interval: \(interval)
                points: [{name: temp, waveform: constant, value: \(temp)}\(extraPoints)]
            outputs:
              - {id: alarm, type: gpio, line: GPIO27, safe_value: 0}
            apps: [app.json]
            ai:
              endpoints:
                - name: judge-ai
                  url: \(endpoint)
                  model: test-model
            \(endpointExtra)
            """)
    }

    /// The audit records the agent wrote under `dir/data`.
    static func audit(_ dir: TemporaryDirectory) -> [[String: Any]] {
        readTextFile("\(dir.path)/data/ai-audit.jsonl").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}
