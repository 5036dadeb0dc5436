import Foundation
import Testing

/// Runs the built `edgeflow` binary as a user would and checks exit codes and output.
/// (Foundation is used here, in tests only, for Process.)
enum EdgeflowBinary {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// `swift test` builds the executable beside the test runner.
    static var path: String {
        if let override = ProcessInfo.processInfo.environment["EDGEFLOW_BIN"] { return override }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("edgeflow").path
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs with a bounded wait; a process still running after `timeout` seconds gets SIGINT
    /// (as Ctrl-C), then SIGKILL after 5 more seconds.
    static func run(_ arguments: [String], timeout: Double = 30) throws -> Result {
        #expect(FileManager.default.isExecutableFile(atPath: path), "edgeflow binary missing at \(path)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGINT)
            let hard = Date().addingTimeInterval(5)
            while process.isRunning && Date() < hard { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return Result(status: process.terminationStatus, stdout: o, stderr: e)
    }
}

struct CLITests {
    @Test func checkOfEveryShippedConfigExitsZeroWithASummary() throws {
        let configs = try FileManager.default.contentsOfDirectory(atPath: "\(EdgeflowBinary.root)/config")
            .filter { $0.hasSuffix(".yaml") }
        #expect(!configs.isEmpty)
        for name in configs {
            let r = try EdgeflowBinary.run(["check", "--config", "config/\(name)"])
            #expect(r.status == 0, "\(name): \(r.stderr)")
            #expect(r.stdout.contains("config/\(name): OK"))
            #expect(r.stdout.contains("sources"))
        }
    }

    @Test func checkOfABrokenConfigExitsTwoWithFileLineColumn() throws {
        let r = try EdgeflowBinary.run(["check", "--config", "Tests/EdgeAgentTests/Fixtures/bad-duration/config.yaml"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("bad-duration/config.yaml:6:15: error: sources[0].interval: '10' is not a duration"))
        #expect(r.stderr.contains("hint: add a unit"))
    }

    @Test func checkOfAMissingFileExitsTwo() throws {
        let r = try EdgeflowBinary.run(["check", "--config", "config/no-such-file.yaml"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("cannot open 'config/no-such-file.yaml'"))
        #expect(!r.stderr.contains("pass the config file with --config"), "it was passed: \(r.stderr)")
        let typo = try EdgeflowBinary.run(["check", "--config", "config/demo.yml"])
        #expect(typo.status == 2)
        #expect(typo.stderr.contains("hint: did you mean 'config/demo.yaml'?"), "\(typo.stderr)")
    }

    @Test func usageErrorsExitTwo() throws {
        let missing = try EdgeflowBinary.run(["check"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("--config"))
        let unknown = try EdgeflowBinary.run(["frobnicate"])
        #expect(unknown.status == 2)
        let badLevel = try EdgeflowBinary.run(["run", "--config", "config/demo.yaml", "--log-level", "loud"])
        #expect(badLevel.status == 2)
        #expect(badLevel.stderr.contains("'loud' is not a log level"))
    }

    @Test func flowEvalTakesValuesThatStartWithADash() throws {
        let negated = try EdgeflowBinary.run(["flow", "eval", "--expr", "-payload.temp", "--payload", #"{"temp": 5}"#])
        #expect(negated.status == 0, "\(negated.stderr)")
        #expect(negated.stdout == "-5\n")
        let negativePayload = try EdgeflowBinary.run(["flow", "eval", "--expr", "payload * 2", "--payload", "-1.5"])
        #expect(negativePayload.status == 0, "\(negativePayload.stderr)")
        #expect(negativePayload.stdout == "-3\n")
    }

    @Test func versionPrintsTheSupportedDialects() throws {
        let r = try EdgeflowBinary.run(["version"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("flux dialects: 1"))
    }

    @Test func runRefusesABrokenConfigWithExitTwo() throws {
        let r = try EdgeflowBinary.run(["run", "--config", "Tests/EdgeAgentTests/Fixtures/unknown-line/config.yaml"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("has no line 'GPIO71'"))
    }

    @Test func demoShowsReadingsAndStopsCleanlyOnInterrupt() throws {
        let dataDir = NSTemporaryDirectory() + "edgeflow-demo-\(getpid())"
        let demo = try String(contentsOfFile: "\(EdgeflowBinary.root)/config/demo.yaml", encoding: .utf8)
            .replacingOccurrences(of: "data_dir: ../demo-data", with: "data_dir: \(dataDir)")
            .replacingOccurrences(of: "board: sim", with: "boards_dir: \(EdgeflowBinary.root)/boards\nboard: sim")
            .replacingOccurrences(of: "path: flows/", with: "path: \(EdgeflowBinary.root)/config/flows/")
        let configPath = NSTemporaryDirectory() + "edgeflow-demo-\(getpid()).yaml"
        try demo.write(toFile: configPath, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: configPath) }
        let r = try EdgeflowBinary.run(["run", "--config", configPath], timeout: 2.5)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("boiler     temp="))
        #expect(r.stdout.contains("door       door=0"))
        #expect(r.stdout.contains("output alarm (GPIO27) = 0"))
        // No ingest endpoint runs here: the demo's frames wait in its spool.
        let spool = try EdgeflowBinary.run(["spool", "inspect", "--config", configPath, "--last", "50"])
        #expect(spool.status == 0, "\(spool.stderr)")
        #expect(spool.stdout.contains("\"kind\":\"frame\",\"source\":\"boiler\""))
    }
}

/// The docs show what ships.
struct DocsMatchTheShippedFilesTests {
    @Test func theWorkedExampleOfFlowLanguageIsTheShippedBoilerApp() throws {
        let docs = try String(contentsOfFile: "\(EdgeflowBinary.root)/docs/flow-language.md", encoding: .utf8)
        let app = try String(contentsOfFile: "\(EdgeflowBinary.root)/config/flows/boiler.json", encoding: .utf8)
        let marker = try #require(docs.range(of: "The app, `config/flows/boiler.json`:"))
        let rest = docs[marker.upperBound...]
        let open = try #require(rest.range(of: "```json\n"))
        let close = try #require(rest[open.upperBound...].range(of: "```"))
        #expect(String(rest[open.upperBound..<close.lowerBound]) == app + (app.hasSuffix("\n") ? "" : "\n"))
    }
}
