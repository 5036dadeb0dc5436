/// Turns registers into values and values into registers for every type and order.
/// Decoding is on the poll path: it allocates nothing (strings aside) and never traps on data.
public enum ModbusCodec {
    /// The registers `registers[index ..< index + count]` as one big-endian number, after undoing
    /// the word and byte order (at most 4 registers). Missing registers read as 0.
    @inlinable
    public static func assemble(_ registers: [UInt16], at index: Int, count: Int, order: ModbusByteOrder) -> UInt64 {
        var bits: UInt64 = 0
        let swapWords = order.swapsWords
        let swapBytes = order.swapsBytes
        for i in 0..<min(count, 4) {
            let position = index + (swapWords ? count - 1 - i : i)
            guard position >= 0, position < registers.count else { return 0 }
            let word = swapBytes ? registers[position].byteSwapped : registers[position]
            bits = bits << 16 | UInt64(word)
        }
        return bits
    }

    /// Splits a big-endian number into `count` registers laid out in `order`: the inverse of
    /// `assemble`.
    @inlinable
    public static func split(_ bits: UInt64, count: Int, order: ModbusByteOrder) -> [UInt16] {
        var words = [UInt16](repeating: 0, count: count)
        for i in 0..<count {
            let shift = UInt64(16 * (count - 1 - i))
            var word = UInt16(truncatingIfNeeded: bits >> shift)
            if order.swapsBytes { word = word.byteSwapped }
            words[order.swapsWords ? count - 1 - i : i] = word
        }
        return words
    }

    /// The raw numeric value (before scale and offset) of a point's registers; booleans and
    /// bits give 0 or 1, strings give NaN. Never allocates.
    @inlinable
    public static func decodeNumber(
        _ type: ModbusDataType, order: ModbusByteOrder, registers: [UInt16], at index: Int
    ) -> Double {
        switch type {
        case .bool:
            return assemble(registers, at: index, count: 1, order: .ab) != 0 ? 1 : 0
        case .bit(let n):
            guard (0...15).contains(n) else { return .nan }
            return (assemble(registers, at: index, count: 1, order: .ab) >> UInt64(n)) & 1 == 1 ? 1 : 0
        case .int16:
            return Double(Int16(truncatingIfNeeded: assemble(registers, at: index, count: 1, order: order)))
        case .uint16:
            return Double(UInt16(truncatingIfNeeded: assemble(registers, at: index, count: 1, order: order)))
        case .int32:
            return Double(Int32(truncatingIfNeeded: assemble(registers, at: index, count: 2, order: order)))
        case .uint32:
            return Double(UInt32(truncatingIfNeeded: assemble(registers, at: index, count: 2, order: order)))
        case .int64:
            return Double(Int64(bitPattern: assemble(registers, at: index, count: 4, order: order)))
        case .uint64:
            return Double(assemble(registers, at: index, count: 4, order: order))
        case .float32:
            let bits = UInt32(truncatingIfNeeded: assemble(registers, at: index, count: 2, order: order))
            return Double(Float(bitPattern: bits))
        case .float64:
            return Double(bitPattern: assemble(registers, at: index, count: 4, order: order))
        case .string:
            return .nan
        }
    }

    /// The exact value of a point's registers (64-bit integers stay integers).
    public static func decode(
        _ type: ModbusDataType, order: ModbusByteOrder, registers: [UInt16], at index: Int
    ) -> ModbusValue {
        switch type {
        case .bool, .bit:
            return .bool(decodeNumber(type, order: order, registers: registers, at: index) == 1)
        case .int16, .int32:
            return .int(Int64(decodeNumber(type, order: order, registers: registers, at: index)))
        case .uint16, .uint32:
            return .uint(UInt64(decodeNumber(type, order: order, registers: registers, at: index)))
        case .int64:
            return .int(Int64(bitPattern: assemble(registers, at: index, count: 4, order: order)))
        case .uint64:
            return .uint(assemble(registers, at: index, count: 4, order: order))
        case .float32, .float64:
            return .float(decodeNumber(type, order: order, registers: registers, at: index))
        case .string(let length):
            return .string(decodeString(length: length, order: order, registers: registers, at: index))
        }
    }

    /// The text of a string point: `length` bytes, two per register (high byte first for `AB`),
    /// cut at the first NUL and without trailing spaces. Bytes that are not UTF-8 become U+FFFD.
    public static func decodeString(length: Int, order: ModbusByteOrder, registers: [UInt16], at index: Int) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(max(0, length))
        var i = 0
        while i < length {
            let position = index + i / 2
            guard position >= 0, position < registers.count else { break }
            let word = order.swapsBytes ? registers[position].byteSwapped : registers[position]
            let byte = i % 2 == 0 ? UInt8(word >> 8) : UInt8(word & 0xFF)
            if byte == 0 { break }
            bytes.append(byte)
            i += 1
        }
        while let last = bytes.last, last == 0x20 { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The registers that store `value` as `type` in `order`. Integers must fit the type and be
    /// whole (within rounding noise of a scaled value); floats must be finite. `bit(n)` cannot be
    /// encoded on its own (it needs the rest of the register): use `setBit`.
    public static func encode(
        _ value: ModbusValue, as type: ModbusDataType, order: ModbusByteOrder
    ) -> Result<[UInt16], ModbusConfigMessage> {
        switch type {
        case .bit:
            return .failure(ModbusConfigMessage("a bit(n) point is written by read-modify-write, not encoded alone"))
        case .string(let length):
            guard case .string(let text) = value else {
                return .failure(ModbusConfigMessage("a string point takes text, not \(value)"))
            }
            return encodeString(text, length: length, order: order)
        case .bool:
            guard let number = value.doubleValue else {
                return .failure(ModbusConfigMessage("'\(value)' is not a boolean"))
            }
            return .success([number != 0 ? 1 : 0])
        case .float32:
            guard let number = value.doubleValue, number.isFinite else {
                return .failure(ModbusConfigMessage("'\(value)' is not a finite number"))
            }
            guard abs(number) <= Double(Float.greatestFiniteMagnitude) else {
                return .failure(ModbusConfigMessage("\(value) is out of range for float32"))
            }
            return .success(split(UInt64(Float(number).bitPattern), count: 2, order: order))
        case .float64:
            guard let number = value.doubleValue, number.isFinite else {
                return .failure(ModbusConfigMessage("'\(value)' is not a finite number"))
            }
            return .success(split(number.bitPattern, count: 4, order: order))
        case .int16, .uint16, .int32, .uint32, .int64, .uint64:
            return encodeInteger(value, as: type, order: order)
        }
    }

    /// `register` with bit `index` set to `on`.
    @inlinable
    public static func setBit(_ index: Int, to on: Bool, in register: UInt16) -> UInt16 {
        let mask = UInt16(1) << UInt16(index & 15)
        return on ? register | mask : register & ~mask
    }

    private static func encodeInteger(
        _ value: ModbusValue, as type: ModbusDataType, order: ModbusByteOrder
    ) -> Result<[UInt16], ModbusConfigMessage> {
        let range: (min: Int64, max: UInt64)
        switch type {
        case .int16: range = (Int64(Int16.min), UInt64(Int16.max))
        case .uint16: range = (0, UInt64(UInt16.max))
        case .int32: range = (Int64(Int32.min), UInt64(Int32.max))
        case .uint32: range = (0, UInt64(UInt32.max))
        case .int64: range = (Int64.min, UInt64(Int64.max))
        default: range = (0, UInt64.max)
        }
        let outOfRange = ModbusConfigMessage("\(value) is out of range for \(type) (\(range.min)...\(range.max))")
        let bits: UInt64
        switch value {
        case .bool(let b):
            bits = b ? 1 : 0
        case .int(let i):
            if i < range.min || (i > 0 && UInt64(i) > range.max) { return .failure(outOfRange) }
            bits = UInt64(bitPattern: i)
        case .uint(let u):
            if u > range.max { return .failure(outOfRange) }
            bits = u
        case .float(let d):
            let rounded = d.rounded()
            guard d.isFinite, abs(d - rounded) <= 1e-6 * max(1, abs(d)) else {
                return .failure(ModbusConfigMessage("\(value) is not a whole number, as \(type) needs"))
            }
            if rounded < Double(range.min) || rounded >= 18_446_744_073_709_551_616.0
                || (rounded > 0 && UInt64(rounded) > range.max)
            {
                return .failure(outOfRange)
            }
            bits = rounded < 0 ? UInt64(bitPattern: Int64(rounded)) : UInt64(rounded)
        case .string(let s):
            return .failure(ModbusConfigMessage("'\(s)' is not a number"))
        }
        return .success(split(bits, count: type.registerCount, order: order))
    }

    private static func encodeString(
        _ text: String, length: Int, order: ModbusByteOrder
    ) -> Result<[UInt16], ModbusConfigMessage> {
        let bytes = Array(text.utf8)
        guard bytes.count <= length else {
            return .failure(ModbusConfigMessage("'\(text)' has \(bytes.count) bytes; the point holds \(length)"))
        }
        var words = [UInt16](repeating: 0, count: max(1, (length + 1) / 2))
        for (i, byte) in bytes.enumerated() {
            words[i / 2] |= i % 2 == 0 ? UInt16(byte) << 8 : UInt16(byte)
        }
        if order.swapsBytes {
            for i in words.indices { words[i] = words[i].byteSwapped }
        }
        return .success(words)
    }
}
