import EdgeTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The uplink side of docs/status.md: a reload that changes the uplink, and an endpoint outage
/// seen by `status --check`, with the ingest endpoint's own log as the count of what arrived.
struct UplinkStatusTests {
    private func config(_ dir: TemporaryDirectory, port: UInt16, interval: String, batch: Int) throws -> String {
        try StatusProbe.tankConfig(
            dir, interval: interval, agent: ", view: live, status: {uplink_ack_max_age: 1s}",
            rest: """
                outputs:
                  - {id: lamp, type: gpio, line: GPIO27, safe_value: 0}
                apps: [app.json]
                uplink: {transport: http, url: "http://127.0.0.1:\(port)/ingest", encoder: json, batch_interval: 100ms, batch_records: \(batch)}
                """)
    }

    /// Sequence numbers the endpoint acknowledged, with how often each arrived.
    private func delivered(_ sink: UplinkTests.Sink) throws -> [Int: Int] {
        var seen: [Int: Int] = [:]
        for request in try sink.requests() where request.status == 200 {
            let records = (request.body as? [String: Any])?["records"] as? [[String: Any]] ?? []
            for record in records { if let seq = record["seq"] as? Int { seen[seq, default: 0] += 1 } }
        }
        return seen
    }

    private func acknowledged(_ socket: String) -> Int {
        ((try? StatusProbe.status(socket: socket))?["uplink"] as? [String: Any])?["acknowledgedRecords"] as? Int ?? 0
    }

    private func lastRecord(_ log: String) -> Int? {
        guard let range = log.range(of: "last_record=", options: .backwards) else { return nil }
        return Int(log[range.upperBound...].prefix { $0.isNumber })
    }

    @Test func aReloadThatChangesTheUplinkDeliversEveryRecordExactlyOnce() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-reload-uplink")
        try StatusProbe.writeLampApp(dir)
        let sink = try await UplinkTests.Sink(in: dir)
        let port = UInt16(sink.port)
        let file = try config(dir, port: port, interval: "20ms", batch: 20)
        let agent = try PeerProcess.start(EdgeflowBinary.path, ["run", "--config", file], log: dir.file("agent.log"))
        defer { agent.terminate() }
        let socket = "\(dir.path)/data/edgeflow.sock"
        try await agent.waitForFile(socket)
        #expect(await eventually { acknowledged(socket) >= 20 }, "\(agent.output())")

        _ = try config(dir, port: port, interval: "20ms", batch: 7)
        let swapped = try EdgeflowBinary.run(["reload", "--socket", socket])
        #expect(
            swapped.status == 0 && swapped.stdout.contains("uplink restarted"), "\(swapped.stdout) \(swapped.stderr)")
        _ = try config(dir, port: port, interval: "30ms", batch: 7)
        let kept = try EdgeflowBinary.run(["reload", "--socket", socket])
        #expect(kept.status == 0 && !kept.stdout.contains("uplink restarted"), "\(kept.stdout) \(kept.stderr)")
        let before = acknowledged(socket)
        #expect(await eventually { acknowledged(socket) >= before + 20 }, "the new uplink delivers")

        kill(agent.pid, SIGTERM)
        #expect(await agent.waitForExit(timeout: .seconds(20)) == 0, "\(agent.output())")
        let recorded = try #require(lastRecord(agent.output()), "\(agent.output())")
        let seen = try delivered(sink)
        #expect((1...recorded).filter { seen[$0] == nil }.isEmpty, "every record reached the endpoint")
        #expect(seen.filter { $0.value > 1 }.isEmpty, "none twice: \(seen.filter { $0.value > 1 }.keys.sorted())")
        #expect(seen.keys.max() == recorded)
    }

    @Test func anEndpointOutageMakesCheckFailAndSIGTERMKeepsTheSpoolAndDrivesOutputsSafe() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-outage-check")
        try StatusProbe.writeLampApp(dir)
        let port = try freeTCPPort()
        var sink: UplinkTests.Sink? = try await UplinkTests.Sink(in: dir, port: port)
        let file = try config(dir, port: port, interval: "50ms", batch: 5)
        let agent = try PeerProcess.start(EdgeflowBinary.path, ["run", "--config", file], log: dir.file("agent.log"))
        defer { agent.terminate() }
        let socket = "\(dir.path)/data/edgeflow.sock"
        try await agent.waitForFile(socket)
        func check() throws -> EdgeflowBinary.Result {
            try EdgeflowBinary.run(["status", "--check", "--socket", socket])
        }
        #expect(try await eventually { try acknowledged(socket) > 0 && check().status == 0 }, "\(agent.output())")
        try await agent.waitForOutput(containing: "output lamp (GPIO27) = 1")

        sink = nil  // the endpoint goes away
        var last = try check()
        #expect(
            try await eventually(timeout: .seconds(10)) {
                last = try check()
                return last.status == 1
            }, "unhealthy once acknowledgements stop: \(last.stdout) \(last.stderr)")
        #expect(last.stderr.contains("uplink: last acknowledgement"), "\(last.stderr)")

        kill(agent.pid, SIGTERM)
        #expect(await agent.waitForExit(timeout: .seconds(20)) == 0, "\(agent.output())")
        let lampLines = agent.output().split(separator: "\n").filter { $0.hasPrefix("output lamp (GPIO27) = ") }
        #expect(lampLines.last == "output lamp (GPIO27) = 0", "the output ends at its safe value")
        let recorded = try #require(lastRecord(agent.output()), "\(agent.output())")
        let stats = try EdgeflowBinary.run(["spool", "stats", "--config", file, "--json"])
        let spool = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any]
        #expect(spool?["lastSequence"] as? Int == recorded, "\(stats.stdout) \(stats.stderr)")
        #expect((spool?["pendingRecords"] as? Int ?? 0) > 0, "what the outage held back is still in the spool")

        // Back with the endpoint: the spool drains, health returns, nothing is missing.
        let back = try await UplinkTests.Sink(in: dir, port: port)
        let again = try PeerProcess.start(EdgeflowBinary.path, ["run", "--config", file], log: dir.file("agent2.log"))
        defer { again.terminate() }
        try await again.waitForFile(socket)
        #expect(try await eventually(timeout: .seconds(15)) { (try check().status) == 0 }, "healthy after the outage")
        #expect(
            await eventually(timeout: .seconds(15)) {
                let seen = (try? delivered(back)) ?? [:]
                return (1...recorded).allSatisfy { seen[$0] != nil }
            }, "every record of the first run arrived after the outage")
        _ = sink
    }
}
