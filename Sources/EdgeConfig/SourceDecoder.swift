import EdgeCore
import ModbusModel

/// Decodes `sources:` and `outputs:` entries, resolving GPIO lines against the board.
enum SourceDecoder {
    static let sourceTypes = ["simulated", "gpio", "modbus"]
    static let keysByType: [String: [String]] = [
        "simulated": ["id", "type", "interval", "points"],
        "gpio": ["id", "type", "lines", "poll"],
        "modbus": ModbusDecoder.deviceKeys,
    ]

    static func decode(
        _ node: YAMLNode, _ path: String, index: Int, board: Board?, buses: [String: (ModbusBusConfig, YAMLNode)],
        brokenBuses: Set<String> = [], reader: inout NodeReader
    ) -> SourceConfig? {
        // The allowed keys depend on the type, so peek at it before the strict read.
        var peeked: String?
        if case .mapping(let pairs) = node.kind { peeked = pairs.first { $0.key.scalarText == "type" }?.value.scalarText }
        let allowed = peeked.flatMap { keysByType[$0] } ?? Array(Set(keysByType.values.joined())).sorted()
        guard let f = reader.fields(node, path, allowed: allowed) else { return nil }
        let id = reader.require(f, "id", in: node, path).flatMap { reader.identifier($0, join(path, "id")) }
        let type = reader.require(f, "type", in: node, path).flatMap { reader.choice($0, join(path, "type"), sourceTypes) }
        guard let id, let type else { return nil }
        switch type {
        case "modbus":
            guard let (bus, device) = ModbusDecoder.decodeDevice(
                node, path, f: f, id: id, source: index, buses: buses, brokenBuses: brokenBuses, reader: &reader)
            else { return nil }
            return SourceConfig(
                id: id, kind: .modbus(bus: bus, device: device), pointNames: device.points.map(\.name),
                pointUnits: device.points.map { $0.unit ?? "" })
        case "simulated":
            // Points are checked even when the interval is wrong, so one pass shows every problem.
            let interval = reader.require(f, "interval", in: node, path).flatMap {
                reader.duration($0, join(path, "interval"), in: 10_000_000...86_400_000_000_000)
            }
            guard let pointsNode = reader.require(f, "points", in: node, path),
                let items = reader.list(pointsNode, join(path, "points"))
            else { return nil }
            var points: [SimulatedPoint] = []
            for (i, item) in items.enumerated() {
                let pp = join(path, "points[\(i)]")
                guard let p = decodeSimPoint(item, pp, reader: &reader) else { continue }
                if points.contains(where: { $0.name == p.name }) {
                    reader.bag.error(item.location, join(pp, "name"), "duplicate point name '\(p.name)'")
                    continue
                }
                points.append(p)
            }
            if items.isEmpty { reader.bag.error(pointsNode.location, join(path, "points"), "a source needs at least one point") }
            guard let interval else { return nil }
            return SourceConfig(
                id: id, kind: .simulated(SimulatedDevice(intervalNanoseconds: interval, points: points)),
                pointNames: points.map(\.name), pointUnits: points.map { $0.unit ?? "" })
        default:
            guard let linesNode = reader.require(f, "lines", in: node, path), let items = reader.list(linesNode, join(path, "lines"))
            else { return nil }
            var lines: [GPIOInputLine] = []
            for (i, item) in items.enumerated() {
                let lp = join(path, "lines[\(i)]")
                guard let l = decodeInputLine(item, lp, board: board, reader: &reader) else { continue }
                if lines.contains(where: { $0.name == l.name }) {
                    reader.bag.error(item.location, join(lp, "name"), "duplicate point name '\(l.name)'")
                    continue
                }
                lines.append(l)
            }
            if items.isEmpty { reader.bag.error(linesNode.location, join(path, "lines"), "a gpio source needs at least one line") }
            var inputs = GPIOInputs(lines: lines)
            if let poll = f["poll"].flatMap({ reader.duration($0, join(path, "poll"), in: 1_000_000...86_400_000_000_000) }) {
                inputs.pollNanoseconds = poll
            }
            let names = inputs.pointNames
            for (i, name) in names.enumerated() where names[..<i].contains(name) {
                reader.bag.error(linesNode.location, join(path, "lines"), "point name '\(name)' is used twice",
                    hint: "a counted line 'x' adds points 'x_count' and 'x_rate'; rename the line that clashes")
            }
            return SourceConfig(id: id, kind: .gpio(inputs), pointNames: names, pointUnits: [])
        }
    }

    static func decodeSimPoint(_ node: YAMLNode, _ path: String, reader: inout NodeReader) -> SimulatedPoint? {
        let allowed = ["name", "waveform", "min", "max", "period", "value", "step", "unit", "redact"]
        guard let f = reader.fields(node, path, allowed: allowed) else { return nil }
        let name = reader.require(f, "name", in: node, path).flatMap { reader.identifier($0, join(path, "name")) }
        let shapes = ["constant", "sine", "ramp", "square", "random-walk"]
        let shape = reader.require(f, "waveform", in: node, path).flatMap { reader.choice($0, join(path, "waveform"), shapes) }
        let unit = f["unit"].flatMap { reader.string($0, join(path, "unit")) }
        guard let name, let shape else { return nil }
        func num(_ key: String) -> Double? {
            reader.require(f, key, in: node, path).flatMap { reader.number($0, join(path, key)) }
        }
        func period() -> Int64? {
            reader.require(f, "period", in: node, path).flatMap {
                reader.duration($0, join(path, "period"), in: 10_000_000...86_400_000_000_000)
            }
        }
        func refuse(_ keys: [String]) {
            for key in keys { if let n = f[key] { reader.bag.error(n.location, join(path, key), "'\(key)' does not apply to a \(shape) waveform") } }
        }
        var waveform: SimulatedPoint.Waveform?
        switch shape {
        case "constant":
            refuse(["min", "max", "period", "step"])
            if let v = num("value") { waveform = .constant(v) }
        case "random-walk":
            refuse(["period", "value"])
            if let lo = num("min"), let hi = num("max"), let step = num("step") {
                waveform = checkedRange(lo, hi, node, path, &reader) ? .randomWalk(min: lo, max: hi, step: step) : nil
            }
        default:
            refuse(["value", "step"])
            if let lo = num("min"), let hi = num("max"), let p = period(), checkedRange(lo, hi, node, path, &reader) {
                switch shape {
                case "sine": waveform = .sine(min: lo, max: hi, periodNanoseconds: p)
                case "ramp": waveform = .ramp(min: lo, max: hi, periodNanoseconds: p)
                default: waveform = .square(min: lo, max: hi, periodNanoseconds: p)
                }
            }
        }
        let redact = f["redact"].flatMap { reader.bool($0, join(path, "redact")) } ?? false
        guard let waveform else { return nil }
        return SimulatedPoint(name: name, waveform: waveform, unit: unit, redact: redact)
    }

    static func checkedRange(_ lo: Double, _ hi: Double, _ node: YAMLNode, _ path: String, _ reader: inout NodeReader) -> Bool {
        if lo > hi {
            reader.bag.error(node.location, join(path, "min"), "min (\(JSONValue.formatNumber(lo))) is greater than max (\(JSONValue.formatNumber(hi)))")
            return false
        }
        return true
    }

    /// Resolves a line name on the board, reporting unknown names with a suggestion.
    static func resolveLine(_ node: YAMLNode, _ path: String, board: Board?, reader: inout NodeReader) -> (String, Board.Chip, Board.Line)? {
        guard let name = reader.string(node, path) else { return nil }
        guard let board else { return nil }
        guard let (chip, line) = board.line(named: name) else {
            var hint = suggestion(for: name, among: board.lineNames)
            if name.hasPrefix("gpiochip") || name.allSatisfy(\.isNumber) {
                hint = "name lines by their kernel names as listed in the board file (e.g. GPIO17), not by number"
            }
            reader.bag.error(node.location, path, "board '\(board.id)' has no line '\(name)'", hint: hint)
            return nil
        }
        return (name, chip, line)
    }

    static func decodeInputLine(_ node: YAMLNode, _ path: String, board: Board?, reader: inout NodeReader) -> GPIOInputLine? {
        let allowed = ["line", "name", "edge", "bias", "active_low", "debounce", "simulate", "counter"]
        guard let f = reader.fields(node, path, allowed: allowed) else { return nil }
        let resolved = reader.require(f, "line", in: node, path).flatMap { resolveLine($0, join(path, "line"), board: board, reader: &reader) }
        let name = f["name"].flatMap { reader.identifier($0, join(path, "name")) }
        let edge = f["edge"].flatMap { reader.choice($0, join(path, "edge"), ["rising", "falling", "both", "none"]) } ?? "both"
        let bias = f["bias"].flatMap { reader.choice($0, join(path, "bias"), ["as-is", "pull-up", "pull-down", "disabled"]) } ?? "as-is"
        let activeLow = f["active_low"].flatMap { reader.bool($0, join(path, "active_low")) } ?? false
        let debounce = f["debounce"].flatMap { reader.duration($0, join(path, "debounce"), in: 0...1_000_000_000) } ?? 0
        var toggle: Int64?
        if let s = f["simulate"] {
            let sp = join(path, "simulate")
            if let board, !board.simulated {
                reader.bag.error(s.location, sp, "'simulate' only applies on the simulated board",
                    hint: "board '\(board.id)' has real lines; remove 'simulate'")
            } else if let sf = reader.fields(s, sp, allowed: ["toggle_every"]),
                let t = reader.require(sf, "toggle_every", in: s, sp)
            {
                toggle = reader.duration(t, join(sp, "toggle_every"), in: 10_000_000...86_400_000_000_000)
            }
        }
        if edge == "none", debounce > 0, let n = f["debounce"] {
            reader.bag.error(n.location, join(path, "debounce"), "'debounce' filters edges, but this line has 'edge: none'",
                hint: "a polled line is read every 'poll' of its source; remove 'debounce' or choose the edges to watch")
        }
        let counter = f["counter"].flatMap { decodeCounter($0, join(path, "counter"), edge: edge, reader: &reader) }
        guard let (lineName, chip, line) = resolved else { return nil }
        var input = GPIOInputLine(
            line: lineName, chipLabel: chip.label, offset: line.offset, name: name ?? lineName, edge: edge, bias: bias,
            activeLow: activeLow, debounceNanoseconds: debounce, simulateToggleNanoseconds: toggle)
        input.counter = counter
        return input
    }

    /// `counter: {scale: 0.5, rate_window: 60s, rate_per: 1min}`; every key optional.
    static func decodeCounter(_ node: YAMLNode, _ path: String, edge: String, reader: inout NodeReader) -> GPIOPulseCounter? {
        guard let f = reader.fields(node, path, allowed: ["scale", "rate_window", "rate_per"]) else { return nil }
        let scale = f["scale"].flatMap { reader.number($0, join(path, "scale"), in: 1e-12...1e12) } ?? 1
        let window = f["rate_window"].flatMap {
            reader.duration($0, join(path, "rate_window"), in: 1_000_000_000...3_600_000_000_000)
        } ?? 60_000_000_000
        let per = f["rate_per"].flatMap { reader.duration($0, join(path, "rate_per"), in: 1_000_000_000...86_400_000_000_000) }
            ?? 1_000_000_000
        if window % 1_000_000_000 != 0, let n = f["rate_window"] {
            reader.bag.error(n.location, join(path, "rate_window"), "the rate window must be whole seconds", hint: "e.g. 60s")
            return nil
        }
        if edge == "none" {
            reader.bag.error(node.location, path, "a counter needs edges to count, but this line has 'edge: none'",
                hint: "use 'edge: rising' (or falling) for a pulse output")
            return nil
        }
        return GPIOPulseCounter(scale: scale, rateWindowNanoseconds: window, ratePerNanoseconds: per)
    }

    static func decodeOutput(
        _ node: YAMLNode, _ path: String, board: Board?, sources: [SourceConfig], reader: inout NodeReader
    ) -> OutputConfig? {
        var peeked: String?
        if case .mapping(let pairs) = node.kind { peeked = pairs.first { $0.key.scalarText == "type" }?.value.scalarText }
        let common = ["id", "type", "safe_value", "min_hold", "max_rate", "on_recover", "readback", "on_mismatch"]
        let allowed = peeked == "modbus"
            ? common + ["device", "point", "min", "max", "max_step", "allowed"]
            : common + ["line", "active_low", "readback_interval"]
        if peeked == "modbus", case .mapping(let pairs) = node.kind,
            let key = pairs.first(where: { $0.key.scalarText == "readback_interval" })?.key
        {
            // Said here rather than as an unknown key: the key exists, but not for Modbus.
            reader.bag.error(key.location, join(path, "readback_interval"),
                "a modbus output is read back by every poll of its device, not on an interval of its own",
                hint: "remove it and set the device's poll, or 'readback: false' if the device cannot read the point")
            return nil
        }
        guard let f = reader.fields(node, path, allowed: allowed) else { return nil }
        let lifecycle = decodeLifecycle(f, path, reader: &reader)
        let id = reader.require(f, "id", in: node, path).flatMap { reader.identifier($0, join(path, "id")) }
        let type = reader.require(f, "type", in: node, path).flatMap { reader.choice($0, join(path, "type"), ["gpio", "modbus"]) }
        let hold = f["min_hold"].flatMap { reader.duration($0, join(path, "min_hold"), in: 0...3_600_000_000_000) } ?? 0
        let rate = f["max_rate"].flatMap { decodeRate($0, join(path, "max_rate"), reader: &reader) }
        guard let id, let type else { return nil }
        if type == "gpio" {
            let resolved = reader.require(f, "line", in: node, path).flatMap { resolveLine($0, join(path, "line"), board: board, reader: &reader) }
            let safe = reader.require(f, "safe_value", in: node, path).flatMap { reader.integer($0, join(path, "safe_value"), in: 0...1) }
            let activeLow = f["active_low"].flatMap { reader.bool($0, join(path, "active_low")) } ?? false
            let interval = f["readback_interval"].flatMap {
                reader.duration($0, join(path, "readback_interval"), in: 100_000_000...86_400_000_000_000)
            }
            guard let (lineName, chip, line) = resolved, let safe, let lifecycle else { return nil }
            var output = OutputConfig(
                id: id, target: .gpio(line: lineName, chipLabel: chip.label, offset: line.offset, activeLow: activeLow),
                safeValue: Double(safe), minimum: 0, maximum: 1, minHoldNanoseconds: hold, maxChanges: rate)
            lifecycle.apply(to: &output)
            output.readBackIntervalNanoseconds = interval ?? OutputConfig.defaultReadBackInterval
            return output
        }
        let device = reader.require(f, "device", in: node, path).flatMap { reader.string($0, join(path, "device")) }
        let pointNode = reader.require(f, "point", in: node, path)
        let point = pointNode.flatMap { reader.string($0, join(path, "point")) }
        let safe = reader.require(f, "safe_value", in: node, path).flatMap { reader.number($0, join(path, "safe_value")) }
        let lo = reader.require(f, "min", in: node, path).flatMap { reader.number($0, join(path, "min")) }
        let hi = reader.require(f, "max", in: node, path).flatMap { reader.number($0, join(path, "max")) }
        let step = f["max_step"].flatMap { reader.number($0, join(path, "max_step"), in: 0...1e15) }
        var allowedValues: [Double]?
        if let n = f["allowed"], let items = reader.list(n, join(path, "allowed")) {
            allowedValues = items.enumerated().compactMap { reader.number($1, join(path, "allowed[\($0)]")) }
            if items.isEmpty { reader.bag.error(n.location, join(path, "allowed"), "list at least one allowed value") }
        }
        guard let device, let point, let safe, let lo, let hi, let lifecycle else { return nil }
        if let allowedValues, !allowedValues.contains(safe), let n = f["safe_value"] {
            reader.bag.error(n.location, join(path, "safe_value"), "the safe value must be one of the allowed values",
                hint: "allowed: \(allowedValues.map(JSONValue.formatNumber).joined(separator: ", "))")
            return nil
        }
        // The output must be a writable point of a configured Modbus device.
        guard let source = sources.first(where: { $0.id == device }), case .modbus(_, let dev) = source.kind else {
            if let n = f["device"] {
                reader.bag.error(n.location, join(path, "device"), "no modbus source '\(device)'",
                    hint: suggestion(for: device, among: sources.compactMap { if case .modbus = $0.kind { $0.id } else { nil } }))
            }
            return nil
        }
        guard let p = dev.points.first(where: { $0.name == point }) else {
            if let pointNode {
                reader.bag.error(pointNode.location, join(path, "point"), "device '\(device)' has no point '\(point)'",
                    hint: suggestion(for: point, among: dev.points.map(\.name)))
            }
            return nil
        }
        if !p.space.isWritable, let pointNode {
            reader.bag.error(pointNode.location, join(path, "point"), "point '\(point)' is in the \(p.space) table, which is read-only",
                hint: "outputs must be holding registers or coils")
            return nil
        }
        if lo > hi {
            reader.bag.error(node.location, join(path, "min"), "min is greater than max")
            return nil
        }
        if !(lo...hi).contains(safe), let n = f["safe_value"] {
            reader.bag.error(n.location, join(path, "safe_value"), "the safe value must lie within min...max")
            return nil
        }
        var output = OutputConfig(
            id: id, target: .modbus(device: device, point: point), safeValue: safe, minimum: lo, maximum: hi, maxStep: step,
            minHoldNanoseconds: hold, allowedValues: allowedValues, maxChanges: rate)
        lifecycle.apply(to: &output)
        return output
    }

    /// The lifecycle keys every output takes: `on_recover`, `readback`, `on_mismatch`.
    struct LifecycleKeys {
        var onRecover: OutputConfig.Recovery = .safe
        var readBack = true
        var onMismatch: OutputConfig.MismatchPolicy = .redrive

        func apply(to output: inout OutputConfig) {
            output.onRecover = onRecover
            output.readBack = readBack
            output.onMismatch = onMismatch
        }
    }

    /// Decodes the lifecycle keys; nil when one is invalid (each problem is reported).
    static func decodeLifecycle(_ f: [String: YAMLNode], _ path: String, reader: inout NodeReader) -> LifecycleKeys? {
        var keys = LifecycleKeys()
        var valid = true
        /// One of the words of `E`, or the default when the key is absent.
        func word<E: RawRepresentable & CaseIterable>(_ key: String, _ absent: E) -> E where E.RawValue == String {
            guard let n = f[key] else { return absent }
            let found = reader.choice(n, join(path, key), E.allCases.map(\.rawValue)).flatMap(E.init(rawValue:))
            if found == nil { valid = false }
            return found ?? absent
        }
        keys.onRecover = word("on_recover", OutputConfig.Recovery.safe)
        keys.onMismatch = word("on_mismatch", OutputConfig.MismatchPolicy.redrive)
        if let n = f["readback"] {
            if let on = reader.bool(n, join(path, "readback")) { keys.readBack = on } else { valid = false }
        }
        return valid ? keys : nil
    }

    /// `max_rate: 6/1m`: at most 6 changes in any minute.
    static func decodeRate(_ node: YAMLNode, _ path: String, reader: inout NodeReader) -> (count: Int, windowNanoseconds: Int64)? {
        guard let text = reader.string(node, path) else { return nil }
        let parts = text.filter { $0 != " " }.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let count = Int(parts[0]), count >= 1, count <= 10_000,
            let window = Quantity.parseDuration(String(parts[1])), window > 0
        else {
            reader.bag.error(node.location, path, "'\(text)' is not a change rate", hint: "write COUNT/DURATION, e.g. 6/1m for six changes a minute")
            return nil
        }
        return (count, window)
    }
}
