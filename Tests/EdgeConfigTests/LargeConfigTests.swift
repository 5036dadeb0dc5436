import EdgeConfig
import EdgeCore
import Testing

/// A plant gateway's config is large and has no aliases; a hostile one is small and expands.
@Suite struct LargeConfigTests {
    @Test func aGatewayOf200DevicesWith125RegistersEachCompiles() throws {
        var lines = ["board: sim", "buses:"]
        for i in 0..<200 {
            lines.append("  - {id: bus\(i), type: tcp, host: 127.0.0.1, port: \(15000 + i)}")
        }
        lines.append("sources:")
        for i in 0..<200 {
            lines += [
                "  - id: dev\(i)", "    type: modbus", "    bus: bus\(i)", "    unit: 1", "    poll: 1s", "    points:",
            ]
            for r in 0..<125 { lines.append("      - {name: r\(r), space: holding, address: \(r), type: uint16}") }
        }
        let c = ConfigCompiler.compile(
            text: lines.joined(separator: "\n"), file: "\(RepoPaths.root)/config/plant.yaml")
        let config = try #require(c.config, "\(c.diagnostics.prefix(3).map(\.description))")
        #expect(config.sources.reduce(0) { $0 + $1.pointNames.count } == 25_000)
    }

    @Test func aliasesThatExpandPastTheCapAreRefusedWithTheAliasHint() {
        // Each level holds ten copies of the one before: 10^6 scalars from a dozen lines.
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1...6 {
            let copies = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            lines.append("a\(level): &a\(level) [\(copies)]")
        }
        let c = ConfigCompiler.compile(text: lines.joined(separator: "\n"), file: "\(RepoPaths.root)/config/bomb.yaml")
        #expect(c.config == nil)
        let message = c.diagnostics.map(\.description).joined(separator: "\n")
        #expect(message.contains("aliases expand to more than 200000 nodes"), "\(message)")
        // Copies so far: 110 + 1,110 + 11,110 + 111,110; the first *a4 on line 6 (111,111 more) goes over.
        #expect(message.contains("bomb.yaml:6:"), "the line of the alias that went over: \(message)")
    }
}
