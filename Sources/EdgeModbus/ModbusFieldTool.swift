public import EdgeCore

/// What `edgeflow modbus read` found: one row per value, raw registers beside the decoded value,
/// or, for a 32/64-bit type without an order, the value decoded in all four orders side by side.
public struct ModbusReadReport: Sendable, Equatable {
    /// One value (or one raw register or bit).
    public struct Row: Sendable, Equatable {
        /// Address of the value's first register or bit.
        public var address: Int
        /// The raw registers (bits as 0/1).
        public var raw: [UInt16]
        /// The decoded value per order; a single entry with a nil order for raw and fixed-order reads.
        public var values: [(order: ModbusByteOrder?, value: ModbusValue)]

        /// Rows are equal when address, raw data and decoded values match.
        public static func == (lhs: Row, rhs: Row) -> Bool {
            lhs.address == rhs.address && lhs.raw == rhs.raw
                && lhs.values.map(\.order) == rhs.values.map(\.order)
                && lhs.values.map(\.value) == rhs.values.map(\.value)
        }
    }

    /// The unit read.
    public var unit: ModbusUnitID
    /// The table read.
    public var space: ModbusSpace
    /// The first address read.
    public var address: ModbusAddress
    /// The type the registers were decoded as; nil for raw registers or bits.
    public var type: ModbusDataType?
    /// The values.
    public var rows: [Row]

    /// Whether the rows carry one column per order.
    public var showsAllOrders: Bool { rows.first.map { $0.values.count > 1 } ?? false }

    /// The report as aligned text for a terminal.
    public var text: String {
        var header = ["address", space.isBits ? "bit" : "raw"]
        if showsAllOrders {
            header += ModbusByteOrder.wideOrders.map(\.rawValue)
        } else if type != nil {
            header.append(type.map { "\($0)" } ?? "value")
        }
        var table = [header]
        for row in rows {
            var line = [String(row.address)]
            if space.isBits {
                line.append(row.raw.first.map { String($0) } ?? "")
            } else {
                line.append(row.raw.map { Self.hex($0) }.joined(separator: " "))
            }
            if showsAllOrders || type != nil { line += row.values.map { "\($0.value)" } }
            if type == nil && !space.isBits, let value = row.values.first?.value { line.append("\(value)") }
            table.append(line)
        }
        if type == nil && !space.isBits { table[0].append("uint16") }
        let widths = (0..<(table.map(\.count).max() ?? 0)).map { column in
            table.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0
        }
        let title = "unit \(unit) \(space) \(address)" + (type.map { " \($0)" } ?? "")
        let lines = table.map { line in
            line.enumerated().map { index, cell in
                index == line.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 2)
            }.joined()
        }
        return ([title] + lines).joined(separator: "\n")
    }

    /// The report as one JSON object. Integers beyond ±2^53 are strings, so nothing is rounded.
    public var json: String {
        var object = JSONObject()
        object["unit"] = .number(Double(unit.rawValue))
        object["space"] = .string(space.rawValue)
        object["address"] = .number(Double(address.rawValue))
        if let type { object["type"] = .string("\(type)") }
        object["values"] = .array(rows.map { row in
            var item = JSONObject()
            item["address"] = .number(Double(row.address))
            item[space.isBits ? "bit" : "registers"] =
                space.isBits ? .number(Double(row.raw.first ?? 0)) : .array(row.raw.map { .number(Double($0)) })
            for entry in row.values {
                item[entry.order?.rawValue ?? "value"] = Self.json(entry.value)
            }
            return .object(item)
        })
        return JSONValue.object(object).compactJSON
    }

    private static func json(_ value: ModbusValue) -> JSONValue {
        let exact: Int64 = 1 << 53
        switch value {
        case .bool(let b): return .bool(b)
        case .int(let i): return abs(i) <= exact ? .number(Double(i)) : .string(String(i))
        case .uint(let u): return u <= UInt64(exact) ? .number(Double(u)) : .string(String(u))
        case .float(let d): return .number(d)
        case .string(let s): return .string(s)
        }
    }

    private static func hex(_ word: UInt16) -> String {
        let digits = String(word, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }
}

/// One unit that answered a scan.
public struct ModbusScanHit: Sendable, Equatable, CustomStringConvertible {
    /// The unit id.
    public var unit: ModbusUnitID
    /// The exception it answered with, if it refused the probe (it is there all the same).
    public var exception: ModbusException?

    /// Creates a hit.
    public init(unit: ModbusUnitID, exception: ModbusException?) {
        self.unit = unit
        self.exception = exception
    }

    /// `unit 3: answered` or `unit 3: answered with exception 02 (illegal data address)`.
    public var description: String {
        "unit \(unit): answered" + (exception.map { " with \($0)" } ?? "")
    }
}

/// The operations behind `edgeflow modbus read | scan | write`, on any transport, so they are
/// tested without the command-line layer. Usage problems are found before any I/O.
public enum ModbusFieldTool {
    /// Parses `HOST:PORT`, `HOST` (port 502) or `[IPv6]:PORT`.
    public static func parseTCPEndpoint(_ text: String) -> Result<(host: String, port: UInt16), ModbusConfigMessage> {
        var host = Substring(text)
        var portText: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else {
                return .failure(ModbusConfigMessage("'\(text)' has '[' without ']'; write [::1]:502"))
            }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else {
                    return .failure(ModbusConfigMessage("expected ':PORT' after ']' in '\(text)'"))
                }
                portText = rest.dropFirst()
            }
        } else if let colon = host.lastIndex(of: ":") {
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        guard !host.isEmpty else { return .failure(ModbusConfigMessage("'\(text)' has no host; write HOST:PORT")) }
        guard let portText else { return .success((String(host), 502)) }
        guard let port = UInt16(portText), port > 0 else {
            return .failure(ModbusConfigMessage("port '\(portText)' in '\(text)' must be a number 1...65535"))
        }
        return .success((String(host), port))
    }

    /// Checks a read's arguments; returns the usage problem, if any.
    public static func checkRead(
        space: ModbusSpace, address: Int, count: Int, type: ModbusDataType?, order: ModbusByteOrder?
    ) -> ModbusConfigMessage? {
        guard (0...65535).contains(address) else {
            return ModbusConfigMessage("--address \(address) must be 0...65535 (0-based protocol address)")
        }
        guard count >= 1 else { return ModbusConfigMessage("--count \(count) must be at least 1") }
        if let type {
            let point = ModbusPoint(name: "value", space: space, address: ModbusAddress(UInt16(address)), type: type,
                                    order: order)
            if let problem = point.validate().first(where: { $0.severity == .error && $0.path != "address" }) {
                return ModbusConfigMessage(problem.message)
            }
        } else if let order {
            return ModbusConfigMessage("--order \(order) needs --type (raw registers have no order)")
        }
        let width = space.isBits ? 1 : (type?.registerCount ?? 1)
        let items = count * width
        if items > space.maxReadCount {
            return ModbusConfigMessage(
                "--count \(count) × \(width) \(space.itemName)(s) = \(items) exceeds the \(space.maxReadCount) "
                    + "\(space.itemName)s one request can read")
        }
        if address + items - 1 > 65535 {
            return ModbusConfigMessage("reading \(items) \(space.itemName)s from \(address) runs past address 65535")
        }
        return nil
    }

    /// Reads `count` values with one request and decodes them. With a 32/64-bit `type` and no
    /// `order`, each value is decoded in all four orders.
    public static func read(
        _ client: some ModbusTransport, unit: ModbusUnitID, space: ModbusSpace, address: ModbusAddress, count: Int,
        type: ModbusDataType?, order: ModbusByteOrder?
    ) throws(ModbusError) -> ModbusReadReport {
        if let problem = checkRead(space: space, address: Int(address.rawValue), count: count, type: type,
                                   order: order)
        {
            throw ModbusError(.invalidRequest, operation: "read \(space) \(address)", message: problem.message)
        }
        var report = ModbusReadReport(unit: unit, space: space, address: address, type: type, rows: [])
        let start = Int(address.rawValue)
        if space.isBits {
            var bits = [UInt8](repeating: 0, count: count)
            try client.readBits(space, unit: unit, address: address, count: count, into: &bits)
            report.rows = bits.enumerated().map {
                ModbusReadReport.Row(address: start + $0.offset, raw: [UInt16($0.element)],
                                     values: [(nil, .bool($0.element != 0))])
            }
            return report
        }
        let width = type?.registerCount ?? 1
        var registers = [UInt16](repeating: 0, count: count * width)
        try client.readRegisters(space, unit: unit, address: address, count: registers.count, into: &registers)
        for index in 0..<count {
            let offset = index * width
            let raw = Array(registers[offset..<offset + width])
            var values: [(order: ModbusByteOrder?, value: ModbusValue)]
            if let type {
                if order == nil && type.isMultiRegisterNumber {
                    values = ModbusByteOrder.wideOrders.map {
                        ($0, ModbusCodec.decode(type, order: $0, registers: registers, at: offset))
                    }
                } else {
                    let used = order ?? type.defaultOrder ?? .ab
                    values = [(nil, ModbusCodec.decode(type, order: used, registers: registers, at: offset))]
                }
            } else {
                values = [(nil, .uint(UInt64(raw[0])))]
            }
            report.rows.append(ModbusReadReport.Row(address: start + offset, raw: raw, values: values))
        }
        return report
    }

    /// Probes every unit in `units` with a one-register (or one-bit) read and a short timeout.
    /// `progress` is called before each probe with the unit and the number found so far. A link
    /// that cannot be opened at all ends the scan with that error.
    public static func scan(
        _ client: some ModbusTransport, units: ClosedRange<UInt8>, space: ModbusSpace = .holding,
        address: ModbusAddress = 0, timeout: Duration = .milliseconds(200),
        progress: (ModbusUnitID, Int) -> Void = { _, _ in }
    ) throws(ModbusError) -> [ModbusScanHit] {
        client.setResponseTimeout(timeout)
        var hits: [ModbusScanHit] = []
        var registers = [UInt16](repeating: 0, count: 1)
        var bits = [UInt8](repeating: 0, count: 1)
        for raw in units {
            let unit = ModbusUnitID(raw)
            progress(unit, hits.count)
            if !client.isConnected { try client.connect() }
            do throws(ModbusError) {
                if space.isBits {
                    try client.readBits(space, unit: unit, address: address, count: 1, into: &bits)
                } else {
                    try client.readRegisters(space, unit: unit, address: address, count: 1, into: &registers)
                }
                hits.append(ModbusScanHit(unit: unit, exception: nil))
            } catch {
                switch error.code {
                case .exception where error.exception?.meansUnreachable != true:
                    hits.append(ModbusScanHit(unit: unit, exception: error.exception))
                case .connection:
                    client.close()
                default:
                    // A silent or garbled unit: drop late bytes before probing the next one.
                    client.flush()
                }
            }
        }
        return hits
    }

    /// Writes one value: a coil (FC5), a register (FC6; -32768...65535 without `type`), or a
    /// typed value (FC6 or FC16; `bit(n)` by read-modify-write); optionally read back.
    public static func write(
        _ client: some ModbusTransport, unit: ModbusUnitID, space: ModbusSpace, address: ModbusAddress,
        value: ModbusValue, type: ModbusDataType?, order: ModbusByteOrder?, verify: Bool
    ) throws(ModbusError) -> ModbusWriteResult {
        let operation = "write \(space) \(address) on unit \(unit)"
        guard space.isWritable else {
            throw ModbusError(.invalidRequest, operation: operation,
                              message: "\(space) is read-only; write to holding or coil")
        }
        var resolved = type ?? (space == .coil ? .bool : .uint16)
        if type == nil, space == .holding, case .int(let i) = value, i < 0 { resolved = .int16 }
        let point = ModbusPoint(name: "value", space: space, address: address, type: resolved, order: order)
        if let problem = point.validate().first(where: { $0.severity == .error }) {
            throw ModbusError(.invalidRequest, operation: operation, message: problem.message)
        }
        let target = try client.writeTarget(for: point, value: value, unit: unit)
        try client.perform(target, unit: unit, verify: verify)
        return ModbusWriteResult(target: target, verified: verify, timestamp: SystemClock().wallNanoseconds())
    }
}
