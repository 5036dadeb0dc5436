public import EdgeCore
import EdgeFlux
import ModbusModel

#if canImport(Glibc)
    import Glibc
#endif

/// The result of compiling a config: the config when there were no errors, and every
/// diagnostic (errors and warnings) found on the way.
public struct ConfigCompilation: Sendable {
    /// The compiled config; nil when any error was found.
    public var config: AgentConfig?
    /// All problems, in file order.
    public var diagnostics: [Diagnostic]
}

/// Turns a config file (and the board and app files it names) into an `AgentConfig`, once,
/// before any I/O starts. `edgeflow check` and `edgeflow run` share this.
public enum ConfigCompiler {
    /// Top-level keys of a config file.
    static let topLevelKeys = ["agent", "board", "boards_dir", "buses", "sources", "outputs", "apps", "uplink", "ai"]

    /// Reads and compiles the config at `path`.
    public static func compile(file path: String) -> ConfigCompilation {
        let text: String
        do {
            text = try Files.readText(path)
        } catch {
            return ConfigCompilation(
                config: nil, diagnostics: [Diagnostic(.error, at: nil, "\(error)", hint: missingFileHint(path, error))])
        }
        return compile(text: text, file: path)
    }

    /// What to try when the config file cannot be read: a file of a similar name in the same
    /// directory when there is one, the permission when that is the problem, else where
    /// configs usually live.
    static func missingFileHint(_ path: String, _ error: FileError) -> String {
        guard error.errno == ENOENT else {
            return error.errno == EACCES
                ? "the agent's user must be able to read it (sudo, or the edgeflow group)"
                : "check the path and the disk"
        }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let candidates = Files.list(directory.isEmpty ? "/" : directory).filter {
            $0.hasSuffix(".yaml") || $0.hasSuffix(".yml")
        }
        if let near = Spelling.closest(to: name, among: candidates) {
            return "did you mean '\(slash == nil ? near : directory + "/" + near)'?"
        }
        return "no such file; packaged configs live in /etc/edgeflow/config.yaml, examples in config/"
    }

    /// Compiles config text; `file` names it in diagnostics and anchors relative paths.
    public static func compile(text: String, file: String) -> ConfigCompilation {
        var reader = NodeReader()
        let root: YAMLNode
        do {
            guard let parsed = try YAMLParser.parse(text, file: file) else {
                return ConfigCompilation(
                    config: nil,
                    diagnostics: [Diagnostic(.error, at: SourceLocation(file: file, line: 1, column: 1), "the config file is empty",
                        hint: "start from config/demo.yaml")])
            }
            root = parsed
        } catch {
            return ConfigCompilation(config: nil, diagnostics: [error.diagnostic])
        }
        let config = decode(root, file: file, reader: &reader)
        let diagnostics = reader.bag.all
        return ConfigCompilation(config: reader.bag.hasErrors ? nil : config, diagnostics: diagnostics)
    }

    static func decode(_ root: YAMLNode, file: String, reader: inout NodeReader) -> AgentConfig? {
        guard let f = reader.fields(root, "", allowed: topLevelKeys) else { return nil }
        let baseDir = Files.directory(of: file)
        let agent = decodeAgent(f["agent"], reader: &reader, baseDir: baseDir)
        var boardAndFile: (Board, String)?
        if let node = reader.require(f, "board", in: root, "") {
            let dirs = f["boards_dir"].flatMap { reader.string($0, "boards_dir") }.map { Files.resolve($0, against: baseDir) }
            boardAndFile = loadBoard(node, explicitDir: dirs, baseDir: baseDir, reader: &reader)
        }
        var buses: [String: (ModbusBusConfig, YAMLNode)] = [:]
        var brokenBuses = Set<String>()
        var busOrder: [ModbusBusConfig] = []
        if let node = f["buses"], let items = reader.list(node, "buses") {
            for (i, item) in items.enumerated() {
                guard let bus = ModbusDecoder.decodeBus(item, "buses[\(i)]", board: boardAndFile?.0, reader: &reader) else {
                    // Declared but broken: its devices should not also say "no bus".
                    if case .mapping(let pairs) = item.kind, let id = pairs.first(where: { $0.key.scalarText == "id" })?.value.scalarText {
                        brokenBuses.insert(id)
                    }
                    continue
                }
                if let first = buses[bus.id] {
                    reader.bag.error(item.location, "buses[\(i)].id", "duplicate bus id '\(bus.id)'", hint: "first used at line \(first.1.location.line)")
                    continue
                }
                buses[bus.id] = (bus, item)
                busOrder.append(bus)
            }
        }
        var sources: [SourceConfig] = []
        var ids: [String: SourceLocation] = [:]
        if let node = f["sources"], let items = reader.list(node, "sources") {
            for (i, item) in items.enumerated() {
                let path = "sources[\(i)]"
                guard let s = SourceDecoder.decode(
                    item, path, index: sources.count, board: boardAndFile?.0, buses: buses, brokenBuses: brokenBuses,
                    reader: &reader)
                else { continue }
                if let first = ids[s.id] {
                    reader.bag.error(item.location, join(path, "id"), "duplicate id '\(s.id)'",
                        hint: "ids of sources and outputs must be unique; first used at line \(first.line)")
                    continue
                }
                ids[s.id] = item.location
                sources.append(s)
            }
        }
        var outputs: [OutputConfig] = []
        if let node = f["outputs"], let items = reader.list(node, "outputs") {
            for (i, item) in items.enumerated() {
                let path = "outputs[\(i)]"
                guard let o = SourceDecoder.decodeOutput(item, path, board: boardAndFile?.0, sources: sources, reader: &reader)
                else { continue }
                if let first = ids[o.id] {
                    reader.bag.error(item.location, join(path, "id"), "duplicate id '\(o.id)'",
                        hint: "ids of sources and outputs must be unique; first used at line \(first.line)")
                    continue
                }
                ids[o.id] = item.location
                outputs.append(o)
            }
        }
        checkLineConflicts(sources: sources, outputs: outputs, root: root, reader: &reader)
        var apps: [AppConfig] = []
        if let node = f["apps"], let items = reader.list(node, "apps") {
            for (i, item) in items.enumerated() {
                if let app = loadApp(item, "apps[\(i)]", baseDir: baseDir, sources: sources, reader: &reader) {
                    apps.append(app)
                }
            }
        }
        let uplink = f["uplink"].flatMap { SectionDecoder.uplink($0, baseDir: baseDir, reader: &reader) }
        let ai = f["ai"].flatMap { AIDecoder.decode($0, baseDir: baseDir, reader: &reader) }
        guard let agent, let (board, boardFile) = boardAndFile else { return nil }
        let config = AgentConfig(
            file: file, agent: agent, board: board, boardFile: boardFile, buses: busOrder, sources: sources, outputs: outputs, apps: apps,
            uplink: uplink, ai: ai)
        if let (key, message) = config.uplinkBatchCutShort, let node = f["uplink"] {
            // Not an error: a full batch going early is fine, but the interval alone no longer says when data leaves.
            var at = node.location
            if case .mapping(let pairs) = node.kind, let pair = pairs.first(where: { $0.key.scalarText == key }) {
                at = pair.key.location
            }
            reader.bag.warning(
                at, "uplink.\(key)", message,
                hint: "raise uplink.\(key), or shorten uplink.batch_interval, if batches should follow the interval")
        }
        return config
    }

    static func decodeAgent(_ node: YAMLNode?, reader: inout NodeReader, baseDir: String) -> AgentSettings? {
        var settings = AgentSettings(
            name: "edgeflow", logLevel: "info", dataDir: Files.resolve("data", against: baseDir), ringCapacity: 4096,
            dropPolicy: .dropOldest, view: "live", modbusTCPThreads: 4)
        guard let node else { return settings }
        let allowed = [
            "name", "log_level", "data_dir", "ring", "record_buffer", "view", "modbus_tcp_threads", "status", "metrics",
        ]
        guard let f = reader.fields(node, "agent", allowed: allowed) else { return nil }
        if let n = f["name"], let v = reader.identifier(n, "agent.name") { settings.name = v }
        if let n = f["log_level"], let v = reader.choice(n, "agent.log_level", ["trace", "debug", "info", "notice", "warning", "error", "critical"]) {
            settings.logLevel = v
        }
        if let n = f["data_dir"], let v = reader.string(n, "agent.data_dir") { settings.dataDir = Files.resolve(v, against: baseDir) }
        if let n = f["view"], let v = reader.choice(n, "agent.view", ["live", "log"]) { settings.view = v }
        if let n = f["record_buffer"], let v = reader.size(n, "agent.record_buffer", in: 65_536...(1 << 30)) {
            settings.recordBufferBytes = Int(v)
        }
        if let n = f["modbus_tcp_threads"], let v = reader.integer(n, "agent.modbus_tcp_threads", in: 1...256) {
            settings.modbusTCPThreads = v
        }
        if let n = f["metrics"], let text = reader.string(n, "agent.metrics") {
            if let address = ListenAddress.parse(text) {
                settings.metrics = address
            } else {
                reader.bag.error(
                    n.location, "agent.metrics", "'\(text)' is not an address to listen on",
                    hint: "use an IPv4 address and a port, e.g. 127.0.0.1:9464 (or 0.0.0.0:9464 for the LAN)")
            }
        }
        if let n = f["status"] { decodeStatus(n, into: &settings, reader: &reader, baseDir: baseDir) }
        if let ring = f["ring"], let rf = reader.fields(ring, "agent.ring", allowed: ["capacity", "drop_policy"]) {
            if let n = rf["capacity"], let c = reader.integer(n, "agent.ring.capacity", in: 2...(1 << 24)) {
                if c & (c - 1) != 0 {
                    var p = 1
                    while p < c { p <<= 1 }
                    reader.bag.error(n.location, "agent.ring.capacity", "\(c) is not a power of two",
                        hint: "the ring indexes with a mask; use \(p >> 1) or \(p)")
                } else {
                    settings.ringCapacity = c
                }
            }
            if let n = rf["drop_policy"], let v = reader.choice(n, "agent.ring.drop_policy", DropPolicy.allCases.map(\.rawValue)),
                let p = DropPolicy(rawValue: v)
            {
                settings.dropPolicy = p
            }
        }
        return settings
    }

    /// `agent.status`: the socket's path and the health thresholds of `edgeflow status --check`.
    static func decodeStatus(
        _ node: YAMLNode, into settings: inout AgentSettings, reader: inout NodeReader, baseDir: String
    ) {
        let allowed = ["socket", "stale_polls", "uplink_ack_max_age", "spool_fill_max", "output_unconfirmed_max"]
        guard let f = reader.fields(node, "agent.status", allowed: allowed) else { return }
        if let n = f["socket"], let v = reader.string(n, "agent.status.socket") {
            let path = Files.resolve(v, against: baseDir)
            // sockaddr_un holds 108 bytes with the terminating NUL.
            if path.utf8.count > 107 {
                reader.bag.error(
                    n.location, "agent.status.socket",
                    "the path is \(path.utf8.count) bytes; a Unix socket path holds at most 107",
                    hint: "use a shorter path such as /run/edgeflow/edgeflow.sock")
            } else {
                settings.statusSocket = path
            }
        }
        if let n = f["stale_polls"], let v = reader.integer(n, "agent.status.stale_polls", in: 1...1000) {
            settings.health.stalePolls = v
        }
        if let n = f["uplink_ack_max_age"],
            let v = reader.duration(n, "agent.status.uplink_ack_max_age", in: 1_000_000_000...(30 * 86_400_000_000_000))
        {
            settings.health.uplinkAckMaxAgeNanoseconds = v
        }
        if let n = f["spool_fill_max"], let v = reader.number(n, "agent.status.spool_fill_max", in: 0.01...1) {
            settings.health.spoolFillMax = v
        }
        if let n = f["output_unconfirmed_max"],
            let v = reader.duration(n, "agent.status.output_unconfirmed_max", in: 1_000_000_000...86_400_000_000_000)
        {
            settings.health.outputUnconfirmedMaxNanoseconds = v
        }
    }

    /// Finds a board by id in the boards directories, or by path when the value names a file.
    static func loadBoard(_ node: YAMLNode, explicitDir: String?, baseDir: String, reader: inout NodeReader) -> (Board, String)? {
        guard let value = reader.string(node, "board") else { return nil }
        let candidates: [String]
        var searched: [String] = []
        if value.hasSuffix(".yaml") || value.contains("/") {
            candidates = [Files.resolve(value, against: baseDir)]
        } else {
            let dirs = explicitDir.map { [$0] } ?? boardDirectories(baseDir: baseDir)
            searched = dirs
            candidates = dirs.map { Files.normalize("\($0)/\(value).yaml") }
        }
        guard let path = candidates.first(where: Files.exists) else {
            let known = Set(searched.flatMap { dir in Files.list(dir).filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) } })
            let hint = suggestion(for: value, among: known.sorted())
                ?? "looked in: \(searched.isEmpty ? candidates.joined(separator: ", ") : searched.joined(separator: ", "))"
            reader.bag.error(node.location, "board", "no board '\(value)'", hint: hint)
            return nil
        }
        do {
            let text = try Files.readText(path)
            guard let root = try YAMLParser.parse(text, file: path) else {
                reader.bag.error(node.location, "board", "board file '\(path)' is empty")
                return nil
            }
            var boardReader = NodeReader()
            let board = Board.decode(root, reader: &boardReader)
            reader.bag.merge(boardReader.bag)
            return board.map { ($0, path) }
        } catch let error as YAMLSyntaxError {
            reader.bag.add(error.diagnostic)
        } catch {
            reader.bag.error(node.location, "board", "\(error)")
        }
        return nil
    }

    /// Where boards are looked up: beside the config's project, then the installed locations.
    static func boardDirectories(baseDir: String) -> [String] {
        ["\(baseDir)/../boards", "\(baseDir)/boards", "/etc/edgeflow/boards", "/usr/share/edgeflow/boards"]
    }

    static func checkLineConflicts(sources: [SourceConfig], outputs: [OutputConfig], root: YAMLNode, reader: inout NodeReader) {
        var used: [String: String] = [:]
        for s in sources {
            guard case .gpio(let g) = s.kind else { continue }
            for l in g.lines {
                if let other = used[l.line] {
                    reader.bag.error(root.location, "sources", "line \(l.line) is used by both '\(other)' and '\(s.id)'",
                        hint: "a GPIO line can be requested once")
                }
                used[l.line] = s.id
            }
        }
        for o in outputs {
            guard let line = o.gpioLine else { continue }
            if let other = used[line] {
                reader.bag.error(root.location, "outputs", "line \(line) is used by both '\(other)' and '\(o.id)'",
                    hint: "a GPIO line can be requested once")
            }
            used[line] = o.id
        }
    }

    static func loadApp(_ node: YAMLNode, _ path: String, baseDir: String, sources: [SourceConfig], reader: inout NodeReader) -> AppConfig? {
        var appPath: String?
        var enabled = true
        var pathNode = node
        if node.scalarText != nil {
            appPath = reader.string(node, path)
        } else if let f = reader.fields(node, path, allowed: ["path", "enabled"]) {
            if let p = reader.require(f, "path", in: node, path) {
                pathNode = p
                appPath = reader.string(p, join(path, "path"))
            }
            enabled = f["enabled"].flatMap { reader.bool($0, join(path, "enabled")) } ?? true
        }
        guard let appPath else { return nil }
        let resolved = Files.resolve(appPath, against: baseDir)
        let text: String
        do {
            text = try Files.readText(resolved)
        } catch {
            reader.bag.error(pathNode.location, path, "\(error)", hint: "app paths are relative to the config file")
            return nil
        }
        var appReader = NodeReader()
        var document: AppDocument?
        do {
            if let root = try YAMLParser.parse(text, file: resolved) {
                document = AppDecoder.decode(root, reader: &appReader)
            } else {
                appReader.bag.error(SourceLocation(file: resolved, line: 1, column: 1), "", "the app file is empty")
            }
        } catch {
            appReader.bag.add(error.diagnostic)
        }
        if let document {
            for (i, s) in document.eventSources.enumerated() {
                guard case .device(let sourceId, _) = s.kind else { continue }
                if !sources.contains(where: { $0.id == sourceId }) {
                    appReader.bag.error(s.channelId.location, "eventSources[\(i)].source", "no source '\(sourceId)' in the config",
                        hint: suggestion(for: sourceId, among: sources.map(\.id)) ?? "device event sources name a source id of the config")
                }
            }
        }
        reader.bag.merge(appReader.bag)
        guard let document else { return nil }
        return AppConfig(path: resolved, enabled: enabled, document: document)
    }
}
