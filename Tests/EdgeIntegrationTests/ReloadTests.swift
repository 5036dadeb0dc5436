import EdgeTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// docs/status.md "Reload": `edgeflow reload` and SIGHUP while a Modbus device is polled every
/// 20 ms. What the pymodbus server answered (its own request log) is compared with what the
/// agent recorded: every poll becomes exactly one record across three configs and a refused one.
struct ReloadTests {
    @Test func reloadsUnderLoadLoseAndDuplicateNothingAndABrokenConfigKeepsTheOldOne() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-reload")
        let (server, port) = try await StatusProbe.holdingRegisterPeer(dir, value: 70)
        defer { server.stop() }
        _ = try dir.write(
            "app.json",
            """
            {"appId": "heat", "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "boiler", "type": "device", "source": "boiler", "channelId": "in"}],
             "actions": [{"actionId": "lamp", "channelId": "in", "type": "gpio-write", "condition": "payload.temp > 50",
                          "config": {"output": "lamp", "value": 1}}]}
            """)
        func config(poll: String, extra: String = "", agent: String = "") -> String {
            StatusProbe.boilerYAML(
                dir, port: port, agent: ", view: live, log_level: notice\(agent)", device: ", poll: \(poll)",
                rest: """
                    \(extra)outputs:
                      - {id: lamp, type: gpio, line: GPIO27, safe_value: 0}
                    apps: [app.json]
                    """)
        }
        let file = try dir.write("config.yaml", config(poll: "20ms"))
        let agent = try PeerProcess.start(EdgeflowBinary.path, ["run", "--config", file], log: dir.file("agent.log"))
        defer { agent.terminate() }
        let socket = "\(dir.path)/data/edgeflow.sock"
        try await agent.waitForFile(socket)
        let records = dir.path + "/data/records.jsonl"
        func recordCount() -> Int { readTextFile(records).split(separator: "\n").count }
        func generation() -> Int { ((try? StatusProbe.status(socket: socket))?["generation"] as? Int) ?? 0 }
        try await agent.waitForOutput(containing: "output lamp (GPIO27) = 1")
        #expect(await eventually { recordCount() >= 20 })

        // A valid change, through the status socket.
        _ = try dir.write("config.yaml", config(poll: "30ms"))
        let applied = try EdgeflowBinary.run(["reload", "--config", file])
        #expect(applied.status == 0 && applied.stdout.contains("reloaded"), "\(applied.stdout) \(applied.stderr)")
        #expect(generation() == 2)

        // A broken config is refused with its location; the running one carries on.
        _ = try dir.write("config.yaml", config(poll: "30ms", extra: "bogus: 1\n"))
        let refused = try EdgeflowBinary.run(["reload", "--socket", socket])
        #expect(refused.status == 1, "\(refused.stdout) \(refused.stderr)")
        #expect(refused.stderr.contains("config.yaml:7:1"), "the problem with file:line:col: \(refused.stderr)")
        #expect(generation() == 2)
        // A setting that belongs to the process is refused by name.
        _ = try dir.write("config.yaml", config(poll: "30ms", agent: ", ring: {capacity: 1024}"))
        let restartOnly = try EdgeflowBinary.run(["reload", "--socket", socket])
        #expect(restartOnly.status == 1 && restartOnly.stderr.contains("agent.ring.capacity"), "\(restartOnly.stderr)")
        #expect(generation() == 2)
        let before = recordCount()
        #expect(await eventually { recordCount() >= before + 10 }, "data keeps flowing under the old config")

        // SIGHUP (systemctl reload) reloads instead of killing the agent.
        _ = try dir.write("config.yaml", config(poll: "20ms"))
        kill(agent.pid, SIGHUP)
        #expect(await eventually { generation() == 3 }, "\(agent.output())")
        #expect(agent.isRunning)
        let status = try StatusProbe.status(socket: socket)
        let violations = try StatusSchema.load().violations(status)
        #expect(violations == [], "\(violations)")
        #expect((status["lastReload"] as? [String: Any])?["applied"] as? Bool == true)
        let after = recordCount()
        #expect(await eventually { recordCount() >= after + 20 })

        // An output the new config no longer has goes to its safe value at the swap.
        _ = try dir.write(
            "config.yaml",
            StatusProbe.boilerYAML(dir, port: port, agent: ", view: live, log_level: notice", device: ", poll: 20ms"))
        let removed = try EdgeflowBinary.run(["reload", "--socket", socket])
        #expect(removed.status == 0, "\(removed.stdout) \(removed.stderr)")
        func safeLines() -> Int {
            agent.output().split(separator: "\n").filter { $0 == "output lamp (GPIO27) = 0" }.count
        }
        #expect(await eventually { safeLines() == 2 }, "\(agent.output())")
        let last = recordCount()
        #expect(await eventually { recordCount() >= last + 10 })

        kill(agent.pid, SIGTERM)
        #expect(await agent.waitForExit(timeout: .seconds(20)) == 0, "\(agent.output())")

        // Every poll the server answered is one record, in one unbroken sequence.
        let polls = server.requests().filter { $0.unit == 1 && $0.function == 3 }.count
        let lines = readTextFile(records).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let frames = lines.filter { $0["kind"] as? String == "frame" && $0["source"] as? String == "boiler" }
        #expect(frames.count == polls, "\(frames.count) records for \(polls) polls answered")
        let sequences = lines.compactMap { $0["seq"] as? Int }
        #expect(sequences == Array(1...max(sequences.count, 1)), "sequence numbers run 1...n without gaps or repeats")
        // The lamp was kept at 1 across the first reloads: safe only at start and when removed.
        #expect(safeLines() == 2, "the removed output is not driven again at the final stop")
    }
}
