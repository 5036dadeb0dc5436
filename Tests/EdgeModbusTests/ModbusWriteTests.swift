import EdgeCore
import EdgeModbus
import Testing

private let bus = ModbusBusConfig(
    id: "line", transport: .rtu(ModbusRTUSettings(device: "/dev/null-rtu", baud: 9600, parity: .none)))

private let points = [
    ModbusPoint(name: "setpoint", space: .holding, address: 10, type: .float32, order: .cdab),
    ModbusPoint(name: "limit", space: .holding, address: 20, type: .uint16, scale: 0.1),
    ModbusPoint(name: "relay", space: .coil, address: 3, type: .bool),
    ModbusPoint(name: "flag", space: .holding, address: 30, type: .bit(3)),
    ModbusPoint(name: "temp", space: .input, address: 0, type: .int16),
    ModbusPoint(name: "name", space: .holding, address: 40, type: .string(length: 4)),
    ModbusPoint(name: "total", space: .holding, address: 50, type: .int64, order: .dcba),
]

private func poller(_ fake: FakeTransport) -> ModbusPoller<FakeTransport> {
    ModbusPoller(
        bus: bus, devices: [ModbusDeviceConfig(id: "plc", unit: ModbusUnitID(5), points: points)], transport: fake,
        clock: ManualClock(), random: SeededGenerator(state: 1))
}

@Suite struct ModbusWriteTests {
    @Test func encodesPointWritesWithTheRightFunctionCode() throws {
        let fake = FakeTransport()
        fake.set(unit: 5, .holding, 30, [0x8001])
        let p = poller(fake)
        #expect(try p.write(device: 0, point: 0, value: .float(21.5)).target == .registers(10, [0x0000, 0x41AC]))
        #expect(try p.write(device: 0, point: 1, value: .float(21.5)).target == .register(20, 215))
        #expect(try p.write(device: 0, point: 2, value: .bool(true)).target == .coil(3, true))
        #expect(try p.write(device: 0, point: 3, value: .int(1)).target == .register(30, 0x8009))
        #expect(try p.write(device: 0, point: 5, value: .string("OK")).target == .registers(40, [0x4F4B, 0]))
        #expect(
            try p.write(device: 0, point: 6, value: .int(-9_000_000_000_123)).target
                == .registers(50, [0x856F, 0x3286, 0xD0F7, 0xFFFF]))
        #expect(fake.calls.map(\.kind) == ["fc16", "fc6", "fc5", "read", "fc6", "fc16", "fc16"])
        #expect(fake.value(unit: 5, .holding, 30) == 0x8009, "the other bits of the register survive")
        #expect(p.stats(ofDevice: 0).writes == 6)
    }

    @Test func performsRawWritesWithEveryFunctionCode() throws {
        let fake = FakeTransport()
        let p = poller(fake)
        for target: ModbusWriteTarget in [
            .coil(1, true), .coils(2, [true, false, true]), .register(3, 0xBEEF), .registers(4, [1, 2]),
        ] {
            #expect(try p.write(device: 0, target: target, verify: true).verified)
        }
        #expect(fake.calls.filter { $0.kind != "read" }.map(\.kind) == ["fc5", "fc15", "fc6", "fc16"])
        #expect(fake.value(unit: 5, .coil, 4) == 1)
        #expect(fake.value(unit: 5, .holding, 5) == 2)
    }

    @Test func reportsAReadBackThatDiffers() {
        let fake = FakeTransport()
        fake.state.withLock { $0.ignoreWrites = true }
        let p = poller(fake)
        do {
            _ = try p.write(device: 0, target: .register(3, 7), verify: true)
            Issue.record("verification passed")
        } catch {
            #expect(error.code == .verifyMismatch)
            #expect(error.description == "verify FC6 holding 3 = 7 on unit 5: read back 0 instead")
        }
        #expect(p.stats(ofDevice: 0).writeFailures == 1)
    }

    @Test func refusesWritesThatCannotBeEncoded() {
        let p = poller(FakeTransport())
        let cases: [(Int, ModbusValue, String)] = [
            (4, .int(1), "write temp (input 0) on unit 5: input is read-only"),
            (1, .float(7000), "write limit (holding 20) on unit 5: 70000 is out of range for uint16 (0...65535)"),
            (0, .string("hot"), "write setpoint (holding 10) on unit 5: 'hot' is not a finite number"),
            (2, .string("x"), "write relay (coil 3) on unit 5: a coil takes true/false or 1/0"),
            (5, .string("TOO LONG"), "write name (holding 40) on unit 5: 'TOO LONG' has 8 bytes; the point holds 4"),
        ]
        for (point, value, message) in cases {
            do {
                _ = try p.write(device: 0, point: point, value: value)
                Issue.record("wrote \(value) to point \(point)")
            } catch {
                #expect(error.code == .invalidRequest)
                #expect(error.description == message)
            }
        }
    }

    @Test func describesRawWrites() {
        #expect(ModbusWriteTarget.registers(10, [1, 2]).description == "FC16 holding 10...11 = [1, 2]")
        #expect(ModbusWriteTarget.coil(3, true).description == "FC5 coil 3 = 1")
    }
}
