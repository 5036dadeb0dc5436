import EdgeTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A worn SD card under the agent: every fsync takes 500 ms (an LD_PRELOAD shim around the
/// shipped binary). The flows must not feel it: a webhook run on every reading of a 20 ms
/// source reaches the HTTP peer on time, while frames and acknowledgements still go through the
/// fsync'd spool, and nothing recorded is lost.
@Suite(.serialized) struct SlowDiskTests {
    static let fsyncDelayMilliseconds = 500

    /// Builds the shim from peers/slow_fsync.c into `dir`.
    static func buildShim(in dir: TemporaryDirectory) async throws -> String {
        let cc = try requireExecutable("cc", install: "apt-get install gcc")
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "peers/slow_fsync.c"
        ).path
        let library = dir.file("slow_fsync.so")
        let build = try await runToCompletion(cc, ["-shared", "-fPIC", "-O2", "-o", library, source, "-ldl"], in: dir)
        guard build.status == 0 else { throw PeerError("cc failed: \(build.output)") }
        return library
    }

    func config(_ dir: TemporaryDirectory, hookPort: Int, sinkPort: Int) throws -> String {
        _ = try dir.write(
            "app.json",
            """
            {"appId": "lag",
             "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "fast", "type": "device", "source": "fast", "channelId": "in"}],
             "actions": [
               {"actionId": "stamp", "channelId": "in", "type": "webhook",
                "config": {"url": "http://127.0.0.1:\(hookPort)/stamp",
                           "body": {"contentType": "text/plain", "content": "${context.timestamp}"}}}
             ]}
            """)
        return try dir.write(
            "config.yaml",
            """
            agent: {name: slow-disk, data_dir: \(dir.path)/data, view: log, log_level: info}
            boards_dir: \(EdgeflowBinary.root)/boards
            board: sim
            sources:
              - id: fast
                type: simulated
                interval: 20ms
                points: [{name: level, waveform: ramp, min: 0, max: 1000, period: 1h}]
            apps: [app.json]
            uplink:
              transport: http
              url: http://127.0.0.1:\(sinkPort)/ingest
              batch_interval: 1s
              batch_records: 100
              sync_interval: 100ms
            """)
    }

    @Test func flowActionsRunOnTimeAndNothingIsLostWhenEveryFsyncTakesHalfASecond() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-slow-disk")
        let shim = try await Self.buildShim(in: dir)
        let stamps = dir.file("stamps.jsonl")
        let hook = try HTTPPeer(output: stamps)
        let sink = try await UplinkTests.Sink(in: dir)
        let config = try config(dir, hookPort: hook.port, sinkPort: sink.port)
        let agent = try PeerProcess.start(
            EdgeflowBinary.path, ["run", "--config", config], log: dir.file("agent.log"),
            environment: ["LD_PRELOAD": shim, "EDGEFLOW_TEST_FSYNC_DELAY_MS": "\(Self.fsyncDelayMilliseconds)"])
        defer { agent.terminate() }
        let socket = "\(dir.path)/data/edgeflow.sock"
        try await agent.waitForFile(socket, timeout: .seconds(20))
        // 30 s of readings, watched through the status socket until the slow fsyncs show there
        // (proof that the shim is in force) and the time is up.
        let started = ContinuousClock.now
        var status: [String: Any] = [:]
        while ContinuousClock.now - started < .seconds(30) {
            try await Task.sleep(for: .milliseconds(500))
            status = (try? StatusProbe.status(socket: socket)) ?? status
        }
        let recorder = try #require(status["recorder"] as? [String: Any], "\(status)")
        let handoff = try #require(recorder["handoff"] as? [String: Any])
        #expect(
            (recorder["maxSyncMs"] as? Double ?? 0) >= Double(Self.fsyncDelayMilliseconds) * 0.9,
            "the fsyncs were not slowed: \(recorder)")
        #expect(handoff["dropped"] as? Int == 0, "the hand-off absorbed the slow fsyncs: \(recorder)")
        kill(agent.pid, SIGTERM)
        let exit = await agent.waitForExit(timeout: .seconds(30))
        #expect(exit == 0, "\(agent.output())")
        let log = agent.output()
        let frames = try #require(Self.metadata("frames", in: log), "\(log)")
        let lastRecord = try #require(Self.metadata("last_record", in: log), "\(log)")

        // Nothing lost: every frame was recorded (one spool record each) and fired its webhook.
        #expect(frames >= 30 * 1000 / 20 / 2, "a 20 ms source for 30 s, even on a loaded machine")
        #expect(lastRecord == frames, "every frame is in the spool")
        let lines = try String(contentsOfFile: stamps, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == frames, "one webhook per reading")

        // Reading-to-action lag: the reading's time (context.timestamp, ms) to the webhook's
        // arrival at the peer. The pipeline never waits for a fsync, so the lag stays far below
        // one fsync; a pipeline that waited for them would lag by the fsync's length on every
        // sync interval (5 readings in 100).
        var lags: [Double] = []
        for line in lines {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let received = object["receivedNs"] as? Int64,
                let body = object["body"] as? String, let readingMs = Double(body)
            else {
                Issue.record("unreadable stamp: \(line)")
                continue
            }
            lags.append(Double(received) / 1e6 - readingMs)
        }
        lags.sort()
        let p50 = lags.isEmpty ? 0 : lags[lags.count / 2]
        let p99 = lags.isEmpty ? 0 : lags[min(lags.count - 1, lags.count * 99 / 100)]
        print(
            "slow disk (fsync \(Self.fsyncDelayMilliseconds) ms): \(lags.count) actions, lag p50 \(p50) ms, p99 \(p99) ms"
        )
        #expect(p99 < Double(Self.fsyncDelayMilliseconds) / 2, "lag p50 \(p50) ms, p99 \(p99) ms")
    }

    /// `key=N` from the agent's stop line.
    static func metadata(_ key: String, in log: String) -> Int? {
        guard let line = log.split(separator: "\n").last(where: { $0.contains("edgeflow stopped") }),
            let range = line.range(of: "\(key)=")
        else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }
}
