import EdgeConfig
import Testing

@testable import EdgeAgent

/// The pieces of the status socket that need no running agent: request parsing, the health
/// rules of docs/status.md, the exposition text, and which reload changes need a restart.
struct StatusRulesTests {
    private func head(_ text: String) throws -> HTTPRequestHead {
        try HTTPRequestHead.parse(Array(text.utf8)[...])
    }

    @Test func requestHeadsGiveMethodPathAndBodyLength() throws {
        let plain = try head("GET /status?x=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(plain == HTTPRequestHead(method: "GET", path: "/status", contentLength: 0))
        let absolute = try head("POST http://localhost/reload HTTP/1.0\r\nContent-Length:  12 \r\n\r\n")
        #expect(absolute == HTTPRequestHead(method: "POST", path: "/reload", contentLength: 12))
        #expect(HTTPRequestHead.headEnd(in: Array("GET / HTTP/1.1\r\n".utf8)) == nil, "no blank line yet")
        #expect(HTTPRequestHead.headEnd(in: Array("GET / HTTP/1.1\r\n\r\nrest".utf8)) == 18)
    }

    @Test(arguments: [
        ("", "the request line is not 'METHOD /path HTTP/1.1'"),
        ("get /status HTTP/1.1\r\n\r\n", "'get' is not an HTTP method"),
        ("GET /status HTTP/2\r\n\r\n", "'HTTP/2' is not HTTP/1.0 or HTTP/1.1"),
        ("GET status HTTP/1.1\r\n\r\n", "the target 'status' is not a path"),
        ("GET / HTTP/1.1\r\nbroken\r\n\r\n", "header line 'broken' has no colon"),
        ("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "Content-Length '-1' is not a length"),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", "chunked request bodies are not accepted"),
    ])
    func malformedHeadsAreRefusedWithTheReason(text: String, reason: String) {
        #expect(throws: HTTPRequestHead.Malformed(reason: reason)) { try head(text) }
    }

    private func source(_ id: String, interval: Int64?, silent: Double, everGood: Bool = true) -> StatusSnapshot.Source
    {
        StatusSnapshot.Source(
            id: id, type: interval == nil ? "gpio" : "modbus", state: "ok", intervalNanoseconds: interval, frames: 1,
            goodFrames: 1, badPoints: 0, lastGoodAt: everGood ? 1 : nil, silentSeconds: silent, errors: 0,
            lastError: "no answer", lastErrorAt: nil, stale: false)
    }

    private func inputs(
        sources: [StatusSnapshot.Source] = [], spool: (Int64, Double)? = nil, lastAck: Int64? = nil,
        uptime: Double = 100
    ) -> HealthInputs {
        HealthInputs(
            sources: sources, spool: spool, lastAcknowledgedAt: lastAck, uplinkError: nil, nowWall: 1_000_000_000_000,
            uptimeSeconds: uptime)
    }

    @Test func aPolledSourceIsStaleAfterTheConfiguredNumberOfIntervals() {
        var thresholds = HealthThresholds()
        thresholds.stalePolls = 3
        let second: Int64 = 1_000_000_000
        let fresh = Health.problems(
            inputs(sources: [source("a", interval: second, silent: 2.9)]), thresholds: thresholds)
        #expect(fresh.isEmpty)
        let stale = Health.problems(
            inputs(sources: [source("a", interval: second, silent: 3.1)]), thresholds: thresholds)
        #expect(stale.map(\.kind) == [.sourceStale] && stale.first?.subject == "a")
        #expect(
            stale.first?.message
                == "source a: last good reading 3.1s ago (limit 3 intervals = 3.0s); last error: no answer")
        let never = Health.problems(
            inputs(sources: [source("b", interval: second, silent: 5, everGood: false)]), thresholds: thresholds)
        #expect(never.first?.message.hasPrefix("source b: no good reading yet") == true)
    }

    @Test func eventSourcesWithoutAnIntervalAreNeverStale() {
        let problems = Health.problems(
            inputs(sources: [source("door", interval: nil, silent: 86_400)]), thresholds: HealthThresholds())
        #expect(problems.isEmpty)
    }

    @Test func aMissingUplinkAckCountsOnlyWhileRecordsWait() {
        var thresholds = HealthThresholds()
        thresholds.uplinkAckMaxAgeNanoseconds = 60_000_000_000
        let now: Int64 = 1_000_000_000_000
        let oldAck = now - 61_000_000_000
        #expect(
            Health.problems(inputs(spool: (0, 0.1), lastAck: oldAck), thresholds: thresholds).isEmpty, "nothing waits")
        let stale = Health.problems(inputs(spool: (5, 0.1), lastAck: oldAck), thresholds: thresholds)
        #expect(stale.map(\.kind) == [.uplinkStale])
        #expect(stale.first?.message == "uplink: last acknowledgement 61s ago with 5 records waiting (limit 60s)")
        #expect(Health.problems(inputs(spool: (5, 0.1), lastAck: now - 1_000_000_000), thresholds: thresholds).isEmpty)
        let neverAcked = Health.problems(inputs(spool: (5, 0.1), lastAck: nil, uptime: 61), thresholds: thresholds)
        #expect(neverAcked.first?.message.hasPrefix("uplink: no acknowledgement since start") == true)
        #expect(Health.problems(inputs(spool: (5, 0.1), lastAck: nil, uptime: 59), thresholds: thresholds).isEmpty)
    }

    @Test func theSpoolIsTooFullAboveTheFillRatio() {
        var thresholds = HealthThresholds()
        thresholds.spoolFillMax = 0.5
        #expect(Health.problems(inputs(spool: (0, 0.5)), thresholds: thresholds).isEmpty)
        let full = Health.problems(inputs(spool: (0, 0.51)), thresholds: thresholds)
        #expect(full.map(\.message) == ["spool 51% full (limit 50%)"])
    }

    @Test func metricLabelValuesEscapeQuotesBackslashesAndNewlines() {
        var text = MetricsText()
        text.sample("m", [("source", "a\"b\\c\nd")], 1.5)
        #expect(text.text == "m{source=\"a\\\"b\\\\c\\nd\"} 1.5\n")
        #expect(MetricsText.format(.nan) == "NaN" && MetricsText.format(-.infinity) == "-Inf")
    }

    @Test(
        arguments: [
            ("127.0.0.1:9464", "127.0.0.1:9464"), ("localhost:80", "127.0.0.1:80"), ("0.0.0.0:1", "0.0.0.0:1"),
            ("127.0.0.1", nil), ("127.0.0.1:0", nil), ("127.0.0.1:70000", nil), ("host:9464", nil), ("1.2.3:9", nil),
            ("256.1.1.1:9", nil), (":9464", nil),
        ] as [(String, String?)])
    func listenAddressesAreIPv4AndAPort(text: String, parsed: String?) {
        #expect(ListenAddress.parse(text)?.description == parsed)
    }
}
