import EdgeTestSupport
import Foundation
import Testing

/// The conventions every command keeps (docs/cli.md), audited over the whole command tree as
/// the binary describes it, so a command added later is held to them too: each help text shows
/// an example, and each command that prints data takes `--json` and prints JSON a parser accepts.
struct CLIConventionsTests {
    /// Every command path below the root, and whether it is a leaf (runs something itself).
    /// (The description is larger than a pipe holds, so it goes through a file.)
    static func commandTree() async throws -> [(path: [String], leaf: Bool)] {
        let dir = try TemporaryDirectory(prefix: "edgeflow-cli-tree")
        let dump = try await runToCompletion(EdgeflowBinary.path, ["--experimental-dump-help"], in: dir)
        #expect(dump.status == 0)
        let document = try JSONSerialization.jsonObject(with: Data(dump.output.utf8)) as? [String: Any]
        var out: [(path: [String], leaf: Bool)] = []
        func walk(_ command: [String: Any], _ path: [String]) {
            let subcommands = (command["subcommands"] as? [[String: Any]] ?? [])
                .filter { ($0["commandName"] as? String) != "help" }
            out.append((path, subcommands.isEmpty))
            for sub in subcommands {
                if let name = sub["commandName"] as? String { walk(sub, path + [name]) }
            }
        }
        walk(try #require(document?["command"] as? [String: Any]), [])
        return out
    }

    @Test func everyCommandsHelpShowsAnExample() async throws {
        let tree = try await Self.commandTree()
        #expect(tree.count > 10, "the tree was read: \(tree.map(\.path))")
        for (path, _) in tree {
            let help = try EdgeflowBinary.run(path + ["--help"])
            #expect(help.status == 0)
            let example = help.stdout.split(separator: "\n").contains {
                $0.drop { $0 == " " }.hasPrefix("Example: edgeflow ")
            }
            #expect(example, "edgeflow \(path.joined(separator: " ")) --help has no 'Example: edgeflow ...' line")
        }
    }

    @Test func everyCommandThatPrintsDataTakesJSON() async throws {
        // `run` prints the live view, a human display of what the agent does; its data goes to the
        // spool or the records file, already JSON.
        let notData: Set<[String]> = [["run"]]
        for (path, leaf) in try await Self.commandTree() where leaf && !notData.contains(path) {
            let help = try EdgeflowBinary.run(path + ["--help"])
            #expect(help.stdout.contains("--json"), "edgeflow \(path.joined(separator: " ")) has no --json")
        }
    }

    /// Every line of `text` parses as JSON; returns the parsed lines.
    func jsonLines(_ text: String, _ what: String) -> [Any] {
        text.split(separator: "\n").compactMap { line in
            let value = try? JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
            #expect(value != nil, "\(what): not JSON: \(line)")
            return value
        }
    }

    @Test func dataCommandsPrintJSONAParserAccepts() throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-cli-json")
        let closedPort = try freeTCPPort()
        let config = try dir.write(
            "config.yaml",
            """
            agent: {name: json-test, data_dir: \(dir.path)/data}
            boards_dir: \(EdgeflowBinary.root)/boards
            board: sim
            sources:
              - id: boiler
                type: simulated
                interval: 1s
                points: [{name: temp, waveform: sine, min: 1, max: 2, period: 10s}]
            uplink: {transport: http, url: "http://127.0.0.1:\(closedPort)/ingest", timeout: 1s}
            """)
        let cases: [(arguments: [String], status: Int32)] = [
            (["version", "--json"], 0),
            (["check", "--config", "config/demo.yaml", "--json"], 0),
            (["check", "--config", "Tests/EdgeAgentTests/Fixtures/bad-duration/config.yaml", "--json"], 2),
            (["flow", "eval", "--expr", "-payload.temp", "--payload", #"{"temp": 3}"#, "--json"], 0),
            (["flow", "test", "--config", "config/demo.yaml", "--inject", #"boiler={"temp": 95, "pressure": 1.2}"#,
              "--json"], 0),
            (["spool", "stats", "--config", config, "--json"], 0),
            (["spool", "inspect", "--config", config, "--json"], 0),
            (["spool", "drain", "--config", config, "--to", dir.file("drained.jsonl"), "--json"], 0),
            (["spool", "replay-dead-letters", "--config", config, "--json"], 0),
            (["uplink", "test", "--config", config, "--json"], 1),
        ]
        for (arguments, status) in cases {
            let r = try EdgeflowBinary.run(arguments)
            let what = "edgeflow " + arguments.joined(separator: " ")
            #expect(r.status == status, "\(what): \(r.stderr)")
            _ = jsonLines(r.stdout, what)
        }
        // Documents (not JSON lines) where the command promises one.
        let check = try EdgeflowBinary.run(
            ["check", "--config", "Tests/EdgeAgentTests/Fixtures/bad-duration/config.yaml", "--json"])
        let report = try #require(jsonLines(check.stdout, "check").first as? [String: Any])
        #expect(report["valid"] as? Bool == false)
        let first = try #require((report["diagnostics"] as? [[String: Any]])?.first)
        // The fixture's problem, as the text output gives it: config.yaml:6:15, sources[0].interval.
        #expect(first["line"] as? Int == 6 && first["column"] as? Int == 15, "\(first)")
        #expect(first["path"] as? String == "sources[0].interval")
        let eval = try EdgeflowBinary.run(
            ["flow", "eval", "--expr", "-payload.temp", "--payload", #"{"temp": 3}"#, "--json"])
        #expect(jsonLines(eval.stdout, "eval").first as? Double == -3)
        let doctor = try EdgeflowBinary.run(["doctor", "--json"])
        #expect(jsonLines(doctor.stdout, "doctor").first is [Any], "\(doctor.stdout)")
    }
}
