public import EdgeCore

/// A board description from `boards/*.yaml`: which GPIO chips (by label) and lines (by kernel
/// name) and which serial ports a gateway model has.
public struct Board: Sendable, Equatable {
    /// One GPIO line on a chip.
    public struct Line: Sendable, Equatable {
        /// Kernel line name, e.g. `GPIO17`.
        public var name: String
        /// Offset of the line on its chip.
        public var offset: Int
        /// Physical header pin, for people wiring the board.
        public var pin: Int?
        /// Alternate functions or warnings worth showing.
        public var note: String?
    }

    /// One GPIO chip, found at run time by its label.
    public struct Chip: Sendable, Equatable {
        /// Short name used in configs (`main`).
        public var id: String
        /// Kernel label, e.g. `pinctrl-bcm2711`.
        public var label: String
        /// The lines people may use.
        public var lines: [Line]
    }

    /// A serial port for Modbus RTU.
    public struct SerialPort: Sendable, Equatable {
        /// Name used in configs (`serial0`).
        public var name: String
        /// Device path, or `sim://...` on the simulated board.
        public var device: String
        /// Wiring and RS-485 advice.
        public var notes: String?
    }

    /// Board id (`rpi4b`).
    public var id: String
    /// Human name.
    public var name: String
    /// SoC description.
    public var soc: String?
    /// True for the in-process simulated board.
    public var simulated: Bool
    /// GPIO chips.
    public var chips: [Chip]
    /// Serial ports.
    public var serialPorts: [SerialPort]

    /// Finds a line by kernel name (case-sensitive, as the kernel names it) on any chip.
    public func line(named name: String) -> (chip: Chip, line: Line)? {
        for chip in chips {
            if let line = chip.lines.first(where: { $0.name == name }) { return (chip, line) }
        }
        return nil
    }

    /// All line names, for suggestions.
    public var lineNames: [String] { chips.flatMap { $0.lines.map(\.name) } }
}

extension Board {
    /// Decodes a board file, collecting problems into `reader`.
    static func decode(_ root: YAMLNode, reader: inout NodeReader) -> Board? {
        let allowed = ["board", "name", "soc", "simulated", "chips", "serial"]
        guard let f = reader.fields(root, "", allowed: allowed) else { return nil }
        let id = reader.require(f, "board", in: root, "").flatMap { reader.identifier($0, "board") }
        let name = reader.require(f, "name", in: root, "").flatMap { reader.string($0, "name") }
        let soc = f["soc"].flatMap { reader.string($0, "soc") }
        let simulated = f["simulated"].flatMap { reader.bool($0, "simulated") } ?? false
        var chips: [Chip] = []
        if let node = reader.require(f, "chips", in: root, ""), let items = reader.list(node, "chips") {
            for (i, item) in items.enumerated() {
                if let chip = decodeChip(item, "chips[\(i)]", reader: &reader) { chips.append(chip) }
            }
        }
        var ports: [SerialPort] = []
        if let node = f["serial"], let items = reader.list(node, "serial") {
            for (i, item) in items.enumerated() {
                let path = "serial[\(i)]"
                guard let pf = reader.fields(item, path, allowed: ["name", "device", "notes"]) else { continue }
                guard let n = reader.require(pf, "name", in: item, path).flatMap({ reader.identifier($0, join(path, "name")) }),
                    let d = reader.require(pf, "device", in: item, path).flatMap({ reader.string($0, join(path, "device")) })
                else { continue }
                ports.append(SerialPort(name: n, device: d, notes: pf["notes"].flatMap { reader.string($0, join(path, "notes")) }))
            }
        }
        var seen: [String: SourceLocation] = [:]
        for chip in chips {
            for line in chip.lines {
                if seen[line.name] != nil {
                    reader.bag.error(root.location, "chips", "line name '\(line.name)' appears twice")
                }
                seen[line.name] = root.location
            }
        }
        guard let id, let name else { return nil }
        return Board(id: id, name: name, soc: soc, simulated: simulated, chips: chips, serialPorts: ports)
    }

    private static func decodeChip(_ node: YAMLNode, _ path: String, reader: inout NodeReader) -> Chip? {
        guard let f = reader.fields(node, path, allowed: ["id", "label", "lines"]) else { return nil }
        let id = reader.require(f, "id", in: node, path).flatMap { reader.identifier($0, join(path, "id")) }
        let label = reader.require(f, "label", in: node, path).flatMap { reader.string($0, join(path, "label")) }
        var lines: [Line] = []
        if let ln = reader.require(f, "lines", in: node, path), let items = reader.list(ln, join(path, "lines")) {
            for (i, item) in items.enumerated() {
                let lp = join(path, "lines[\(i)]")
                guard let lf = reader.fields(item, lp, allowed: ["name", "offset", "pin", "note"]) else { continue }
                guard let name = reader.require(lf, "name", in: item, lp).flatMap({ reader.string($0, join(lp, "name")) }),
                    let offset = reader.require(lf, "offset", in: item, lp).flatMap({
                        reader.integer($0, join(lp, "offset"), in: 0...1023)
                    })
                else { continue }
                let pin = lf["pin"].flatMap { reader.integer($0, join(lp, "pin"), in: 1...200) }
                let note = lf["note"].flatMap { reader.string($0, join(lp, "note")) }
                lines.append(Line(name: name, offset: offset, pin: pin, note: note))
            }
        }
        guard let id, let label else { return nil }
        return Chip(id: id, label: label, lines: lines)
    }
}

extension Board {
    /// Loads board `nameOrPath` (an id looked up in `boardsDir`, beside the working directory's
    /// project and in the installed locations, or a path to a board file) for the field tools.
    /// Returns the board, or the diagnostics saying why not.
    public static func load(_ nameOrPath: String, boardsDir: String? = nil, baseDir: String = ".") -> (Board?, [Diagnostic]) {
        let node = YAMLNode(.scalar(nameOrPath, quoted: false), at: SourceLocation(file: "--board", line: 1, column: 1))
        var reader = NodeReader()
        let loaded = ConfigCompiler.loadBoard(node, explicitDir: boardsDir, baseDir: baseDir, reader: &reader)
        return (reader.bag.hasErrors ? nil : loaded?.0, reader.bag.all)
    }
}
