import EdgeTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// docs/status.md: the status socket's contract (schema, permissions, errors), `edgeflow status`
/// and its `--check` health rules, driven from outside with curl and the built binary.
@Suite(.serialized)
struct StatusAPITests {
    @Test func statusDocumentFollowsTheDocumentedSchemaOnAGroupOnlySocket() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-status")
        let sink = try await UplinkTests.Sink(in: dir)
        try StatusProbe.writeLampApp(dir)
        let config = try StatusProbe.tankConfig(
            dir, interval: "50ms",
            rest: """
                  - id: door
                    type: gpio
                    lines: [{line: GPIO17, name: door, edge: both}]
                outputs:
                  - {id: lamp, type: gpio, line: GPIO27, safe_value: 0}
                apps: [app.json]
                uplink: {transport: http, url: "http://127.0.0.1:\(sink.port)/ingest", batch_interval: 200ms, batch_records: 5}
                """)
        let agent = try PeerProcess.start(EdgeflowBinary.path, ["run", "--config", config], log: dir.file("agent.log"))
        defer { agent.terminate() }
        let socket = "\(dir.path)/data/edgeflow.sock"
        try await agent.waitForFile(socket)
        var status: [String: Any] = [:]
        let flowing = try await eventually(timeout: .seconds(15)) {
            status = (try? StatusProbe.status(socket: socket)) ?? [:]
            let uplink = status["uplink"] as? [String: Any]
            let action = ((status["apps"] as? [[String: Any]])?.first?["actions"] as? [[String: Any]])?.first
            return (uplink?["acknowledgedRecords"] as? Int ?? 0) > 0 && (action?["ran"] as? Int ?? 0) > 0
        }
        #expect(flowing, "status never showed acknowledged records and a run action: \(status)\n\(agent.output())")
        let violations = try StatusSchema.load().violations(status)
        #expect(violations == [], "\(violations)")
        #expect(status["healthy"] as? Bool == true, "\(status)")
        #expect(status["ai"] == nil && status["approvals"] == nil, "no AI provider or approval queue exists yet")
        let tank = StatusProbe.source("tank", in: status)
        #expect(tank?["intervalSeconds"] as? Double == 0.05)
        #expect(StatusProbe.source("door", in: status)?["intervalSeconds"] is NSNull, "GPIO lines have no interval")
        #expect(!(try sink.requests()).isEmpty, "the sink saw the batches the status reports")

        var info = stat()
        #expect(stat(socket, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o660, "socket mode \(String(info.st_mode & 0o777, radix: 8))")
        #expect(info.st_mode & S_IFMT == S_IFSOCK)

        let table = try EdgeflowBinary.run(["status", "--socket", socket])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("SOURCE") && table.stdout.contains("tank") && table.stdout.contains("watch/lamp"))
        #expect(!table.stdout.contains("\u{1B}["), "no colours when stdout is not a terminal")
        // On a terminal (script(1) gives the command a pty) the health word is coloured.
        let script = try requireExecutable("script", install: "apt-get install bsdutils")
        let tty = try await runToCompletion(
            script, ["-qec", "\(EdgeflowBinary.path) status --socket \(socket)", "/dev/null"], in: dir)
        #expect(tty.status == 0 && tty.output.contains("\u{1B}[32mHEALTHY\u{1B}[0m"), "\(tty.output)")
        let json = try EdgeflowBinary.run(["status", "--config", config, "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        #expect((try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) is [String: Any], "\(json.stdout)")

        kill(agent.pid, SIGTERM)
        #expect(await agent.waitForExit(timeout: .seconds(20)) == 0, "\(agent.output())")
        #expect(!fileExists(socket), "the socket is removed on shutdown")
    }

    @Test func malformedRequestsGet400UnknownPaths404AndWrongMethods405() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-status-bad")
        let config = try StatusProbe.tankConfig(dir, interval: "100ms")
        let agent = try PeerProcess.start(EdgeflowBinary.path, ["run", "--config", config], log: dir.file("agent.log"))
        defer { agent.terminate() }
        let socket = "\(dir.path)/data/edgeflow.sock"
        try await agent.waitForFile(socket)
        #expect(try StatusProbe.curl(socket: socket, url: "http://localhost/nope").status == 404)
        #expect(try StatusProbe.curl(socket: socket, url: "http://localhost/status", method: "DELETE").status == 405)
        let python = try requireExecutable("python3", install: "apt-get install python3")
        for raw in ["garbage\r\n\r\n", "GET /status HTTP/9.9\r\n\r\n", "GET /status HTTP/1.1\r\nno colon here\r\n\r\n"]
        {
            let answer = try await runToCompletion(
                python,
                [
                    "-c",
                    "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); "
                        + "s.sendall(sys.argv[2].encode()); print(s.recv(4096).decode().split('\\r\\n')[0])",
                    socket, raw,
                ], in: dir)
            #expect(answer.output.hasPrefix("HTTP/1.1 400"), "\(raw.debugDescription): \(answer.output)")
        }
        // A client that connects and sends nothing is cut off; the next one is served.
        let silent = try await runToCompletion(
            python,
            [
                "-c",
                "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); print(s.recv(4096).decode().split('\\r\\n')[0])",
                socket,
            ],
            in: dir)
        #expect(silent.output.hasPrefix("HTTP/1.1 408"), "\(silent.output)")
        #expect(try StatusProbe.curl(socket: socket, url: "http://localhost/status").status == 200)
    }

    @Test func aSecondAgentIsRefusedTheSocketAndOneLeftByAKilledAgentIsReplaced() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-status-owner")
        let config = try StatusProbe.tankConfig(dir, interval: "100ms")
        let socket = "\(dir.path)/data/edgeflow.sock"
        let first = try PeerProcess.start(EdgeflowBinary.path, ["run", "--config", config], log: dir.file("first.log"))
        defer { first.terminate() }
        try await first.waitForFile(socket)
        let second = try EdgeflowBinary.run(["run", "--config", config], timeout: 10)
        #expect(second.status == 1 && second.stderr.contains("another edgeflow answers on it"), "\(second.stderr)")
        #expect(
            try StatusProbe.curl(socket: socket, url: "http://localhost/status").status == 200, "the first keeps it")

        kill(first.pid, SIGKILL)
        _ = await first.waitForExit(timeout: .seconds(5))
        #expect(fileExists(socket), "a killed agent leaves its socket file behind")
        let third = try PeerProcess.start(EdgeflowBinary.path, ["run", "--config", config], log: dir.file("third.log"))
        defer { third.terminate() }
        #expect(
            await eventually { (try? StatusProbe.status(socket: socket))?["generation"] as? Int == 1 },
            "\(third.output())")
    }

    @Test func statusSaysTheAgentIsNotRunningWithExitCode3() throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-status-none")
        for arguments in [["status"], ["status", "--check"], ["reload"]] {
            let result = try EdgeflowBinary.run(arguments + ["--socket", dir.file("missing.sock")])
            #expect(result.status == 3, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("edgeflow is not running"), "\(result.stderr)")
        }
        let broken = try dir.write("broken.yaml", "agent: {nme: x}\n")
        let result = try EdgeflowBinary.run(["status", "--config", broken])
        #expect(result.status == 2 && result.stderr.contains("broken.yaml:1:"), "\(result.stderr)")
    }

    @Test func statusCheckGoesUnhealthyWhenTheModbusPeerStopsAndHealthyWhenItReturns() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-health")
        let (server, port) = try await StatusProbe.holdingRegisterPeer(dir, value: 7)
        defer { server.stop() }
        let config = try dir.write(
            "config.yaml",
            StatusProbe.boilerYAML(
                dir, port: port, agent: ", view: log, status: {stale_polls: 5}",
                device:
                    ", poll: 100ms, timeout: 200ms, retry: {initial_backoff: 100ms, max_backoff: 200ms, park_after: 1000}"
            ))
        let agent = try PeerProcess.start(EdgeflowBinary.path, ["run", "--config", config], log: dir.file("agent.log"))
        defer { agent.terminate() }
        let socket = "\(dir.path)/data/edgeflow.sock"
        try await agent.waitForFile(socket)
        func check() throws -> EdgeflowBinary.Result {
            try EdgeflowBinary.run(["status", "--check", "--socket", socket])
        }

        #expect(
            try await eventually(timeout: .seconds(10)) { try check().status == 0 }, "healthy while the peer answers")
        server.stop()
        var last = try check()
        #expect(
            try await eventually(timeout: .seconds(10)) {
                last = try check()
                return last.status == 1
            }, "unhealthy once the peer is gone: \(last.stdout) \(last.stderr)")
        #expect(last.stderr.contains("source boiler"), "\(last.stderr)")
        let stale = StatusProbe.source("boiler", in: try StatusProbe.status(socket: socket))
        #expect(stale?["stale"] as? Bool == true, "\(String(describing: stale))")
        #expect(agent.isRunning, "the process lives on; health is about data, not the process")

        try await server.start()
        #expect(
            try await eventually(timeout: .seconds(15)) {
                last = try check()
                return last.status == 0
            }, "healthy again once the peer answers: \(last.stderr)")
    }
}
