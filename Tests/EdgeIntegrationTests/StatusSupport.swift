import EdgeTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What the status tests need around a running agent: curl as an independent HTTP client for
/// the socket and the metrics port, and the schema block of docs/status.md.
enum StatusProbe {
    /// `curl --unix-socket SOCKET http://localhost/PATH`: status code and body.
    static func curl(socket: String? = nil, url: String, method: String = "GET") throws -> (status: Int, body: String) {
        let curl = try requireExecutable("curl", install: "apt-get install curl")
        var arguments = ["-s", "-m", "10", "-X", method, "-w", "\n%{http_code}"]
        if let socket { arguments += ["--unix-socket", socket] }
        arguments.append(url)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: curl)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard let cut = text.lastIndex(of: "\n"), let status = Int(text[text.index(after: cut)...]) else {
            throw PeerError("curl printed no status code: \(text) (exit \(process.terminationStatus))")
        }
        return (status, String(text[..<cut]))
    }

    /// `GET /status` over the socket, parsed.
    static func status(socket: String) throws -> [String: Any] {
        let answer = try curl(socket: socket, url: "http://localhost/status")
        guard answer.status == 200,
            let object = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any]
        else { throw PeerError("status answered \(answer.status): \(answer.body)") }
        return object
    }

    /// The status document's source entry with `id`.
    static func source(_ id: String, in status: [String: Any]) -> [String: Any]? {
        (status["sources"] as? [[String: Any]])?.first { $0["id"] as? String == id }
    }
}

/// The ```schema block of docs/status.md: one `path type` line per key.
struct StatusSchema {
    struct Entry {
        var types: Set<String>
        var optional: Bool
    }

    let entries: [String: Entry]

    static func load() throws -> StatusSchema {
        let text = readTextFile(EdgeflowBinary.root + "/docs/status.md")
        guard let start = text.range(of: "```schema\n"),
            let end = text.range(of: "```", range: start.upperBound..<text.endIndex)
        else { throw PeerError("docs/status.md has no ```schema block") }
        var entries: [String: Entry] = [:]
        for line in text[start.upperBound..<end.lowerBound].split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 2 else { throw PeerError("schema line '\(line)' is not 'path type'") }
            var type = String(fields[1])
            let optional = type.hasSuffix("?")
            if optional { type.removeLast() }
            entries[String(fields[0])] = Entry(
                types: Set(type.split(separator: "|").map(String.init)), optional: optional)
        }
        return StatusSchema(entries: entries)
    }

    /// Every way `document` departs from the schema: undocumented keys, wrong types, missing keys.
    func violations(_ document: [String: Any]) -> [String] {
        var problems: [String] = []
        check(object: document, at: "", into: &problems)
        return problems
    }

    private func check(object: [String: Any], at path: String, into problems: inout [String]) {
        for (key, value) in object {
            check(value: value, at: path.isEmpty ? key : "\(path).\(key)", into: &problems)
        }
        let prefix = path.isEmpty ? "" : "\(path)."
        for (entryPath, entry) in entries where entryPath.hasPrefix(prefix) && !entry.optional {
            let rest = entryPath.dropFirst(prefix.count)
            guard !rest.contains("."), !rest.contains("[") else { continue }
            if object[String(rest)] == nil { problems.append("\(entryPath): documented but missing") }
        }
    }

    private func check(value: Any, at path: String, into problems: inout [String]) {
        guard let entry = entries[path] else {
            problems.append("\(path): not documented in docs/status.md")
            return
        }
        let type = Self.type(of: value)
        if !entry.types.contains(type) { problems.append("\(path): \(type), documented as \(entry.types.sorted())") }
        if let object = value as? [String: Any] { check(object: object, at: path, into: &problems) }
        if let array = value as? [Any] {
            for element in array { check(value: element, at: path + "[]", into: &problems) }
        }
    }

    static func type(of value: Any) -> String {
        switch value {
        case is NSNull: "null"
        case is String: "string"
        case let n as NSNumber: String(cString: n.objCType) == "c" ? "boolean" : "number"
        case is [Any]: "array"
        case is [String: Any]: "object"
        default: "unknown"
        }
    }
}

extension StatusProbe {
    /// A config on the simulated board with one `tank` source every `interval`; `agent` adds
    /// keys to the agent section, `rest` more top-level YAML.
    static func tankConfig(_ dir: TemporaryDirectory, interval: String, agent: String = "", rest: String = "") throws
        -> String
    {
        try dir.write(
            "config.yaml",
            """
            agent: {name: status-test, data_dir: \(dir.path)/data\(agent)}
            boards_dir: \(EdgeflowBinary.root)/boards
            board: sim
            sources:
              - id: tank
                type: simulated
                interval: \(interval)
                points: [{name: level, waveform: ramp, min: 0, max: 1000, period: 1h}]
            \(rest)
            """)
    }

    /// A started pymodbus server on a free port whose unit 1 holds `value` in holding register 0.
    static func holdingRegisterPeer(_ dir: TemporaryDirectory, value: Int) async throws -> (ModbusServerPeer, UInt16) {
        let tools = try await ModbusPeerTools.require(in: dir)
        let port = try freeTCPPort()
        let server = try ModbusServerPeer(
            tools: tools, directory: dir,
            layout: #"{"units": {"1": {"holding": [{"address": 0, "type": "uint16", "value": "# + "\(value)" + "}]}}}",
            link: .tcp(port: port))
        try await server.start()
        return (server, port)
    }
}

extension StatusProbe {
    /// A config polling holding register 0 of unit 1 at 127.0.0.1:`port` as source `boiler`;
    /// `agent` adds keys to the agent section, `device` to the source (`, poll: 20ms`), `rest`
    /// more top-level YAML from line 7 on.
    static func boilerYAML(_ dir: TemporaryDirectory, port: UInt16, agent: String, device: String, rest: String = "")
        -> String
    {
        """
        agent: {data_dir: \(dir.path)/data\(agent)}
        boards_dir: \(EdgeflowBinary.root)/boards
        board: sim
        buses: [{id: plant, type: tcp, host: 127.0.0.1, port: \(port)}]
        sources:
          - {id: boiler, type: modbus, bus: plant, unit: 1\(device), points: [{name: temp, space: holding, address: 0, type: uint16}]}
        \(rest)
        """
    }
}

extension StatusProbe {
    /// `app.json`: app `watch` drives output `lamp` to 1 on every frame of source `tank`.
    static func writeLampApp(_ dir: TemporaryDirectory) throws {
        _ = try dir.write(
            "app.json",
            """
            {"appId": "watch", "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "tank", "type": "device", "source": "tank", "channelId": "in"}],
             "actions": [{"actionId": "lamp", "channelId": "in", "type": "gpio-write", "condition": "payload.level >= 0",
                          "config": {"output": "lamp", "value": 1}}]}
            """)
    }
}
