import EdgeCore
import EdgeTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The uplink end to end: `edgeflow run` with a simulated source, every frame spooled and
/// POSTed in batches to a Python ingest endpoint that can fail on cue. What the endpoint logged
/// is compared with what the agent says it recorded (`last_record` in its stop line).
struct UplinkTests {
    /// The ingest endpoint (`peers/uplink_sink.py`), answering per `script`, then 200.
    final class Sink {
        let process: PeerProcess
        let port: Int
        let log: String

        init(
            in dir: TemporaryDirectory, script: [String] = [], port fixed: UInt16? = nil,
            tls: (cert: String, key: String)? = nil
        ) async throws {
            let python = try requireExecutable("python3", install: "apt-get install python3")
            log = dir.file("ingest.jsonl")
            let scriptPath = try dir.write("script.txt", script.joined(separator: "\n") + "\n")
            let peer = #filePath.split(separator: "/").dropLast().joined(separator: "/")
            process = try PeerProcess.start(
                python, ["/" + peer + "/peers/uplink_sink.py", log, scriptPath], log: dir.file("sink.out"),
                environment: ["PYTHONUNBUFFERED": "1"].merging(fixed.map { ["SINK_PORT": "\($0)"] } ?? [:]) { $1 }
                    .merging(tls.map { ["SINK_CERT": $0.cert, "SINK_KEY": $0.key] } ?? [:]) { $1 })
            try await process.waitForOutput(containing: "PORT ")
            guard let line = process.output().split(separator: "\n").first(where: { $0.hasPrefix("PORT ") }),
                let port = Int(line.dropFirst(5))
            else { throw PeerError("uplink sink printed no port: \(process.output())") }
            self.port = port
        }

        deinit { process.terminate() }

        /// Every request so far: status, batch id and parsed body.
        func requests() throws -> [(status: Int, batch: String, body: Any)] {
            logged().map { ($0.status, $0.batch, $0.body) }
        }

        /// Every request so far with its (lower-cased) headers.
        func logged() -> [(status: Int, batch: String, headers: [String: String], body: Any)] {
            readTextFile(log).split(separator: "\n").compactMap { line in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    let status = object["status"] as? Int
                else { return nil }
                return (
                    status, object["batch"] as? String ?? "", object["headers"] as? [String: String] ?? [:],
                    object["body"] ?? NSNull()
                )
            }
        }
    }

    func config(_ dir: TemporaryDirectory, port: Int, extra: String = "") throws -> String {
        try dir.write(
            "config.yaml",
            """
            agent: {name: uplink-test, data_dir: \(dir.path)/data, view: log, log_level: info}
            boards_dir: \(EdgeflowBinary.root)/boards
            board: sim
            sources:
              - id: tank
                type: simulated
                interval: 50ms
                points: [{name: level, waveform: ramp, min: 0, max: 1000, period: 1h}]
            uplink:
              transport: http
              url: http://127.0.0.1:\(port)/ingest
              batch_interval: 300ms
              batch_records: 5
            \(extra)
            """)
    }

    /// A simulated tank uplinked over MQTT to `broker`; `extra` holds more `uplink:` keys.
    func mqttConfig(_ dir: TemporaryDirectory, broker: MosquittoBroker, gateway: String, extra: String) throws -> String {
        try dir.write(
            "config.yaml",
            """
            agent: {name: \(gateway), data_dir: \(dir.path)/data, view: log, log_level: info}
            boards_dir: \(EdgeflowBinary.root)/boards
            board: sim
            sources:
              - id: tank
                type: simulated
                interval: 50ms
                points: [{name: level, waveform: constant, value: 42}]
            uplink:
              transport: mqtt
              url: mqtt://127.0.0.1:\(broker.port)
            \(extra)
            """)
    }

    /// `last_record=N` from the agent's stop line.
    func lastRecord(_ stderr: String) -> Int? {
        guard let range = stderr.range(of: "last_record=") else { return nil }
        return Int(stderr[range.upperBound...].prefix { $0.isNumber })
    }

    /// Harvest entries of the acknowledged requests, in arrival order.
    func deliveredEntries(_ sink: Sink) throws -> [[String: Any]] {
        try sink.requests().filter { (200..<300).contains($0.status) }.flatMap { $0.body as? [[String: Any]] ?? [] }
    }

    @Test func everyFrameArrivesOnceInHarvestBatches() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-uplink")
        let sink = try await Sink(in: dir)
        let run = try EdgeflowBinary.run(["run", "--config", try config(dir, port: sink.port)], timeout: 2.5)
        #expect(run.status == 0, "\(run.stderr)")
        let recorded = try #require(lastRecord(run.stderr), "\(run.stderr)")
        #expect(recorded >= 20, "frames every 50 ms for 2.5 s")
        let entries = try deliveredEntries(sink)
        #expect(entries.count == recorded, "every recorded frame delivered exactly once")
        let stamps = entries.compactMap { $0["timestamp"] as? Int }
        #expect(stamps.count == entries.count)
        #expect(stamps == stamps.sorted() && Set(stamps).count == stamps.count, "in order, no duplicates")
        #expect(entries.allSatisfy { $0["source"] as? String == "tank" && $0["level"] is NSNumber })
        #expect(try sink.requests().allSatisfy { (($0.body as? [Any])?.count ?? 0) <= 5 }, "batch_records caps a batch")
    }

    @Test func failedDeliveriesAreRetriedWithTheSameBatchAndNothingIsLost() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-uplink-retry")
        let sink = try await Sink(in: dir, script: ["500", "503", "429 1"])
        let run = try EdgeflowBinary.run(["run", "--config", try config(dir, port: sink.port)], timeout: 4)
        #expect(run.status == 0, "\(run.stderr)")
        let recorded = try #require(lastRecord(run.stderr), "\(run.stderr)")
        let requests = try sink.requests()
        #expect(requests.prefix(3).map(\.status) == [500, 503, 429])
        // The refused batch is sent again, unchanged, until it is taken.
        #expect(Set(requests.prefix(4).map(\.batch)).count == 1, "\(requests.prefix(4).map(\.batch))")
        let entries = try deliveredEntries(sink)
        #expect(entries.count == recorded, "nothing lost and nothing doubled across the failures")
        #expect(run.stderr.contains("uplink: delivery failed; records stay in the spool"))
    }

    @Test func aBatchTheEndpointRefusesForGoodBecomesADeadLetter() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-uplink-dead")
        let sink = try await Sink(in: dir, script: ["400"])
        let run = try EdgeflowBinary.run(["run", "--config", try config(dir, port: sink.port)], timeout: 2.5)
        #expect(run.status == 0, "\(run.stderr)")
        let recorded = try #require(lastRecord(run.stderr))
        let refused = try #require(try sink.requests().first)
        #expect(refused.status == 400)
        let deadLetter = "\(dir.path)/data/dead-letters/\(refused.batch).json"
        #expect(fileExists(deadLetter), "the refused batch is kept: \(deadLetter)")
        let kept = try JSONSerialization.jsonObject(with: Data(readTextFile(deadLetter).utf8)) as? [Any]
        let entries = try deliveredEntries(sink)
        #expect(entries.count + (kept?.count ?? 0) == recorded, "later batches are not blocked behind it")
    }

    /// `kill -9` at arbitrary moments: every record reaches the endpoint at least once, and a
    /// restart resends at most the batch that was in flight.
    @Test func killNineLosesNoRecord() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-uplink-kill")
        let sink = try await Sink(in: dir)
        let path = try config(dir, port: sink.port)
        let text = try String(contentsOfFile: path, encoding: .utf8) + "  encoder: json\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        for round in 0..<3 {
            let agent = try PeerProcess.start(EdgeflowBinary.path, ["run", "--config", path], log: dir.file("agent\(round).log"))
            let before = try sink.requests().count
            let grew = await eventually(timeout: .seconds(10), interval: .milliseconds(20)) {
                ((try? sink.requests().count) ?? 0) >= before + 2 + round
            }
            #expect(grew, "the agent delivered batches in round \(round)")
            kill(agent.pid, SIGKILL)
            _ = await agent.waitForExit(timeout: .seconds(5))
        }
        let last = try EdgeflowBinary.run(["run", "--config", path], timeout: 2)
        #expect(last.status == 0, "\(last.stderr)")
        let recorded = try #require(lastRecord(last.stderr), "\(last.stderr)")
        var seen: [Int: Int] = [:]
        for request in try sink.requests() where request.status == 200 {
            let records = (request.body as? [String: Any])?["records"] as? [[String: Any]] ?? []
            for record in records { if let seq = record["seq"] as? Int { seen[seq, default: 0] += 1 } }
        }
        let missing = (1...recorded).filter { seen[$0] == nil }
        #expect(missing.isEmpty, "records never delivered: \(missing.prefix(20))")
        let doubled = seen.values.filter { $0 > 1 }.count
        #expect(doubled <= 3 * 5, "duplicates stay within one batch per kill (\(doubled))")
    }

    /// docs/safety.md S10: with the hourly request allowance used up, batches wait in the spool
    /// (counted and logged) instead of being sent or dropped.
    @Test func anExhaustedHourlyAllowanceKeepsRecordsInTheSpool() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-uplink-budget")
        let sink = try await Sink(in: dir)
        let path = try config(dir, port: sink.port, extra: "  budget: {requests_per_hour: 2}")
        let run = try EdgeflowBinary.run(["run", "--config", path], timeout: 2.5)
        #expect(run.status == 0, "\(run.stderr)")
        let recorded = try #require(lastRecord(run.stderr))
        #expect(try sink.requests().count == 2, "two requests in the hour, then none")
        #expect(try deliveredEntries(sink).count == 10, "two batches of batch_records 5")
        #expect(recorded > 10, "the rest stays in the spool")
        #expect(run.stderr.contains("uplink: hourly traffic allowance used up; records wait in the spool"))
        #expect(run.stderr.contains("budget_waits="))
    }

    /// The field tools on a spool the endpoint never took: stats, inspect, uplink test, drain,
    /// and replay of a dead letter; and the refusal to open a spool the running agent owns.
    @Test func spoolAndUplinkCommandsWorkOnAStoppedAgentsSpool() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-spool-cli")
        let silent = try SilentTCPListener()
        let path = try config(dir, port: Int(silent.port), extra: "  timeout: 1s")
        let run = try EdgeflowBinary.run(["run", "--config", path], timeout: 1.5)
        #expect(run.status == 0, "\(run.stderr)")
        let recorded = try #require(lastRecord(run.stderr))

        let stats = try EdgeflowBinary.run(["spool", "stats", "--config", path, "--json"])
        #expect(stats.status == 0, "\(stats.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any])
        #expect(object["pendingRecords"] as? Int == recorded, "nothing was delivered")
        #expect(object["lastSequence"] as? Int == recorded)
        #expect(object["ackedSequence"] as? Int == 0)

        let inspect = try EdgeflowBinary.run(["spool", "inspect", "--config", path, "--last", "3"])
        let lines = inspect.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.last?.hasPrefix("{\"seq\":\(recorded),\"kind\":\"frame\",\"source\":\"tank\"") == true, "\(inspect.stdout)")

        // The endpoint comes back: the probe says so, then the backlog is drained to a file.
        let sink = try await Sink(in: dir, script: ["400"])
        let live = try config(dir, port: sink.port)
        let probe = try EdgeflowBinary.run(["uplink", "test", "--config", live])
        #expect(probe.status == 1, "the scripted 400 is reported as not accepted")
        #expect(probe.stdout.contains("HTTP 400"))
        let second = try EdgeflowBinary.run(["uplink", "test", "--config", live, "--json"])
        #expect(second.status == 0, "\(second.stdout)")
        #expect(second.stdout.contains("\"status\":200"))
        let drained = dir.file("backlog.jsonl")
        let drain = try EdgeflowBinary.run(["spool", "drain", "--config", live, "--to", drained])
        #expect(drain.status == 0, "\(drain.stderr)")
        #expect(readTextFile(drained).split(separator: "\n").count == recorded)
        let after = try EdgeflowBinary.run(["spool", "stats", "--config", live, "--json"])
        #expect(after.stdout.contains("\"pendingRecords\":0"))

        // While the agent runs, the spool is its own.
        let agent = try PeerProcess.start(EdgeflowBinary.path, ["run", "--config", live], log: dir.file("agent.log"))
        defer { agent.terminate() }
        try await agent.waitForOutput(containing: "edgeflow running", timeout: .seconds(10))
        let busy = try EdgeflowBinary.run(["spool", "stats", "--config", live])
        #expect(busy.status == 1)
        #expect(busy.stderr.contains("the agent is running"), "\(busy.stderr)")
    }

    /// Headers from the config and secrets from files reach the endpoint on every batch, and
    /// the secret appears nowhere in what the agent prints.
    @Test func headersAndSecretHeaderFilesAreSentButNeverPrinted() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-uplink-headers")
        let sink = try await Sink(in: dir)
        _ = try dir.write("token", "Bearer s3cr3t-7f3a\n")
        let extra = "  headers: {X-Device: gw-17}\n  header_files: {Authorization: token}"
        let path = try config(dir, port: sink.port, extra: extra)
        let check = try EdgeflowBinary.run(["check", "--config", path])
        #expect(check.status == 0, "\(check.stderr)")
        let run = try EdgeflowBinary.run(["run", "--config", path], timeout: 1.5)
        #expect(run.status == 0, "\(run.stderr)")
        let requests = sink.logged()
        #expect(!requests.isEmpty)
        #expect(requests.allSatisfy { $0.headers["authorization"] == "Bearer s3cr3t-7f3a" && $0.headers["x-device"] == "gw-17" })
        for text in [check.stdout, check.stderr, run.stdout, run.stderr] { #expect(!text.contains("s3cr3t")) }

        let missing = try config(dir, port: sink.port, extra: "  header_files: {Authorization: nope}")
        let refused = try EdgeflowBinary.run(["check", "--config", missing])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("uplink.header_files.Authorization: cannot open"), "\(refused.stderr)")
    }

    /// `encoder: columnar-gzip` end to end: gzip on the wire (Content-Encoding), and every
    /// recorded frame's timestamp in the per-source series of exactly one acknowledged batch.
    @Test func columnarGzipBatchesCarryEveryFrame() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-uplink-columnar")
        let sink = try await Sink(in: dir)
        let path = try config(dir, port: sink.port, extra: "  encoder: columnar-gzip")
        let run = try EdgeflowBinary.run(["run", "--config", path], timeout: 2)
        #expect(run.status == 0, "\(run.stderr)")
        let recorded = try #require(lastRecord(run.stderr))
        let requests = sink.logged().filter { $0.status == 200 }
        #expect(!requests.isEmpty)
        #expect(requests.allSatisfy { $0.headers["content-encoding"] == "gzip" })
        #expect(requests.allSatisfy { $0.headers["content-type"] == "application/vnd.edgeflow.columnar+json" })
        var frames = 0
        for request in requests {
            let document = try #require(request.body as? [String: Any], "the sink could not gunzip and parse a body")
            #expect(document["v"] as? Int == 1)
            for source in document["sources"] as? [[String: Any]] ?? [] {
                #expect(source["source"] as? String == "tank")
                frames += (source["dt"] as? [Any])?.count ?? 0
            }
        }
        #expect(frames == recorded, "every recorded frame is in exactly one batch")
    }

    /// `transport: mqtt` through the agent to a real mosquitto: every recorded frame reaches a
    /// QoS 1 subscriber (json batches carry each record's sequence number), the retained status
    /// ends `offline` after the agent stops.
    @Test func mqttTransportDeliversEveryFrameThroughTheBroker() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-uplink-mqtt")
        let broker = try MosquittoBroker(in: dir)
        try await broker.start()
        let subscriber = try await MosquittoSubscriber(broker: broker, in: dir)
        let path = try mqttConfig(dir, broker: broker, gateway: "gw7", extra: """
              topic: edgeflow/site-a/${gateway}
              batch_interval: 300ms
              batch_records: 5
            """)
        let run = try EdgeflowBinary.run(["run", "--config", path], timeout: 2.5)
        #expect(run.status == 0, "\(run.stderr)")
        let recorded = try #require(lastRecord(run.stderr), "\(run.stderr)")
        #expect(run.stderr.contains("transport=mqtt"))
        #expect(run.stderr.contains("budget_waits=0"))
        var seen = Set<Int>()
        let arrived = await eventually(timeout: .seconds(10)) {
            seen = []
            for message in subscriber.messages() where message.topic == "edgeflow/site-a/gw7" {
                let body = try? JSONSerialization.jsonObject(with: Data(message.payload.utf8)) as? [String: Any]
                for record in body?["records"] as? [[String: Any]] ?? [] {
                    if let seq = record["seq"] as? Int { seen.insert(seq) }
                }
            }
            return seen.count >= recorded
        }
        #expect(arrived, "records 1...\(recorded) at the subscriber; got \(seen.count)")
        #expect(seen == Set(1...recorded))
        #expect(try await broker.retained("edgeflow/gw7/status") == "offline")
    }

    /// The endpoint is down for the first seconds of the run (connection refused), then comes
    /// up: everything recorded meanwhile is delivered once, nothing is lost.
    @Test func aLongEndpointOutageLosesNothing() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-uplink-outage")
        let port = try freeTCPPort()
        let path = try config(dir, port: Int(port))
        let agent = try PeerProcess.start(EdgeflowBinary.path, ["run", "--config", path], log: dir.file("agent.log"))
        defer { agent.terminate() }
        // Down long enough for four failed attempts with growing backoff between them (the next
        // one then comes within 16 s: full jitter below 2^4 s).
        try await agent.waitForOutput(containing: "retries=4", timeout: .seconds(30))
        let sink = try await Sink(in: dir, port: port)
        // The backlog goes out once the endpoint answers (backoff at most a few seconds here).
        let delivered = await eventually(timeout: .seconds(40)) { ((try? deliveredEntries(sink).count) ?? 0) >= 40 }
        #expect(delivered, "the backlog was delivered after the outage")
        kill(agent.pid, SIGTERM)
        let status = await agent.waitForExit(timeout: .seconds(15))
        #expect(status == 0, "\(agent.output())")
        let recorded = try #require(lastRecord(agent.output()), "\(agent.output())")
        let stamps = try deliveredEntries(sink).compactMap { $0["timestamp"] as? Int }
        #expect(stamps.count == recorded, "every record once: \(stamps.count) of \(recorded)")
        #expect(Set(stamps).count == stamps.count)
    }

    /// `kill -9` a hundred times at seeded random moments (during start-up, while recording,
    /// while a batch is in flight): after a final clean run every sequence number has reached
    /// the endpoint at least once, and duplicates stay within one batch per kill.
    @Test func aHundredKillNinesLoseNoRecord() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-uplink-kill100")
        let sink = try await Sink(in: dir)
        let path = try config(dir, port: sink.port, extra: "  encoder: json")
        var random = SeededRandom(seed: 0x6B11)
        for round in 0..<100 {
            let agent = try PeerProcess.start(EdgeflowBinary.path, ["run", "--config", path], log: dir.file("agent.log"))
            let delay = Int.random(in: 20...400, using: &random)
            try await Task.sleep(for: .milliseconds(delay))  // the kill's moment, not a synchronisation
            kill(agent.pid, SIGKILL)
            let gone = await agent.waitForExit(timeout: .seconds(5))
            #expect(gone != nil, "round \(round): the agent did not die")
        }
        let last = try EdgeflowBinary.run(["run", "--config", path], timeout: 2)
        #expect(last.status == 0, "\(last.stderr)")
        let recorded = try #require(lastRecord(last.stderr), "\(last.stderr)")
        var seen: [Int: Int] = [:]
        for request in try sink.requests() where request.status == 200 {
            let records = (request.body as? [String: Any])?["records"] as? [[String: Any]] ?? []
            for record in records { if let seq = record["seq"] as? Int { seen[seq, default: 0] += 1 } }
        }
        let missing = (1...recorded).filter { seen[$0] == nil }
        #expect(missing.isEmpty, "records never delivered: \(missing.prefix(20))")
        let doubled = seen.values.reduce(0) { $0 + max(0, $1 - 1) }
        #expect(doubled <= 100 * 5, "duplicates within one batch per kill (\(doubled))")
    }

    /// `record: flows`: frames stay local, only what `harvest` actions archive is uplinked.
    @Test func recordFlowsSendsOnlyHarvestedMessages() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-uplink-flows")
        let sink = try await Sink(in: dir)
        _ = try dir.write(
            "app.json",
            """
            {"appId": "keep", "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "tank", "type": "device", "source": "tank", "channelId": "in"}],
             "actions": [{"actionId": "archive", "channelId": "in", "type": "harvest", "condition": "payload.level >= 0",
                          "config": {"category": "kept"}}]}
            """)
        let path = try config(dir, port: sink.port, extra: "  record: flows\napps: [app.json]")
        let run = try EdgeflowBinary.run(["run", "--config", path], timeout: 2)
        #expect(run.status == 0, "\(run.stderr)")
        let recorded = try #require(lastRecord(run.stderr))
        let entries = try deliveredEntries(sink)
        #expect(recorded > 0 && entries.count == recorded)
        #expect(entries.allSatisfy { $0["category"] as? String == "kept" }, "no frame was uplinked, only harvests")
    }

    /// The SORACOM profiles fill in the endpoint; the dead-letter area keeps at most 100 batches.
    @Test func profilesAndTheBoundedDeadLetterArea() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-uplink-profile")
        let profile = try dir.write(
            "profile.yaml",
            """
            boards_dir: \(EdgeflowBinary.root)/boards
            board: sim
            uplink: {profile: soracom-harvest}
            """)
        let check = try EdgeflowBinary.run(["check", "--config", profile])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("uplink  http http://harvest.soracom.io"), "\(check.stdout)")

        let sink = try await Sink(in: dir, script: Array(repeating: "400", count: 105))
        let path = try config(dir, port: sink.port)
        let oneRecordBatches = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "batch_records: 5", with: "batch_records: 1")
        try oneRecordBatches.write(toFile: path, atomically: true, encoding: .utf8)
        let run = try EdgeflowBinary.run(["run", "--config", path], timeout: 7)
        #expect(run.status == 0, "\(run.stderr)")
        let refused = try sink.requests().filter { $0.status == 400 }.count
        #expect(refused > 100, "more batches refused (\(refused)) than the area keeps")
        let kept = Files.list("\(dir.path)/data/dead-letters").filter { $0.hasSuffix(".json") }
        #expect(kept.count == 100)
        #expect(run.stderr.contains("uplink: dead-letter area full; oldest refused batches deleted"))
    }

    /// docs/safety.md S10 for MQTT: with one message an hour allowed, one batch goes to the
    /// broker and the rest waits in the spool.
    @Test func mqttKeepsToTheHourlyAllowance() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-uplink-mqtt-budget")
        let broker = try MosquittoBroker(in: dir)
        try await broker.start()
        let subscriber = try await MosquittoSubscriber(broker: broker, in: dir)
        let path = try mqttConfig(dir, broker: broker, gateway: "gw8", extra: """
              batch_interval: 200ms
              batch_records: 5
              budget: {requests_per_hour: 1}
            """)
        let run = try EdgeflowBinary.run(["run", "--config", path], timeout: 2)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("mqtt uplink: hourly traffic allowance used up; records wait in the spool"))
        let one = await eventually(timeout: .seconds(5)) {
            subscriber.messages().filter { $0.topic == "edgeflow/gw8/data" }.count == 1
        }
        #expect(one, "\(subscriber.messages().map(\.topic))")
        // The spool's cursor stands at the last record of that one message; the rest waits.
        let message = try #require(subscriber.messages().first { $0.topic == "edgeflow/gw8/data" })
        let body = try JSONSerialization.jsonObject(with: Data(message.payload.utf8)) as? [String: Any]
        let sent = (body?["records"] as? [[String: Any]] ?? []).compactMap { $0["seq"] as? Int }
        let stats = try EdgeflowBinary.run(["spool", "stats", "--config", path, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any]
        #expect(object?["ackedSequence"] as? Int == sent.max(), "\(stats.stdout)")
        #expect((object?["pendingRecords"] as? Int ?? 0) > 0)
    }

    /// HTTPS verifies the endpoint: a certificate from a private CA is refused with the system's
    /// CAs (the records wait in the spool) and accepted with `ca_file`.
    @Test func httpsVerifiesTheEndpointAgainstTheGivenCA() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-uplink-tls")
        try await makeTestCertificates(in: dir)
        let sink = try await Sink(in: dir, tls: (dir.file("server.crt"), dir.file("server.key")))
        let https = { (extra: String) throws -> String in
            let path = try self.config(dir, port: sink.port, extra: extra)
            let text = try String(contentsOfFile: path, encoding: .utf8)
                .replacingOccurrences(of: "http://127.0.0.1", with: "https://127.0.0.1")
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let untrusted = try EdgeflowBinary.run(["run", "--config", try https("")], timeout: 1.5)
        #expect(untrusted.status == 0, "\(untrusted.stderr)")
        #expect(untrusted.stderr.contains("uplink: delivery failed"), "\(untrusted.stderr)")
        #expect(try sink.requests().isEmpty, "no batch crossed an unverified TLS connection")

        let trusted = try EdgeflowBinary.run(["run", "--config", try https("  ca_file: ca.crt")], timeout: 1.5)
        #expect(trusted.status == 0, "\(trusted.stderr)")
        let recorded = try #require(lastRecord(trusted.stderr))
        #expect(try deliveredEntries(sink).count == recorded, "the backlog and the new frames, all delivered")
    }
}
