import ModbusModel

extension ModbusTransport {
    /// Performs a raw write and, when asked, reads the range back and compares.
    func perform(_ target: ModbusWriteTarget, unit: ModbusUnitID, verify: Bool) throws(ModbusError) {
        switch target {
        case .coil(let address, let value): try writeCoil(unit: unit, address: address, value: value)
        case .coils(let address, let values): try writeCoils(unit: unit, address: address, values: values)
        case .register(let address, let value): try writeRegister(unit: unit, address: address, value: value)
        case .registers(let address, let values): try writeRegisters(unit: unit, address: address, values: values)
        }
        guard verify else { return }
        let readBack: [UInt16]
        let expected: [UInt16]
        switch target {
        case .coil(_, let v):
            readBack = try readBitsBack(target, unit)
            expected = [v ? 1 : 0]
        case .coils(_, let v):
            readBack = try readBitsBack(target, unit)
            expected = v.map { $0 ? 1 : 0 }
        case .register(_, let v):
            readBack = try readRegistersBack(target, unit)
            expected = [v]
        case .registers(_, let v):
            readBack = try readRegistersBack(target, unit)
            expected = v
        }
        guard readBack == expected else {
            throw ModbusError(
                .verifyMismatch, operation: "verify \(target) on unit \(unit)",
                message: "read back \(readBack.map { String($0) }.joined(separator: ", ")) instead")
        }
    }

    private func readBitsBack(_ target: ModbusWriteTarget, _ unit: ModbusUnitID) throws(ModbusError) -> [UInt16] {
        var bits = [UInt8](repeating: 0, count: target.count)
        try readBits(.coil, unit: unit, address: target.address, count: target.count, into: &bits)
        return bits.map { UInt16($0 != 0 ? 1 : 0) }
    }

    private func readRegistersBack(_ target: ModbusWriteTarget, _ unit: ModbusUnitID) throws(ModbusError)
        -> [UInt16]
    {
        var registers = [UInt16](repeating: 0, count: target.count)
        try readRegisters(.holding, unit: unit, address: target.address, count: target.count, into: &registers)
        return registers
    }

    /// The raw write that stores `value` (in engineering units) into `point`: FC5 for a coil,
    /// FC6 for a one-register value, FC16 for wider ones; `bit(n)` reads the register first and
    /// writes it back with the bit changed (FC3 then FC6).
    func writeTarget(for point: ModbusPoint, value: ModbusValue, unit: ModbusUnitID) throws(ModbusError)
        -> ModbusWriteTarget
    {
        let operation = "write \(point.name) (\(point.space) \(point.address)) on unit \(unit)"
        func invalid(_ message: String) -> ModbusError {
            ModbusError(.invalidRequest, operation: operation, message: message)
        }
        guard point.space.isWritable else { throw invalid("\(point.space) is read-only") }
        if point.space == .coil {
            guard let number = value.doubleValue else { throw invalid("a coil takes true/false or 1/0") }
            return .coil(point.address, number != 0)
        }
        if case .bit(let index) = point.type {
            guard let number = value.doubleValue else { throw invalid("a bit takes true/false or 1/0") }
            var current = [UInt16](repeating: 0, count: 1)
            try readRegisters(.holding, unit: unit, address: point.address, count: 1, into: &current)
            return .register(point.address, ModbusCodec.setBit(index, to: number != 0, in: current[0]))
        }
        var raw = value
        if point.scale != 1 || point.offset != 0 {
            guard let number = value.doubleValue else { throw invalid("'\(value)' is not a number") }
            raw = .float(point.rawValue(engineering: number))
        }
        switch ModbusCodec.encode(raw, as: point.type, order: point.effectiveOrder) {
        case .success(let words):
            return words.count == 1 ? .register(point.address, words[0]) : .registers(point.address, words)
        case .failure(let message):
            throw invalid(message.message)
        }
    }
}
