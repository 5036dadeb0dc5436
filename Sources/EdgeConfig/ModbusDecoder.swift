import EdgeCore
import ModbusModel

/// Decodes `buses:` and `type: modbus` sources into EdgeModbus' model, then runs the model's own
/// validation and places its findings on the right YAML nodes.
enum ModbusDecoder {
    static func decodeBus(_ node: YAMLNode, _ path: String, board: Board?, reader: inout NodeReader) -> ModbusBusConfig? {
        let allowed = ["id", "type", "port", "baud", "parity", "data_bits", "stop_bits", "rs485", "rts", "rts_delay",
            "inter_request_delay", "host", "connect_timeout"]
        guard let f = reader.fields(node, path, allowed: allowed) else { return nil }
        let id = reader.require(f, "id", in: node, path).flatMap { reader.identifier($0, join(path, "id")) }
        let type = reader.require(f, "type", in: node, path).flatMap { reader.choice($0, join(path, "type"), ["rtu", "tcp"]) }
        guard let id, let type else { return nil }
        func refuse(_ keys: [String]) {
            for key in keys {
                if let n = f[key] { reader.bag.error(n.location, join(path, key), "'\(key)' does not apply to a \(type) bus") }
            }
        }
        if type == "tcp" {
            refuse(["baud", "parity", "data_bits", "stop_bits", "rs485", "rts", "rts_delay"])
            let host = reader.require(f, "host", in: node, path).flatMap { reader.string($0, join(path, "host")) }
            let port = f["port"].flatMap { reader.integer($0, join(path, "port"), in: 1...65535) } ?? 502
            let timeout = f["connect_timeout"].flatMap {
                reader.duration($0, join(path, "connect_timeout"), in: 10_000_000...60_000_000_000)
            } ?? 3_000_000_000
            guard let host else { return nil }
            return ModbusBusConfig(
                id: id, transport: .tcp(ModbusTCPSettings(host: host, port: UInt16(port), connectTimeout: .nanoseconds(timeout))))
        }
        refuse(["host", "connect_timeout"])
        guard let portNode = reader.require(f, "port", in: node, path), let port = reader.string(portNode, join(path, "port")) else {
            return nil
        }
        var device = port
        if !port.hasPrefix("/") {
            if let board, let serial = board.serialPorts.first(where: { $0.name == port }) {
                device = serial.device
            } else if let board {
                reader.bag.error(portNode.location, join(path, "port"), "board '\(board.id)' has no serial port '\(port)'",
                    hint: suggestion(for: port, among: board.serialPorts.map(\.name)) ?? "give a device path such as /dev/ttyUSB0")
                return nil
            }
        }
        if device.hasPrefix("sim://") {
            reader.bag.error(portNode.location, join(path, "port"), "the simulated board has no Modbus slaves on '\(port)'",
                hint: "use a source of type 'simulated' for a stand-in device, or a tcp bus to a real or test server")
            return nil
        }
        let baud = reader.require(f, "baud", in: node, path).flatMap { reader.integer($0, join(path, "baud"), in: 300...4_000_000) }
        var parity = ModbusParity.even
        if let n = f["parity"], let text = n.scalarText {
            if let p = ModbusParity(parsing: text) { parity = p } else {
                reader.bag.error(n.location, join(path, "parity"), "'\(text)' is not a parity", hint: "use N, E or O")
            }
        }
        let dataBits = f["data_bits"].flatMap { reader.integer($0, join(path, "data_bits"), in: 5...8) } ?? 8
        let stopBits = f["stop_bits"].flatMap { reader.integer($0, join(path, "stop_bits"), in: 1...2) } ?? 1
        let rs485 = f["rs485"].flatMap { reader.bool($0, join(path, "rs485")) } ?? false
        let rts = f["rts"].flatMap { reader.choice($0, join(path, "rts"), ModbusRTSMode.allCases.map(\.rawValue)) }
            .flatMap(ModbusRTSMode.init(rawValue:)) ?? ModbusRTSMode.none
        let rtsDelay = f["rts_delay"].flatMap { reader.duration($0, join(path, "rts_delay"), in: 0...1_000_000_000) }
        let gap = f["inter_request_delay"].flatMap { reader.duration($0, join(path, "inter_request_delay"), in: 0...10_000_000_000) } ?? 0
        guard let baud else { return nil }
        return ModbusBusConfig(
            id: id,
            transport: .rtu(ModbusRTUSettings(
                device: device, baud: baud, parity: parity, dataBits: dataBits, stopBits: stopBits, rs485: rs485, rts: rts,
                rtsDelay: rtsDelay.map { .nanoseconds($0) }, interRequestDelay: .nanoseconds(gap))))
    }

    static let deviceKeys = ["id", "type", "bus", "unit", "poll", "timeout", "address_base", "max_gap", "max_registers", "retry", "points"]

    static func decodeDevice(
        _ node: YAMLNode, _ path: String, f: [String: YAMLNode], id: String, source: Int, buses: [String: (ModbusBusConfig, YAMLNode)],
        brokenBuses: Set<String>, reader: inout NodeReader
    ) -> (bus: ModbusBusConfig, device: ModbusDeviceConfig)? {
        var bus: ModbusBusConfig?
        if let n = reader.require(f, "bus", in: node, path), let name = reader.string(n, join(path, "bus")) {
            bus = buses[name]?.0
            if bus == nil && !brokenBuses.contains(name) {
                reader.bag.error(n.location, join(path, "bus"), "no bus '\(name)'",
                    hint: suggestion(for: name, among: buses.keys.sorted()) ?? "declare it under buses:")
            }
        }
        let unit = reader.require(f, "unit", in: node, path).flatMap { reader.integer($0, join(path, "unit"), in: 0...255) }
        let poll = f["poll"].flatMap { reader.duration($0, join(path, "poll"), in: 10_000_000...86_400_000_000_000) } ?? 1_000_000_000
        let timeout = f["timeout"].flatMap { reader.duration($0, join(path, "timeout"), in: 10_000_000...30_000_000_000) } ?? 1_000_000_000
        let base = f["address_base"].flatMap { reader.integer($0, join(path, "address_base"), in: 0...1) } ?? 0
        var planning = ModbusPlanOptions()
        if let n = f["max_gap"], let g = reader.integer(n, join(path, "max_gap"), in: 0...124) { planning.maxRegisterGap = g }
        if let n = f["max_registers"], let m = reader.integer(n, join(path, "max_registers"), in: 1...125) {
            planning.maxRegistersPerRequest = m
        }
        var retry = ModbusRetryPolicy()
        if let r = f["retry"] {
            let rp = join(path, "retry")
            if let rf = reader.fields(r, rp, allowed: ["initial_backoff", "max_backoff", "multiplier", "jitter", "park_after", "parked_probe"]) {
                if let n = rf["initial_backoff"], let v = reader.duration(n, join(rp, "initial_backoff"), in: 10_000_000...3_600_000_000_000) {
                    retry.initialBackoff = .nanoseconds(v)
                }
                if let n = rf["max_backoff"], let v = reader.duration(n, join(rp, "max_backoff"), in: 10_000_000...86_400_000_000_000) {
                    retry.maxBackoff = .nanoseconds(v)
                }
                if let n = rf["multiplier"], let v = reader.number(n, join(rp, "multiplier"), in: 1...10) { retry.multiplier = v }
                if let n = rf["jitter"], let v = reader.number(n, join(rp, "jitter"), in: 0...1) { retry.jitter = v }
                if let n = rf["park_after"], let v = reader.integer(n, join(rp, "park_after"), in: 0...1000) { retry.parkAfterFailures = v }
                if let n = rf["parked_probe"], let v = reader.duration(n, join(rp, "parked_probe"), in: 1_000_000_000...86_400_000_000_000) {
                    retry.parkedProbeInterval = .nanoseconds(v)
                }
            }
        }
        var points: [ModbusPoint] = []
        var pointNodes: [YAMLNode] = []
        var listIndex: [Int] = []  // model point index -> index in the YAML list (bad points are skipped)
        var listed = 0
        if let pn = reader.require(f, "points", in: node, path), let items = reader.list(pn, join(path, "points")) {
            listed = items.count
            if items.isEmpty { reader.bag.error(pn.location, join(path, "points"), "a device needs at least one point") }
            for (i, item) in items.enumerated() {
                let pp = join(path, "points[\(i)]")
                if let p = decodePoint(item, pp, base: base, reader: &reader) {
                    if points.contains(where: { $0.name == p.name }) {
                        reader.bag.error(item.location, join(pp, "name"), "duplicate point name '\(p.name)'")
                        continue
                    }
                    points.append(p)
                    pointNodes.append(item)
                    listIndex.append(i)
                }
            }
        }
        guard let bus, let unit else { return nil }
        let device = ModbusDeviceConfig(
            id: id, source: UInt16(source), unit: ModbusUnitID(UInt8(unit)), responseTimeout: .nanoseconds(timeout),
            pollInterval: .nanoseconds(poll), retry: retry, planning: planning, points: points)
        // The model's own rules (order vs type, address overflow, unit range) placed on our nodes.
        for problem in device.validate(transport: bus.transport) {
            // Every listed point was already reported as wrong: "no points" would say it again.
            if problem.path == "points", points.isEmpty, listed > 0 { continue }
            var located = problem
            located.location = locate(problem.path, device: node, fields: f, pointNodes: pointNodes)
            located.path = join(path, renumber(problem.path, listIndex))
            reader.bag.add(located)
        }
        return (bus, device)
    }

    /// `points[3].order` in model numbering → the same point's index in the YAML list.
    static func renumber(_ relative: String, _ listIndex: [Int]) -> String {
        guard relative.hasPrefix("points["), let close = relative.firstIndex(of: "]"),
            let index = Int(relative[relative.index(relative.startIndex, offsetBy: 7)..<close]), index < listIndex.count
        else { return relative }
        return "points[\(listIndex[index])]" + relative[relative.index(after: close)...]
    }

    /// The node a model-relative path (`points[2].order`, `unit`) refers to.
    static func locate(_ relative: String, device: YAMLNode, fields: [String: YAMLNode], pointNodes: [YAMLNode]) -> SourceLocation {
        if relative.hasPrefix("points["), let close = relative.firstIndex(of: "]"),
            let index = Int(relative[relative.index(relative.startIndex, offsetBy: 7)..<close]), index < pointNodes.count
        {
            let point = pointNodes[index]
            let key = relative[relative.index(after: close)...].drop { $0 == "." }
            if case .mapping(let pairs) = point.kind, let pair = pairs.first(where: { $0.key.scalarText == String(key) }) {
                return pair.value.location
            }
            return point.location
        }
        let key = String(relative.prefix { $0 != "." && $0 != "[" })
        return fields[key]?.location ?? device.location
    }

    static func decodePoint(_ node: YAMLNode, _ path: String, base: Int, reader: inout NodeReader) -> ModbusPoint? {
        let allowed = ["name", "space", "address", "type", "order", "scale", "offset", "unit", "deadband", "redact"]
        guard let f = reader.fields(node, path, allowed: allowed) else { return nil }
        let name = reader.require(f, "name", in: node, path).flatMap { reader.identifier($0, join(path, "name")) }
        var space: ModbusSpace?
        if let n = reader.require(f, "space", in: node, path), let text = reader.string(n, join(path, "space")) {
            space = ModbusSpace(parsing: text)
            if space == nil {
                reader.bag.error(n.location, join(path, "space"), "'\(text)' is not a register space",
                    hint: suggestion(for: text, among: ModbusSpace.allCases.map(\.rawValue)))
            }
        }
        var address: Int?
        if let n = reader.require(f, "address", in: node, path), let raw = reader.integer(n, join(path, "address"), in: 0...465_536) {
            address = resolveAddress(raw, base: base, space: space, node: n, path: join(path, "address"), reader: &reader)
        }
        var type: ModbusDataType = .uint16
        if let n = f["type"], let text = reader.string(n, join(path, "type")) {
            switch ModbusDataType.parse(text) {
            case .success(let t): type = t
            case .failure(let m): reader.bag.error(n.location, join(path, "type"), m.message)
            }
        } else if let space, space.isBits {
            type = .bool
        }
        var order: ModbusByteOrder?
        if let n = f["order"], let text = reader.string(n, join(path, "order")) {
            order = ModbusByteOrder(parsing: text)
            if order == nil {
                reader.bag.error(n.location, join(path, "order"), "'\(text)' is not a word/byte order",
                    hint: "use ABCD, BADC, CDAB or DCBA (AB or BA for 16-bit values)")
            }
        }
        let scale = f["scale"].flatMap { reader.number($0, join(path, "scale")) } ?? 1
        let offset = f["offset"].flatMap { reader.number($0, join(path, "offset")) } ?? 0
        let unit = f["unit"].flatMap { reader.string($0, join(path, "unit")) }
        let deadband = f["deadband"].flatMap { reader.number($0, join(path, "deadband"), in: 0...1e15) }
        let redact = f["redact"].flatMap { reader.bool($0, join(path, "redact")) } ?? false
        guard let name, let space, let address else { return nil }
        var point = ModbusPoint(
            name: name, space: space, address: ModbusAddress(UInt16(address)), type: type, order: order, scale: scale,
            offset: offset, unit: unit, deadband: deadband)
        point.redact = redact
        return point
    }

    /// 0-based by default. With `address_base: 1`, both plain 1-based numbers and the
    /// 40001-style "reference" numbers are accepted.
    static func resolveAddress(
        _ raw: Int, base: Int, space: ModbusSpace?, node: YAMLNode, path: String, reader: inout NodeReader
    ) -> Int? {
        let prefixes: [ModbusSpace: Int] = [.coil: 1, .discrete: 10_001, .input: 30_001, .holding: 40_001]
        if base == 0 {
            if raw > 65535 {
                reader.bag.error(node.location, path, "address \(raw) is out of range", hint: "0-based addresses go up to 65535; for 40001-style references set address_base: 1")
                return nil
            }
            // A 40001-style number here is warned about by ModbusDeviceConfig.validate().
            return raw
        }
        if let space, let first = prefixes[space], first > 1, raw >= first, raw <= first + 65535 {
            return raw - first
        }
        if raw >= 1 && raw <= 65536 { return raw - 1 }
        reader.bag.error(node.location, path, "address \(raw) is not a valid 1-based address", hint: "with address_base: 1, addresses start at 1")
        return nil
    }
}
