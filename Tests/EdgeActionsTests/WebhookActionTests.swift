@testable import EdgeActions
import EdgeCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

struct WebhookActionTests {
    @Test func configMistakesAreNamedByField() {
        let problems = WebhookAction.validate([
            "url": "ftp://x", "method": "FETCH", "headers": ["X-A": 1], "timeoutSeconds": 0, "auth": ["type": "digest"],
            "bodyy": "x",
        ])
        let paths = Set(problems.map(\.path))
        #expect(paths == ["url", "method", "headers.X-A", "timeoutSeconds", "auth.type", "bodyy"])
        #expect(WebhookAction.validate(["method": "POST"]).map(\.path) == ["url"])
        #expect(WebhookAction.validate(["url": "https://example.invalid/x"]).isEmpty)
    }

    @Test func withoutABodyTemplateTheInputIsForwardedAsJSON() throws {
        let request = try WebhookAction.request(config: ["url": "http://127.0.0.1:9/x"], input: ["temp": 81.5])
        #expect(request.method == "POST")
        #expect(String(decoding: request.body, as: UTF8.self) == #"{"temp":81.5}"#)
        #expect(request.headers.contains { $0.name == "Content-Type" && $0.value == "application/json" })
        #expect(request.timeoutMilliseconds == 10_000)
    }

    @Test func bearerTokenComesFromItsFileAndAMissingFileFails() throws {
        let path = "/tmp/edgeflow-token-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = "s3cret\n".withCString { write(fd, $0, 7) }
        close(fd)
        defer { unlink(path) }
        let ok = try WebhookAction.request(
            config: ["url": "http://127.0.0.1:9/", "auth": ["type": "bearer", "tokenFile": .string(path)]], input: nil)
        #expect(ok.headers.contains { $0.name == "Authorization" && $0.value == "Bearer s3cret" })
        #expect(throws: ActionFailureInfo.self) {
            _ = try WebhookAction.request(
                config: ["url": "http://x/", "auth": ["type": "bearer", "tokenFile": "/nonexistent/token"]], input: nil)
        }
    }

    @Test func basicAuthIsBase64Encoded() {
        #expect(WebhookAction.base64(Array("user:pass".utf8)) == "dXNlcjpwYXNz")
        #expect(WebhookAction.base64(Array("a".utf8)) == "YQ==")
        #expect(WebhookAction.base64(Array("ab".utf8)) == "YWI=")
    }
}
