import EdgeCore
import EdgeModbus
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

private let bus = ModbusBusConfig(id: "gw", transport: .tcp(ModbusTCPSettings(host: "127.0.0.1", port: 5020)))

private func meter(_ id: String = "meter", unit: UInt8 = 1) -> ModbusDeviceConfig {
    ModbusDeviceConfig(
        id: id, unit: ModbusUnitID(unit), responseTimeout: .milliseconds(100), pollInterval: .milliseconds(20),
        points: [
            ModbusPoint(name: "count", space: .holding, address: 0, type: .uint16),
            ModbusPoint(name: "setpoint", space: .holding, address: 10, type: .float32, order: .cdab),
            ModbusPoint(name: "relay", space: .coil, address: 0, type: .bool),
        ])
}

/// What the sink saw, from the owner thread.
final class SinkRecord: Sendable {
    let state = Mutex<(cycles: [ModbusCycle], threads: Set<UInt>)>(([], []))

    func record(_ cycle: ModbusCycle) {
        let thread = UInt(bitPattern: Int(bitPattern: UInt(pthread_self())))
        state.withLock {
            $0.cycles.append(cycle)
            $0.threads.insert(thread)
        }
    }

    var count: Int { state.withLock { $0.cycles.count } }
}

/// Waits (bounded) until `condition` holds.
func eventually(timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let end = clock.now + timeout
    while clock.now < end {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}

@Suite struct ModbusBusOwnerTests {
    @Test func pollsOnOneDedicatedThreadAndStopsCleanly() async throws {
        let fake = FakeTransport()
        fake.set(unit: 1, .holding, 0, [7])
        let record = SinkRecord()
        let owner = ModbusBusOwner(
            bus: bus, devices: [meter()], transport: fake, random: SeededGenerator(state: 1),
            sink: { record.record($0) })
        try owner.start()
        #expect(await eventually { record.count >= 3 })
        owner.stop()
        let seen = record.count
        let threads = record.state.withLock { $0.threads }
        #expect(threads.count == 1, "every cycle came from the same owner thread")
        let testThread = UInt(bitPattern: Int(bitPattern: UInt(pthread_self())))
        #expect(!threads.contains(testThread))
        #expect(record.state.withLock { $0.cycles.allSatisfy { $0.samples[0].value == 7 } })
        #expect(owner.deviceStats[0].goodPolls >= 3)
        #expect(fake.log.last == "close")
        try await Task.sleep(for: .milliseconds(60))
        #expect(record.count == seen, "no cycle after stop")
    }

    @Test func serializesWritesThroughTheOwnerThread() async throws {
        let fake = FakeTransport()
        let owner = ModbusBusOwner(
            bus: bus, devices: [meter()], transport: fake, random: SeededGenerator(state: 1), sink: { _ in })
        try owner.start()
        defer { owner.stop() }
        let result = try await owner.write(device: "meter", point: "setpoint", value: .float(21.5), verify: true)
        #expect(result.target == .registers(10, [0x0000, 0x41AC]))
        #expect(result.verified)
        #expect(fake.value(unit: 1, .holding, 11) == 0x41AC)
        let coil = try await owner.write(device: "meter", target: .coil(0, true))
        #expect(coil.target.functionCode == 5)
        #expect(fake.value(unit: 1, .coil, 0) == 1)
        #expect(await eventually { owner.deviceStats[0].writes == 2 })
    }

    @Test func reportsUnknownDevicesPointsAndStoppedOwners() async throws {
        let owner = ModbusBusOwner(
            bus: bus, devices: [meter()], transport: FakeTransport(), random: SeededGenerator(state: 1),
            sink: { _ in })
        await #expect(throws: ModbusError.self) { try await owner.write(device: "nope", target: .coil(0, true)) }
        do {
            _ = try await owner.write(device: "meter", point: "nope", value: .int(1))
            Issue.record("wrote to a missing point")
        } catch {
            #expect(error.message == "device 'meter' has no point 'nope'")
        }
        try owner.start()
        await owner.shutdown()
        do {
            _ = try await owner.write(device: "meter", target: .coil(0, true))
            Issue.record("wrote through a stopped owner")
        } catch {
            #expect(error.code == .unavailable)
        }
        #expect(throws: ModbusError.self) { try owner.start() }
    }

    @Test func failsAWriteWithTheDevicesAnswer() async throws {
        let fake = FakeTransport()
        fake.respond { $0.kind == "fc6" ? FakeTransport.exception($0, .illegalDataValue) : nil }
        let owner = ModbusBusOwner(
            bus: bus, devices: [meter()], transport: fake, random: SeededGenerator(state: 1), sink: { _ in })
        try owner.start()
        defer { owner.stop() }
        do {
            _ = try await owner.write(device: "meter", target: .register(3, 9))
            Issue.record("write succeeded")
        } catch {
            #expect(error.exception == .illegalDataValue)
        }
        #expect(await eventually { owner.deviceStats[0].writeFailures == 1 })
    }

    @Test func busesSharingAnOwnerThreadArePolledAndWrittenOnThatOneThread() async throws {
        let thread = ModbusOwnerThread(name: "modbus tcp shared")
        let fakes = [FakeTransport(), FakeTransport()]
        fakes[0].set(unit: 1, .holding, 0, [11])
        fakes[1].set(unit: 2, .holding, 0, [22])
        let records = [SinkRecord(), SinkRecord()]
        let owners = (0..<2).map { i in
            ModbusBusOwner(
                bus: ModbusBusConfig(id: "tcp\(i)", transport: .tcp(ModbusTCPSettings(host: "127.0.0.1", port: UInt16(5020 + i)))),
                devices: [meter("m\(i)", unit: UInt8(i + 1))], transport: fakes[i], random: SeededGenerator(state: 1),
                thread: thread, sink: { records[i].record($0) })
        }
        for owner in owners { try owner.start() }
        #expect(await eventually { records.allSatisfy { $0.count >= 3 } })
        #expect(thread.busCount == 2)
        // One OS thread ran both buses' polls.
        let threads = records[0].state.withLock { $0.threads }.union(records[1].state.withLock { $0.threads })
        #expect(threads.count == 1)
        #expect(records[0].state.withLock { $0.cycles.allSatisfy { $0.samples[0].value == 11 } })
        #expect(records[1].state.withLock { $0.cycles.allSatisfy { $0.samples[0].value == 22 } })
        // A write on either bus goes through the shared thread to that bus's device only.
        _ = try await owners[1].write(device: "m1", target: .register(3, 99))
        #expect(fakes[1].value(unit: 2, .holding, 3) == 99)
        #expect(fakes[0].value(unit: 1, .holding, 3) == 0)
        // Stopping one bus closes its link and leaves the other polling.
        owners[0].stop()
        #expect(fakes[0].log.last == "close")
        #expect(thread.busCount == 1)
        let before = records[1].count
        #expect(await eventually { records[1].count >= before + 2 })
        owners[1].stop()
        #expect(fakes[1].log.last == "close")
        thread.shutdown()
        #expect(thread.busCount == 0)
        #expect(throws: ModbusError.self) {
            try ModbusBusOwner(
                bus: bus, devices: [meter()], transport: FakeTransport(), random: SeededGenerator(state: 1),
                thread: thread, sink: { _ in }
            ).start()
        }
    }

    /// Buses start from different tasks at once (as an agent's services may): still exactly one
    /// OS thread runs them, so no libmodbus context is ever used by two threads.
    @Test func busesStartedConcurrentlyOnASharedThreadStillGetOneThread() async throws {
        let thread = ModbusOwnerThread(name: "modbus tcp race")
        let records = (0..<8).map { _ in SinkRecord() }
        let owners = (0..<8).map { i in
            ModbusBusOwner(
                bus: ModbusBusConfig(id: "tcp\(i)", transport: .tcp(ModbusTCPSettings(host: "127.0.0.1", port: 5020))),
                devices: [meter("m\(i)")], transport: FakeTransport(), random: SeededGenerator(state: 1), thread: thread,
                sink: { records[i].record($0) })
        }
        await withTaskGroup(of: Void.self) { group in
            for owner in owners { group.addTask { try? owner.start() } }
        }
        #expect(await eventually { records.allSatisfy { $0.count >= 2 } })
        let threads = records.reduce(into: Set<UInt>()) { all, record in all.formUnion(record.state.withLock { $0.threads }) }
        #expect(threads.count == 1, "every bus ran on the one shared thread")
        for owner in owners { owner.stop() }
        thread.shutdown()
    }
}
