import EdgeActions
import EdgeCore
import EdgeTestSupport
import Logging
import Testing

struct FlowTesterTests {
    static let demo = Files.directory(of: Files.directory(of: Files.directory(of: #filePath))) + "/config/demo.yaml"

    @Test func aHotReadingRunsTheAlarmChainHopByHopWithoutActing() {
        let report = FlowTester.run(
            file: Self.demo, injections: [#"boiler={"temp": 95, "pressure": 1.2, "pump_hours": 3}"#], live: false,
            logger: Logger(label: "test"))
        #expect(report.exitCode == 0, "\(report.errors)")
        #expect(report.output.contains(#"hop 1  boiler-room/too-hot  [ch-in] -> [ch-alert]: {"temp":95,"at":"#))
        // Without --live the ai judge answers with its local fallback rule, which drives the alarm.
        #expect(report.output.contains(
            #"hop 1  boiler-room/judge  [ch-in] -> [ch-verdict]: {"output":{"alarm":true,"reason":"local rule: temp above 90 or pressure above 2.4"},"source":"fallback""#))
        #expect(report.output.contains(#"hop 2  boiler-room/alarm-on  [ch-verdict] ran: {"dryRun":true,"type":"gpio-write""#))
        #expect(report.output.contains(#""holdSeconds":5"#))
    }

    @Test func aCoolReadingOnlyArchives() {
        let report = FlowTester.run(
            file: Self.demo, injections: [#"boiler={"temp": 70, "pressure": 1.2, "pump_hours": 3}"#], live: false,
            logger: Logger(label: "test"))
        #expect(report.exitCode == 0)
        #expect(!report.output.contains("too-hot"))
        #expect(report.output.contains("boiler-room/archive"))
    }

    /// `--live` opens no hardware: a write passes the envelope as in a started agent (outputs
    /// confirmed at their safe values), then fails honestly with kind `output`.
    @Test func liveOutputWritesMeetTheEnvelopeThenFailWithKindOutput() throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-flowtest")
        try dir.write(
            "app.json",
            """
            {"appId": "t", "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "tank", "type": "device", "source": "tank", "channelId": "in"}],
             "actions": [{"actionId": "pump", "channelId": "in", "type": "gpio-write", "condition": "payload.level > 50",
                          "config": {"output": "pump", "value": 1}}]}
            """)
        let config = try dir.write(
            "config.yaml",
            """
            agent: {data_dir: \(dir.path)/data}
            boards_dir: \(Files.directory(of: Self.demo))/../boards
            board: sim
            sources: [{id: tank, type: simulated, interval: 1s, points: [{name: level, waveform: constant, value: 80}]}]
            outputs: [{id: pump, type: gpio, line: GPIO22, safe_value: 0}]
            apps: [app.json]
            """)
        let report = FlowTester.run(
            file: config, injections: [#"tank={"level": 80}"#], live: true, logger: Logger(label: "t"))
        #expect(report.exitCode == 0, "\(report.errors)")
        #expect(
            report.output.contains("t/pump  [in] failed (output): 'pump': flow test does not drive outputs"),
            "\(report.output)")
    }

    @Test func badInjectionsExitTwoWithTheReason() {
        let cases: [(String, String)] = [
            ("nothing={}", "no event source or channel named 'nothing'"),
            ("boiler={bad", "the payload is not valid JSON"),
            ("boiler", "has no '='"),
            ("={}", "names no target"),
        ]
        for (injection, message) in cases {
            let report = FlowTester.run(file: Self.demo, injections: [injection], live: false, logger: Logger(label: "t"))
            #expect(report.exitCode == 2, "\(injection)")
            #expect(report.errors.contains(message), "\(injection): \(report.errors)")
        }
        let none = FlowTester.run(file: Self.demo, injections: [], live: false, logger: Logger(label: "t"))
        #expect(none.exitCode == 2)
        #expect(none.errors.contains("nothing to inject"))
    }
}
