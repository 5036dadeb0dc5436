import EdgeTestSupport
import Foundation
import Testing

/// docs/status.md "Metrics": the optional Prometheus endpoint, scraped with curl and parsed by
/// the Prometheus project's own Python parser (prometheus_client), not by edgeflow's code.
struct MetricsTests {
    @Test func metricsEndpointServesTextThePrometheusParserReads() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-metrics")
        let python = try requireExecutable("python3", install: "apt-get install python3")
        let probe = try await runToCompletion(python, ["-c", "import prometheus_client"], in: dir)
        guard probe.status == 0 else {
            throw PeerError(
                "python3 cannot import prometheus_client; install: make test-deps (pip install prometheus_client)")
        }
        let port = try freeTCPPort()
        let config = try StatusProbe.tankConfig(dir, interval: "50ms", agent: ", metrics: \"127.0.0.1:\(port)\"")
        let agent = try PeerProcess.start(EdgeflowBinary.path, ["run", "--config", config], log: dir.file("agent.log"))
        defer { agent.terminate() }
        try await agent.waitForTCPPort(port)
        // Parse with prometheus_client and print `name{labels} value` for the families checked.
        let parser = try dir.write(
            "parse.py",
            """
            import sys
            from prometheus_client.parser import text_string_to_metric_families
            text = open(sys.argv[1]).read()
            for family in text_string_to_metric_families(text):
                for s in family.samples:
                    labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
                    print(f"{s.name}|{labels}|{s.value}")
            """)
        var values: [String: Double] = [:]
        let scraped = try await eventually(timeout: .seconds(10)) {
            let answer = try StatusProbe.curl(url: "http://127.0.0.1:\(port)/metrics")
            guard answer.status == 200 else { return false }
            let file = try dir.write("metrics.txt", answer.body)
            let parsed = Process()
            parsed.executableURL = URL(fileURLWithPath: python)
            parsed.arguments = [parser, file]
            let out = Pipe()
            parsed.standardOutput = out
            try parsed.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            parsed.waitUntilExit()
            guard parsed.terminationStatus == 0 else { return false }
            values = [:]
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: "|", omittingEmptySubsequences: false)
                if parts.count == 3, let v = Double(parts[2]) { values["\(parts[0])|\(parts[1])"] = v }
            }
            return (values["edgeflow_source_frames_total|source=tank"] ?? 0) >= 5
        }
        #expect(scraped, "parsed samples: \(values)")
        #expect(values["edgeflow_healthy|"] == 1)
        #expect(values["edgeflow_up|"] == 1)
        #expect((values["edgeflow_ring_pushed_samples_total|"] ?? 0) >= 5)
        #expect((values["edgeflow_resident_memory_bytes|"] ?? 0) > 1_000_000)
        #expect(
            try StatusProbe.curl(url: "http://127.0.0.1:\(port)/status").status == 404,
            "the TCP endpoint serves metrics only")
    }
}
