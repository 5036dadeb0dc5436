import EdgeTestSupport
import Foundation
import Testing

/// `edgeflow doctor` on the uplink endpoint: name resolution, the TCP connection and the TLS
/// handshake, against the real ingest endpoint (plain and with a private CA) and against an
/// address nothing listens on. Nothing is sent to the endpoint.
struct DoctorEndpointTests {
    func uplinkCheck(_ config: String) throws -> (status: Int32, level: String, detail: String, hint: String) {
        let r = try EdgeflowBinary.run(["doctor", "--config", config, "--json"])
        let array = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: String]])
        let check = try #require(array.first { $0["name"] == "uplink endpoint" }, "\(r.stdout)")
        return (r.status, check["level"] ?? "", check["detail"] ?? "", check["hint"] ?? "")
    }

    func rewrite(_ path: String, _ from: String, _ to: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: from, with: to)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func aListeningEndpointPassesAndOneThatIsDownWarns() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-doctor-uplink")
        var sink: UplinkTests.Sink? = try await UplinkTests.Sink(in: dir)
        let port = try #require(sink?.port)
        let config = try UplinkTests().config(dir, port: port)
        let up = try uplinkCheck(config)
        #expect(up.level == "pass")
        #expect(up.detail == "http://127.0.0.1:\(port)/ingest reachable (DNS, TCP)")
        #expect(try #require(sink).requests().isEmpty, "doctor sends nothing to the endpoint")

        sink = nil  // the endpoint stops; nothing listens on its port now
        let down = try uplinkCheck(config)
        #expect(down.level == "warn")
        #expect(down.detail.hasPrefix("http://127.0.0.1:\(port)/ingest: no TCP connection"), "\(down.detail)")
        #expect(down.status == 0, "an unreachable endpoint is a warning: the spool keeps the data")

        try rewrite(config, "http://127.0.0.1:\(port)", "http://edgeflow-doctor-test.invalid")
        let unresolved = try uplinkCheck(config)
        #expect(unresolved.level == "warn")
        #expect(unresolved.detail.contains("name not resolved"), "\(unresolved.detail)")
        #expect(unresolved.hint.contains("DNS"))
    }

    @Test func tlsIsCheckedAgainstTheConfiguredCA() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-doctor-tls")
        try await makeTestCertificates(in: dir)
        let sink = try await UplinkTests.Sink(in: dir, tls: (dir.file("server.crt"), dir.file("server.key")))
        let config = try UplinkTests().config(dir, port: sink.port)
        try rewrite(config, "http://127.0.0.1", "https://127.0.0.1")
        let untrusted = try uplinkCheck(config)
        #expect(untrusted.level == "fail", "a private CA's certificate does not verify against the system CAs")
        #expect(untrusted.detail.contains("TLS failed"), "\(untrusted.detail)")
        #expect(untrusted.status == 1)

        try rewrite(config, "  batch_interval:", "  ca_file: ca.crt\n  batch_interval:")
        let trusted = try uplinkCheck(config)
        #expect(trusted.level == "pass", "\(trusted.detail)")
        #expect(trusted.detail.hasSuffix("reachable (DNS, TCP, TLS)"))
    }
}
