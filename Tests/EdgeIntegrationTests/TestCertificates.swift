import EdgeTestSupport
import Testing

/// A private CA and a server certificate for 127.0.0.1 made with openssl in `dir`:
/// `ca.crt`, `server.crt`, `server.key`. For the TLS tests of both uplink transports.
func makeTestCertificates(in dir: TemporaryDirectory) async throws {
    let openssl = try requireExecutable("openssl", install: "apt-get install openssl")
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    let steps: [[String]] = [
        ["req", "-x509"] + ec + ["-keyout", dir.file("ca.key"), "-out", dir.file("ca.crt"), "-days", "2",
            "-subj", "/CN=edgeflow test CA"],
        ["req"] + ec + ["-keyout", dir.file("server.key"), "-out", dir.file("server.csr"), "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", dir.file("server.csr"), "-CA", dir.file("ca.crt"), "-CAkey", dir.file("ca.key"),
            "-CAcreateserial", "-out", dir.file("server.crt"), "-days", "2",
            "-extfile", try dir.write("san.cnf", "subjectAltName=IP:127.0.0.1\n")],
    ]
    for step in steps {
        let result = try await runToCompletion(openssl, step, in: dir)
        #expect(result.status == 0, "openssl \(step.joined(separator: " ")): \(result.output)")
    }
}
