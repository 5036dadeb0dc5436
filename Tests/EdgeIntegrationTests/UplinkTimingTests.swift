import EdgeCore
import EdgeTestSupport
import EdgeUplink
import Foundation
import Logging
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// When batches leave (docs/uplink.md, "Batching and timing"), measured end to end: `edgeflow
/// run` with a simulated source, and the ingest endpoint's own arrival time of each request
/// against the frame's reading time inside it. Both clocks are this machine's wall clock.
struct UplinkTimingTests {
    /// Runs the agent (a `tank` reading every `interval`, HTTP to a fresh endpoint) until the
    /// endpoint acknowledged `requests` requests, stops it, and returns what arrived.
    func deliveries(interval: String, batchInterval: String, requests: Int) async throws -> [(
        arrived: Double, stamps: [Int]
    )] {
        let dir = try TemporaryDirectory(prefix: "edgeflow-batch-timing")
        let sink = try await UplinkTests.Sink(in: dir)
        let path = try StatusProbe.tankConfig(
            dir, interval: interval, agent: ", view: log, log_level: info",
            rest: """
                uplink: {transport: http, url: "http://127.0.0.1:\(sink.port)/ingest", batch_interval: \(batchInterval), batch_records: 100}
                """)
        let agent = try PeerProcess.start(EdgeflowBinary.path, ["run", "--config", path], log: dir.file("agent.log"))
        defer { agent.terminate() }
        let enough = await eventually(timeout: .seconds(30)) { arrivals(sink).count >= requests }
        #expect(enough, "\(agent.output())")
        kill(agent.pid, SIGTERM)
        _ = await agent.waitForExit(timeout: .seconds(15))
        return arrivals(sink)
    }

    /// Acknowledged requests: arrival (ms since the epoch, at the endpoint) and the readings'
    /// timestamps (ms) of the Harvest entries inside.
    func arrivals(_ sink: UplinkTests.Sink) -> [(arrived: Double, stamps: [Int])] {
        readTextFile(sink.log).split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                object["status"] as? Int == 200, let arrived = object["arrived"] as? Double,
                let entries = object["body"] as? [[String: Any]]
            else { return nil }
            return (arrived * 1000, entries.compactMap { $0["timestamp"] as? Int })
        }
    }

    func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
    }

    /// A reading every 1.3 s and a 1 s window: each batch holds one frame and leaves 1 s after
    /// it. Before, an idle uplink looked at the spool once a second and opened the window only
    /// then, so a batch left 1 to 2 s after its frame; five batches all under 1.3 s would have
    /// happened by chance with a probability of about 0.3^5.
    @Test func aBatchLeavesBatchIntervalAfterItsFirstRecordNotAfterAPoll() async throws {
        let delivered = try await deliveries(interval: "1300ms", batchInterval: "1s", requests: 6)
        // The first batch may hold the frame read while the agent started; the rest are steady.
        let batches = Array(delivered.dropFirst().prefix(5))
        let delays = batches.compactMap { batch in batch.stamps.first.map { batch.arrived - Double($0) } }
        print("batch_interval 1s: first reading to arrival (ms):", delays.map { Int($0.rounded()) })
        #expect(delays.count == 5 && batches.allSatisfy { $0.stamps.count == 1 }, "\(batches)")
        #expect(delays.allSatisfy { $0 >= 990 }, "a batch waits its interval: \(delays)")
        #expect(delays.allSatisfy { $0 < 1300 }, "no poll delay on top of the interval: \(delays)")
        #expect(percentile(delays, 0.5) < 1100, "median within 1.0-1.1 s: \(delays)")
    }

    /// `batch_interval: 0`: each frame goes as soon as it is spooled, one request per frame (a
    /// reading every 100 ms and a loopback endpoint that answers in a few ms leave nothing to
    /// batch). Before, the uplink would have found it at its next one-second look.
    @Test func batchIntervalZeroSendsEachFrameAsSoonAsItIsRead() async throws {
        let delivered = try await deliveries(interval: "100ms", batchInterval: "0", requests: 41)
        let batches = Array(delivered.dropFirst().prefix(40))
        let delays = batches.flatMap { batch in batch.stamps.map { batch.arrived - Double($0) } }
        let p50 = percentile(delays, 0.5)
        let p90 = percentile(delays, 0.9)
        print(
            "batch_interval 0: reading to arrival (ms): p50 \(Int(p50.rounded())), p90 \(Int(p90.rounded())),",
            "max \(Int((delays.max() ?? 0).rounded())), \(delays.count) frames in \(batches.count) requests")
        let single = batches.filter { $0.stamps.count == 1 }.count
        #expect(single >= 36, "one frame per request, bar a few under load: \(batches.map(\.stamps.count))")
        #expect(p50 < 50, "as soon as read: \(delays.map { Int($0) })")
        #expect(p90 < 500, "never a poll interval: \(delays.map { Int($0) })")
    }
}
