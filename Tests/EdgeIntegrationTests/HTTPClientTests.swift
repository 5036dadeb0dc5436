import EdgeTestSupport
import EdgeUplink
import Foundation
import Testing

/// The Python HTTP peer (Tests/EdgeIntegrationTests/peers/http_sink.py), started per test on a
/// free loopback port and stopped when the test ends.
final class HTTPPeer {
    let process = Process()
    let port: Int

    /// Starts the peer; with `output`, each request body (or a `/stamp` line) is appended there.
    init(output: String? = nil) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("peers/http_sink.py")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path] + (output.map { [$0] } ?? [])
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        // Bounded readiness wait: the peer prints "PORT n" once it listens.
        var line = ""
        let handle = out.fileHandleForReading
        let deadline = Date().addingTimeInterval(10)
        while !line.contains("\n") && Date() < deadline {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            line += String(decoding: chunk, as: UTF8.self)
        }
        guard line.hasPrefix("PORT "), let port = Int(line.dropFirst(5).prefix { $0.isNumber }) else {
            kill(process.processIdentifier, SIGKILL)
            throw PeerError("python3 http peer did not start (is python3 installed?): '\(line)'")
        }
        self.port = port
    }

    var base: String { "http://127.0.0.1:\(port)" }

    deinit {
        // SIGKILL: the peer is disposable, and a SIGTERM can be blocked by the mask it inherits.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

struct HTTPClientTests {
    @Test func postSendsMethodHeadersAndBody() throws {
        let peer = try HTTPPeer()
        let client = try HTTPClient()
        let response = try client.perform(
            HTTPRequest(
                method: "POST", url: "\(peer.base)/echo", headers: [("Content-Type", "application/json"), ("X-Edge", "gw1")],
                body: Array(#"{"t":21.5}"#.utf8)))
        #expect(response.status == 200)
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text.contains(#""method": "POST""#))
        #expect(text.contains(#""x-edge": "gw1""#))
        #expect(text.contains(#"{\"t\":21.5}"#))
        #expect(response.headers.contains { $0.name == "content-type" && $0.value == "application/json" })
    }

    @Test func serverErrorsAreResponsesNotThrows() throws {
        let peer = try HTTPPeer()
        let response = try HTTPClient().perform(HTTPRequest(method: "GET", url: "\(peer.base)/fail"))
        #expect(response.status == 500)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"error": "boom"}"#)
    }

    @Test func retryAfterIsVisibleOn429() throws {
        let peer = try HTTPPeer()
        let response = try HTTPClient().perform(HTTPRequest(method: "GET", url: "\(peer.base)/status/429"))
        #expect(response.status == 429)
        #expect(response.headers.contains { $0.name == "retry-after" && $0.value == "7" })
    }

    @Test func hugeResponsesAreCutAtTheCap() throws {
        let peer = try HTTPPeer()
        let response = try HTTPClient().perform(HTTPRequest(method: "GET", url: "\(peer.base)/huge", maxResponseBytes: 8192))
        #expect(response.status == 200)
        #expect(response.body.count == 8192)
        #expect(response.truncated)
    }

    @Test func aSlowServerTimesOut() throws {
        let peer = try HTTPPeer()
        #expect(throws: HTTPError.self) {
            _ = try HTTPClient().perform(HTTPRequest(method: "GET", url: "\(peer.base)/slow", timeoutMilliseconds: 300))
        }
        do {
            _ = try HTTPClient().perform(HTTPRequest(method: "GET", url: "\(peer.base)/slow", timeoutMilliseconds: 300))
        } catch {
            #expect(error.kind == .timeout)
        }
    }

    @Test func refusedConnectionsAndBadRequestsAreClassified() throws {
        let client = try HTTPClient()
        // Port 1 on loopback: nothing listens there.
        do {
            _ = try client.perform(HTTPRequest(method: "GET", url: "http://127.0.0.1:1/", timeoutMilliseconds: 2000))
            Issue.record("expected a connection error")
        } catch {
            #expect(error.kind == .connection)
        }
        do {
            _ = try client.perform(HTTPRequest(method: "GET", url: "ftp://127.0.0.1/"))
            Issue.record("expected an invalid request")
        } catch {
            #expect(error.kind == .invalidRequest)
        }
        do {
            _ = try client.perform(HTTPRequest(method: "GET", url: "http://127.0.0.1:1/", headers: [("X", "a\r\nInjected: 1")]))
            Issue.record("expected an invalid request")
        } catch {
            #expect(error.kind == .invalidRequest)
        }
    }
}
