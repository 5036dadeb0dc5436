import EdgeConfig
import EdgeCore
import Testing

/// Every board and example config shipped in the repository must load cleanly.
struct ShippedFilesTests {
    static let configs = Files.list("\(RepoPaths.root)/config").filter { $0.hasSuffix(".yaml") }
    static let boards = Files.list("\(RepoPaths.root)/boards").filter { $0.hasSuffix(".yaml") }

    @Test(arguments: configs)
    func shippedConfigChecksClean(name: String) {
        let compilation = ConfigCompiler.compile(file: "\(RepoPaths.root)/config/\(name)")
        #expect(compilation.config != nil)
        #expect(compilation.diagnostics.isEmpty, "\(compilation.diagnostics.map(\.description))")
    }

    @Test(arguments: boards)
    func shippedBoardLoadsAndNamesLinesByKernelName(name: String) throws {
        let id = String(name.dropLast(5))
        let text = "board: \(id)\nboards_dir: \(RepoPaths.root)/boards\n"
        let compilation = ConfigCompiler.compile(text: text, file: "\(RepoPaths.root)/config/probe.yaml")
        let config = try #require(compilation.config, "\(compilation.diagnostics.map(\.description))")
        #expect(config.board.id == id)
        #expect(!config.board.chips.isEmpty)
        for chip in config.board.chips {
            #expect(!chip.label.hasPrefix("gpiochip"), "chips are found by label, never gpiochipN")
            #expect(chip.lines.allSatisfy { $0.name.hasPrefix("GPIO") })
        }
    }

    @Test func everyRealPiBoardHasTheFortyPinHeaderLines() throws {
        for id in ["rpi3b", "rpi4b", "rpi5", "rpizero2w", "cm4-io"] {
            let text = "board: \(id)\nboards_dir: \(RepoPaths.root)/boards\n"
            let config = try #require(ConfigCompiler.compile(text: text, file: "\(RepoPaths.root)/config/probe.yaml").config)
            let line = try #require(config.board.line(named: "GPIO17"))
            #expect(line.line.pin == 11)
            #expect(config.board.lineNames.count == 28)
            #expect(!config.board.serialPorts.isEmpty)
        }
    }
}
