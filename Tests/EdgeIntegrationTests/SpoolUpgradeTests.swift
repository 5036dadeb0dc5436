import EdgeTestSupport
import EdgeUplink
import Foundation
import Testing

/// A gateway updated with records still waiting: the spool holds frames as JSON text, as every
/// build before typed frame records wrote them, and the new agent delivers them, in order and
/// before its own typed records, which follow with the names of the running config.
struct SpoolUpgradeTests {
    /// Records exactly as the earlier build's `RecordEncoding` spooled them (JSON members).
    static let earlierRecords = [
        #""kind":"frame","source":"tank","ts":1767225600000,"points":{"level":12.5}"#,
        #""kind":"frame","source":"tank","ts":1767225601000,"points":{},"quality":{"level":"timeout"}"#,
        #""kind":"message","source":"tank","ts":1767225601500,"category":"alarms","payload":{"high":true}"#,
        #""kind":"frame","source":"old-pump","ts":1767225602000,"points":{"rpm":1450}"#,
    ]

    @Test func aSpoolWrittenAsJSONTextIsDeliveredAfterTheUpgradeThenTypedRecordsFollow() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-upgrade")
        do {
            let spool = try Spool(directory: "\(dir.path)/data/spool")
            for record in Self.earlierRecords { _ = try spool.append(Array(record.utf8)) }
            try spool.sync()
        }
        let sink = try await UplinkTests.Sink(in: dir)
        let config = try dir.write(
            "config.yaml",
            """
            agent: {name: upgraded, data_dir: \(dir.path)/data, view: log}
            boards_dir: \(EdgeflowBinary.root)/boards
            board: sim
            sources:
              - id: tank
                type: simulated
                interval: 100ms
                points: [{name: level, waveform: constant, value: 42}]
            uplink: {transport: http, url: "http://127.0.0.1:\(sink.port)/ingest", batch_interval: 200ms}
            """)
        let agent = try PeerProcess.start(EdgeflowBinary.path, ["run", "--config", config], log: dir.file("agent.log"))
        defer { agent.terminate() }
        var entries: [[String: Any]] = []
        let delivered = try await eventually(timeout: .seconds(20)) {
            entries = ((try? sink.requests()) ?? []).filter { $0.status == 200 }.flatMap {
                $0.body as? [[String: Any]] ?? []
            }
            return entries.count >= Self.earlierRecords.count + 3
        }
        #expect(delivered, "\(agent.output())")
        // Harvest entries of the earlier records, as the earlier build would have sent them.
        let first = entries.prefix(4).map { entry in
            "\(entry["timestamp"] ?? "-") \(entry["source"] ?? "-") \(entry["level"] ?? entry["rpm"] ?? entry["high"] ?? "-")"
                + ((entry["quality"] as? [String: String]).map { " \($0)" } ?? "")
        }
        #expect(
            first == [
                "1767225600000 tank 12.5", "1767225601000 tank - [\"level\": \"timeout\"]", "1767225601500 tank 1",
                "1767225602000 old-pump 1450",
            ])
        // Then the new agent's own typed frames, named by the running config.
        let fresh = entries.dropFirst(4)
        #expect(fresh.allSatisfy { $0["source"] as? String == "tank" && ($0["level"] as? Double) == 42 }, "\(fresh)")
    }
}
