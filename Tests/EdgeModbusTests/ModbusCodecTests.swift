import EdgeCore
import EdgeModbus
import Testing

/// Register images computed independently with Python's `struct` module (big-endian pack, then
/// words reversed for CDAB/DCBA and bytes swapped for BA/BADC/DCBA).
struct CodecCase: Sendable, CustomTestStringConvertible {
    var type: ModbusDataType
    var order: ModbusByteOrder
    var registers: [UInt16]
    var value: ModbusValue

    var testDescription: String { "\(type) \(order)" }
}

let codecCases: [CodecCase] = [
    CodecCase(type: .int16, order: .ab, registers: [0xFFFE], value: .int(-2)),
    CodecCase(type: .int16, order: .ba, registers: [0xFEFF], value: .int(-2)),
    CodecCase(type: .int16, order: .ab, registers: [0xCFC7], value: .int(-12345)),
    CodecCase(type: .int16, order: .ba, registers: [0xC7CF], value: .int(-12345)),
    CodecCase(type: .uint16, order: .ab, registers: [0x1234], value: .uint(4660)),
    CodecCase(type: .uint16, order: .ba, registers: [0x3412], value: .uint(4660)),
    CodecCase(type: .uint16, order: .ab, registers: [0xFFFF], value: .uint(65535)),
    CodecCase(type: .int32, order: .abcd, registers: [0xF8A4, 0x32EB], value: .int(-123_456_789)),
    CodecCase(type: .int32, order: .badc, registers: [0xA4F8, 0xEB32], value: .int(-123_456_789)),
    CodecCase(type: .int32, order: .cdab, registers: [0x32EB, 0xF8A4], value: .int(-123_456_789)),
    CodecCase(type: .int32, order: .dcba, registers: [0xEB32, 0xA4F8], value: .int(-123_456_789)),
    CodecCase(type: .uint32, order: .abcd, registers: [0xB2D0, 0x5E00], value: .uint(3_000_000_000)),
    CodecCase(type: .uint32, order: .badc, registers: [0xD0B2, 0x005E], value: .uint(3_000_000_000)),
    CodecCase(type: .uint32, order: .cdab, registers: [0x5E00, 0xB2D0], value: .uint(3_000_000_000)),
    CodecCase(type: .uint32, order: .dcba, registers: [0x005E, 0xD0B2], value: .uint(3_000_000_000)),
    CodecCase(type: .float32, order: .abcd, registers: [0xC49A, 0x5200], value: .float(-1234.5625)),
    CodecCase(type: .float32, order: .badc, registers: [0x9AC4, 0x0052], value: .float(-1234.5625)),
    CodecCase(type: .float32, order: .cdab, registers: [0x5200, 0xC49A], value: .float(-1234.5625)),
    CodecCase(type: .float32, order: .dcba, registers: [0x0052, 0x9AC4], value: .float(-1234.5625)),
    CodecCase(type: .int64, order: .abcd, registers: [0xFFFF, 0xF7D0, 0x8632, 0x6F85], value: .int(-9_000_000_000_123)),
    CodecCase(type: .int64, order: .badc, registers: [0xFFFF, 0xD0F7, 0x3286, 0x856F], value: .int(-9_000_000_000_123)),
    CodecCase(type: .int64, order: .cdab, registers: [0x6F85, 0x8632, 0xF7D0, 0xFFFF], value: .int(-9_000_000_000_123)),
    CodecCase(type: .int64, order: .dcba, registers: [0x856F, 0x3286, 0xD0F7, 0xFFFF], value: .int(-9_000_000_000_123)),
    CodecCase(
        type: .uint64, order: .abcd, registers: [0xF9CC, 0xD8A1, 0xC508, 0x007B],
        value: .uint(18_000_000_000_000_000_123)),
    CodecCase(
        type: .uint64, order: .badc, registers: [0xCCF9, 0xA1D8, 0x08C5, 0x7B00],
        value: .uint(18_000_000_000_000_000_123)),
    CodecCase(
        type: .uint64, order: .cdab, registers: [0x007B, 0xC508, 0xD8A1, 0xF9CC],
        value: .uint(18_000_000_000_000_000_123)),
    CodecCase(
        type: .uint64, order: .dcba, registers: [0x7B00, 0x08C5, 0xA1D8, 0xCCF9],
        value: .uint(18_000_000_000_000_000_123)),
    CodecCase(type: .float64, order: .abcd, registers: [0x40FE, 0x240C, 0x9FCB, 0x0C02], value: .float(123456.789012)),
    CodecCase(type: .float64, order: .badc, registers: [0xFE40, 0x0C24, 0xCB9F, 0x020C], value: .float(123456.789012)),
    CodecCase(type: .float64, order: .cdab, registers: [0x0C02, 0x9FCB, 0x240C, 0x40FE], value: .float(123456.789012)),
    CodecCase(type: .float64, order: .dcba, registers: [0x020C, 0xCB9F, 0x0C24, 0xFE40], value: .float(123456.789012)),
    CodecCase(
        type: .string(length: 10), order: .ab, registers: [0x4544, 0x4745, 0x2D46, 0x4C4F, 0x5731],
        value: .string("EDGE-FLOW1")),
    CodecCase(
        type: .string(length: 10), order: .ba, registers: [0x4445, 0x4547, 0x462D, 0x4F4C, 0x3157],
        value: .string("EDGE-FLOW1")),
]

@Suite struct ModbusCodecTests {
    @Test(arguments: codecCases)
    func decodesEveryTypeInEveryOrderExactly(_ c: CodecCase) {
        // Surround the value with other registers so the index arithmetic is exercised too.
        let registers: [UInt16] = [0xDEAD] + c.registers + [0xBEEF]
        #expect(ModbusCodec.decode(c.type, order: c.order, registers: registers, at: 1) == c.value)
        let number = ModbusCodec.decodeNumber(c.type, order: c.order, registers: registers, at: 1)
        if case .string = c.type {
            #expect(number.isNaN)
        } else {
            #expect(number == c.value.doubleValue)
        }
    }

    @Test(arguments: codecCases)
    func encodesEveryTypeInEveryOrderToTheSameRegisters(_ c: CodecCase) throws {
        let encoded = try ModbusCodec.encode(c.value, as: c.type, order: c.order).get()
        #expect(encoded == c.registers)
    }

    @Test func coveredEveryNumericTypeWithEveryValidOrder() {
        for type in ModbusDataType.scalarTypes where type != .bool {
            for order in type.validOrders {
                #expect(codecCases.contains { $0.type == type && $0.order == order }, "\(type) \(order) untested")
            }
        }
    }

    @Test func decodesBitsOfARegisterFromTheLeastSignificant() {
        let registers: [UInt16] = [0xA005]
        let expected: [Int: Double] = [0: 1, 1: 0, 2: 1, 3: 0, 13: 1, 14: 0, 15: 1]
        for (bit, value) in expected {
            #expect(ModbusCodec.decodeNumber(.bit(bit), order: .ab, registers: registers, at: 0) == value, "bit \(bit)")
        }
        #expect(ModbusCodec.decodeNumber(.bit(16), order: .ab, registers: registers, at: 0).isNaN)
    }

    @Test func decodesARegisterAsBoolWhenNonZero() {
        #expect(ModbusCodec.decodeNumber(.bool, order: .ab, registers: [0], at: 0) == 0)
        #expect(ModbusCodec.decodeNumber(.bool, order: .ab, registers: [7], at: 0) == 1)
    }

    @Test func cutsStringsAtNulAndTrailingSpaces() {
        let registers: [UInt16] = [0x4142, 0x2020, 0x0043]  // "AB  " then NUL
        #expect(ModbusCodec.decodeString(length: 6, order: .ab, registers: registers, at: 0) == "AB")
        #expect(ModbusCodec.decodeString(length: 3, order: .ab, registers: [0x4F4B, 0x2100], at: 0) == "OK!")
    }

    @Test func readsMissingRegistersAsZeroInsteadOfTrapping() {
        #expect(ModbusCodec.decodeNumber(.float64, order: .abcd, registers: [0x4000], at: 0) == 0)
        #expect(ModbusCodec.decodeNumber(.uint32, order: .abcd, registers: [1, 2], at: -1) == 0)
        #expect(ModbusCodec.decodeString(length: 8, order: .ab, registers: [0x4142], at: 0) == "AB")
    }

    @Test func appliesScaleThenOffsetAndInvertsThem() {
        let point = ModbusPoint(name: "t", space: .input, address: 0, type: .int16, scale: 0.1, offset: -40)
        #expect(abs(point.engineeringValue(raw: 655) - 25.5) < 1e-9)
        #expect(abs(point.rawValue(engineering: 25.5) - 655) < 1e-9)
    }

    @Test func scaledRegistersAreRoundedToTheDecimalsOfScaleAndOffset() {
        // 299 × 0.1 = 29.9 (29.900000000000002 unrounded); -32768 × 0.01 = -327.68; 7 × 0.5 = 3.5;
        // 299 × 3 = 897; 655 × 0.1 - 40.05 = 25.45 (25.450000000000003 unrounded; two decimals, from the
        // offset).
        func value(_ raw: Double, _ type: ModbusDataType, scale: Double, offset: Double = 0) -> Double {
            ModbusPoint(name: "p", space: .holding, address: 0, type: type, scale: scale, offset: offset)
                .engineeringValue(raw: raw)
        }
        #expect(value(299, .int16, scale: 0.1) == 29.9)
        #expect(value(-32768, .int16, scale: 0.01) == -327.68)
        #expect(value(7, .uint16, scale: 0.5) == 3.5)
        #expect(value(299, .int32, scale: 3) == 897)
        #expect(value(655, .uint16, scale: 0.1, offset: -40.05) == 25.45)
        #expect(JSONValue.formatNumber(value(299, .int16, scale: 0.1)) == "29.9")
    }

    @Test func floatRegistersAreRoundedOnlyWhenTheyHaveAScale() {
        // float32 0.1 is 0.100000001490116...; a scale asks for its decimals, an offset alone does not.
        let raw = Double(Float(0.1))
        let plain = ModbusPoint(name: "p", space: .holding, address: 0, type: .float32)
        #expect(plain.engineeringValue(raw: raw) == raw)
        let shifted = ModbusPoint(name: "p", space: .holding, address: 0, type: .float32, offset: 273.15)
        #expect(shifted.engineeringValue(raw: raw) == raw + 273.15)
        // 3.0 × 0.1 = 0.3 (0.30000000000000004 unrounded).
        let scaled = ModbusPoint(name: "p", space: .holding, address: 0, type: .float64, scale: 0.1)
        #expect(scaled.engineeringValue(raw: 3.0) == 0.3)
    }

    @Test func changingScaleOrOffsetRecomputesTheRounding() {
        var point = ModbusPoint(name: "p", space: .holding, address: 0, type: .int16)
        #expect(point.rounding.decimals == nil)
        point.scale = 0.1
        #expect(point.rounding.decimals == 1)
        point.offset = -40.05
        #expect(point.rounding.decimals == 2)
        point.type = .string(length: 4)
        #expect(point.rounding.decimals == nil)
    }

    @Test func roundsScaledIntegersWithinNoiseButRejectsFractions() throws {
        // 21.5 / 0.1 is 214.99999999999997 in binary floating point.
        #expect(try ModbusCodec.encode(.float(21.5 / 0.1), as: .int16, order: .ab).get() == [215])
        #expect(throws: ModbusConfigMessage.self) { try ModbusCodec.encode(.float(12.5), as: .int16, order: .ab).get() }
    }

    struct EncodeFailure: Sendable {
        var value: ModbusValue
        var type: ModbusDataType
        var message: String
    }

    @Test(arguments: [
        EncodeFailure(value: .int(40000), type: .int16, message: "40000 is out of range for int16 (-32768...32767)"),
        EncodeFailure(value: .int(-1), type: .uint16, message: "-1 is out of range for uint16 (0...65535)"),
        EncodeFailure(value: .uint(5_000_000_000), type: .uint32, message: "5000000000 is out of range for uint32"),
        EncodeFailure(value: .float(1e20), type: .int64, message: "is out of range for int64"),
        EncodeFailure(value: .float(1e40), type: .float32, message: "out of range for float32"),
        EncodeFailure(value: .string("x"), type: .float32, message: "'x' is not a finite number"),
        EncodeFailure(value: .string("abc"), type: .string(length: 2), message: "'abc' has 3 bytes; the point holds 2"),
        EncodeFailure(value: .int(1), type: .string(length: 2), message: "a string point takes text"),
        EncodeFailure(value: .bool(true), type: .bit(3), message: "read-modify-write"),
        EncodeFailure(value: .string("on"), type: .int32, message: "'on' is not a number"),
    ])
    func refusesValuesThatDoNotFitWithAPreciseMessage(_ f: EncodeFailure) {
        switch ModbusCodec.encode(f.value, as: f.type, order: f.type.defaultOrder ?? .ab) {
        case .success(let words): Issue.record("encoded \(f.value) as \(words)")
        case .failure(let error): #expect(error.message.contains(f.message), "\(error.message)")
        }
    }

    @Test func encodesBoolsAndBitsForRegisters() throws {
        #expect(try ModbusCodec.encode(.bool(true), as: .bool, order: .ab).get() == [1])
        #expect(ModbusCodec.setBit(3, to: true, in: 0x0001) == 0x0009)
        #expect(ModbusCodec.setBit(0, to: false, in: 0x0009) == 0x0008)
        #expect(try ModbusCodec.encode(.string("AB"), as: .string(length: 5), order: .ab).get() == [0x4142, 0, 0])
    }

    @Test func parsesValuesAsTechniciansTypeThem() {
        #expect(ModbusValue.parse("on") == .bool(true))
        #expect(ModbusValue.parse("FALSE") == .bool(false))
        #expect(ModbusValue.parse("-42") == .int(-42))
        #expect(ModbusValue.parse("18000000000000000123") == .uint(18_000_000_000_000_000_123))
        #expect(ModbusValue.parse("0x1F") == .uint(31))
        #expect(ModbusValue.parse("21.5") == .float(21.5))
        #expect(ModbusValue.parse("twelve") == nil)
        #expect(ModbusValue.parse("nan") == nil)
    }
}
