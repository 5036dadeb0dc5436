public import EdgeCore

/// Strict, collecting reader over YAML nodes: every wrong key, type or value becomes a
/// diagnostic with the node's position and field path, and reading goes on so the user sees
/// all problems at once. Getters return nil after reporting.
public struct NodeReader {
    /// What was found so far.
    public var bag = DiagnosticBag()
    /// Per mapping: the keys an unknown key there was taken for (`adress` → `address`), so a
    /// missing required key already named by that hint is not reported a second time.
    private var suggestedKeys: [SourceLocation: Set<String>] = [:]

    /// Creates a reader.
    public init() {}

    /// A mapping's fields by name, after checking the node is a mapping, that every key is one
    /// of `allowed`, and that no key repeats. Unknown keys get a "did you mean" hint.
    public mutating func fields(_ node: YAMLNode, _ path: String, allowed: [String]) -> [String: YAMLNode]? {
        guard case .mapping(let pairs) = node.kind else {
            expected("a mapping", node, path)
            return nil
        }
        var result: [String: YAMLNode] = [:]
        for (keyNode, value) in pairs {
            let key = keyNode.scalarText ?? ""
            let keyPath = join(path, key)
            if result[key] != nil {
                bag.error(keyNode.location, keyPath, "duplicate key '\(key)'", hint: "each key may appear once in a mapping")
                continue
            }
            guard allowed.contains(key) else {
                bag.error(keyNode.location, keyPath, "unknown key '\(key)'", hint: suggestion(for: key, among: allowed))
                if let meant = Spelling.closest(to: key, among: allowed, aliases: knownAliases) {
                    suggestedKeys[node.location, default: []].insert(meant)
                }
                continue
            }
            result[key] = value
        }
        return result
    }

    /// Reports a missing required key at the mapping that should hold it, unless an unknown key
    /// of that mapping was already reported as a misspelling of it (one typo, one error).
    public mutating func require(_ fields: [String: YAMLNode], _ key: String, in node: YAMLNode, _ path: String) -> YAMLNode? {
        if let value = fields[key] { return value }
        if suggestedKeys[node.location]?.contains(key) == true { return nil }
        bag.error(node.location, path.isEmpty ? key : path, "missing required key '\(key)'")
        return nil
    }

    /// A string scalar (plain or quoted; numbers are not accepted where a name is meant).
    public mutating func string(_ node: YAMLNode, _ path: String, allowEmpty: Bool = false) -> String? {
        guard case .scalar(let text, let quoted) = node.kind else {
            expected("a string", node, path)
            return nil
        }
        if !quoted, case .string = YAMLNode.resolvePlain(text) {} else if !quoted {
            expected("a string", node, path, hint: "quote it if you mean the text \"\(text)\"")
            return nil
        }
        if !allowEmpty && text.isEmpty {
            bag.error(node.location, path, "must not be empty")
            return nil
        }
        return text
    }

    /// An identifier: letters, digits, '-', '_' and '.', starting with a letter or digit.
    public mutating func identifier(_ node: YAMLNode, _ path: String) -> String? {
        guard let text = string(node, path) else { return nil }
        let ok = text.first.map { $0.isLetter || $0.isNumber } == true
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
        guard ok, text.count <= 64 else {
            bag.error(node.location, path, "'\(text)' is not a valid id",
                hint: "use up to 64 letters, digits, '-', '_' or '.', starting with a letter or digit")
            return nil
        }
        return text
    }

    /// A boolean (`true`/`false`).
    public mutating func bool(_ node: YAMLNode, _ path: String) -> Bool? {
        if case .scalar(let text, false) = node.kind, case .bool(let b) = YAMLNode.resolvePlain(text) { return b }
        expected("true or false", node, path)
        return nil
    }

    /// A number within `range`.
    public mutating func number(_ node: YAMLNode, _ path: String, in range: ClosedRange<Double>? = nil) -> Double? {
        guard case .scalar(let text, false) = node.kind, case .number(let n) = YAMLNode.resolvePlain(text), n.isFinite else {
            expected("a number", node, path)
            return nil
        }
        if let range, !range.contains(n) {
            bag.error(node.location, path, "\(text) is out of range", hint: "expected \(show(range.lowerBound)) to \(show(range.upperBound))")
            return nil
        }
        return n
    }

    /// A whole number within `range`.
    public mutating func integer(_ node: YAMLNode, _ path: String, in range: ClosedRange<Int>) -> Int? {
        guard case .scalar(let text, false) = node.kind, case .number(let n) = YAMLNode.resolvePlain(text) else {
            if case .scalar(let text, true) = node.kind, case .number = YAMLNode.resolvePlain(text) {
                expected("a whole number", node, path, hint: "write it without quotes: \(text)")
            } else {
                expected("a whole number", node, path)
            }
            return nil
        }
        guard n == n.rounded(), abs(n) < 1e15 else {
            expected("a whole number", node, path)
            return nil
        }
        let value = Int(n)
        guard range.contains(value) else {
            bag.error(node.location, path, "\(text) is out of range", hint: "expected \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return value
    }

    /// One of a fixed set of words; a near miss gets a "did you mean" hint.
    public mutating func choice(_ node: YAMLNode, _ path: String, _ options: [String]) -> String? {
        guard case .scalar(let text, _) = node.kind, node.scalarText != nil else {
            expected("one of \(options.joined(separator: ", "))", node, path)
            return nil
        }
        guard options.contains(text) else {
            let hint = suggestion(for: text, among: options) ?? "expected one of: \(options.joined(separator: ", "))"
            bag.error(node.location, path, "'\(text)' is not a valid value", hint: hint)
            return nil
        }
        return text
    }

    /// A duration with a unit (`250ms`, `10s`, `5m`, `1h`, `1d`), in nanoseconds, within `range`.
    public mutating func duration(
        _ node: YAMLNode, _ path: String, in range: ClosedRange<Int64> = 0...Int64.max
    ) -> Int64? {
        guard let text = node.scalarText, case .scalar(_, _) = node.kind else {
            expected("a duration such as 500ms or 10s", node, path)
            return nil
        }
        guard let value = Quantity.parseDuration(text) else {
            let hint = Double(text) != nil
                ? "add a unit: \(text)s or \(text)ms" : "use a number with a unit: ms, s, m, h or d (e.g. 500ms, 10s)"
            bag.error(node.location, path, "'\(text)' is not a duration", hint: hint)
            return nil
        }
        guard range.contains(value) else {
            bag.error(node.location, path, "\(text) is out of range",
                hint: "expected \(Quantity.formatDuration(range.lowerBound)) to \(Quantity.formatDuration(range.upperBound))")
            return nil
        }
        return value
    }

    /// A size with a unit (`512B`, `64KiB`, `16MiB`, `1GiB`, also kB/MB/GB), in bytes, within `range`.
    public mutating func size(_ node: YAMLNode, _ path: String, in range: ClosedRange<Int64> = 0...Int64.max) -> Int64? {
        guard let text = node.scalarText else {
            expected("a size such as 64MiB", node, path)
            return nil
        }
        guard let value = Quantity.parseSize(text) else {
            bag.error(node.location, path, "'\(text)' is not a size", hint: "use a number with a unit: B, KiB, MiB, GiB, kB, MB or GB (e.g. 64MiB)")
            return nil
        }
        guard range.contains(value) else {
            bag.error(node.location, path, "\(text) is out of range",
                hint: "expected \(Quantity.formatSize(range.lowerBound)) to \(Quantity.formatSize(range.upperBound))")
            return nil
        }
        return value
    }

    /// The items of a sequence.
    public mutating func list(_ node: YAMLNode, _ path: String) -> [YAMLNode]? {
        if case .sequence(let items) = node.kind { return items }
        expected("a list", node, path)
        return nil
    }

    /// Reports a node of the wrong shape.
    public mutating func expected(_ what: String, _ node: YAMLNode, _ path: String, hint: String? = nil) {
        bag.error(node.location, path, "expected \(what), found \(node.shapeName)\(preview(node))", hint: hint)
    }

    private func preview(_ node: YAMLNode) -> String {
        guard let text = node.scalarText, !text.isEmpty else { return "" }
        return " '\(text.count > 40 ? String(text.prefix(40)) + "..." : text)'"
    }

    private func show(_ n: Double) -> String { JSONValue.formatNumber(n) }
}

/// Joins a field path and a key: `sources[0]` + `id` = `sources[0].id`.
public func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

/// Names other gateways' configs use (Telegraf, ThingsBoard, Node-RED, mbpoll) for our keys, so
/// a config ported from them gets pointed at the right word.
let knownAliases: [String: [String]] = [
    "baud": ["baudrate", "baud_rate", "baudRate", "speed"],
    "unit": ["slave", "slave_id", "slaveid", "unit_id", "unitId", "device_id", "deviceId"],
    "address": ["register", "reg", "addr", "offset_address", "start"],
    "type": ["data_type", "datatype", "dataType", "format"],
    "order": ["byte_order", "word_order", "byteorder", "endianness", "swap"],
    "poll": ["interval", "poll_interval", "scan_rate", "pollPeriod", "polling"],
    "stop_bits": ["stopbits", "stopBits"],
    "data_bits": ["databits", "dataBits", "bytesize"],
    "port": ["device", "serial", "serial_port", "tty"],
    "space": ["register_type", "table", "function", "fc"],
    "timeout": ["response_timeout", "timeout_ms"],
]

/// "did you mean 'x'?" for the closest option (`Spelling.closest`, knowing other tools' key
/// names), else the list of options when short.
public func suggestion(for word: String, among options: [String]) -> String? {
    if let hint = Spelling.didYouMean(word, among: options, aliases: knownAliases) { return hint }
    return options.isEmpty ? nil : options.count <= 12 ? "expected one of: \(options.joined(separator: ", "))" : nil
}
