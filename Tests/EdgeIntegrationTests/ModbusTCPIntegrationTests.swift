import EdgeCore
import EdgeModbus
import EdgeTestSupport
import Testing

/// edgeflow's Modbus master against a real pymodbus 3.16.1 server on 127.0.0.1, cross-checked
/// with mbpoll.
@Suite struct ModbusTCPIntegrationTests {
    let directory: TemporaryDirectory
    let tools: ModbusPeerTools
    let port: UInt16
    let server: ModbusServerPeer
    let bus: ModbusBusConfig

    init() async throws {
        directory = try TemporaryDirectory(prefix: "edgeflow-mbtcp")
        tools = try await ModbusPeerTools.require(in: directory)
        port = try freeTCPPort()
        server = try ModbusServerPeer(tools: tools, directory: directory, layout: KnownDevice.layout,
                                      link: .tcp(port: port))
        try await server.start()
        bus = ModbusBusConfig(
            id: "tcp", transport: .tcp(ModbusTCPSettings(host: "127.0.0.1", port: port, connectTimeout: .seconds(2))))
    }

    @Test func decodesEveryTypeAndOrderExactlyWithTheFewestRequests() async throws {
        let cycles = CycleCollector()
        let owner = try ModbusBusOwner(bus: bus, devices: [knownMeter()], sink: cycles.sink)
        #expect(owner.plans[0].requests.count == KnownDevice.expectedRequests.count)
        let before = SystemClock().wallNanoseconds()
        try owner.start()
        let polled = await eventually { cycles.count(of: "meter") >= 1 }
        owner.stop()
        let after = SystemClock().wallNanoseconds()
        #expect(polled, "no cycle within the bound")
        let cycle = try #require(cycles.cycles(of: "meter").first)
        expectKnownValues(cycle, from: before, to: after)
        // 34 points, 6 requests: exactly what the plan says, as the server saw it.
        #expect(server.requests() == KnownDevice.expectedRequests)
        #expect(owner.deviceStats[0].requests == 6)
    }

    @Test func reportsARefusedAddressPerPointAndKeepsPolling() async throws {
        let device = ModbusDeviceConfig(
            id: "meter", unit: ModbusUnitID(1), responseTimeout: .seconds(2), pollInterval: .milliseconds(50),
            points: [pt("hr0", .holding, 0, .uint16), pt("missing", .holding, 1000, .uint16)])
        let cycles = CycleCollector()
        let owner = try ModbusBusOwner(bus: bus, devices: [device], sink: cycles.sink)
        try owner.start()
        let polled = await eventually { cycles.count(of: "meter") >= 3 }
        owner.stop()
        #expect(polled)
        for cycle in cycles.cycles(of: "meter") {
            #expect(cycle.samples[0].quality == .good && cycle.samples[0].value == 100)
            #expect(cycle.samples[1].quality == .deviceError && cycle.samples[1].value.isNaN)
            #expect(cycle.error?.exception == .illegalDataAddress)
            #expect(cycle.state == .ok)
        }
        let stats = owner.deviceStats[0]
        #expect(stats.exceptions == stats.polls && stats.failedPolls == 0)
    }

    @Test func reconnectsAndResumesAfterTheServerRestarts() async throws {
        let device = ModbusDeviceConfig(
            id: "meter", unit: ModbusUnitID(1), responseTimeout: .milliseconds(500), pollInterval: .milliseconds(50),
            retry: ModbusRetryPolicy(initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(300),
                                     parkAfterFailures: 0),
            points: [pt("hr0", .holding, 0, .uint16)])
        let cycles = CycleCollector()
        let owner = try ModbusBusOwner(bus: bus, devices: [device], sink: cycles.sink)
        try owner.start()
        defer { owner.stop() }
        #expect(await eventually { owner.deviceStats[0].goodPolls >= 2 })

        server.stop()
        #expect(await eventually { owner.deviceStats[0].failedPolls >= 2 }, "the outage was noticed")
        #expect(owner.deviceStats[0].state.consecutiveFailures >= 2)
        let failed = cycles.cycles(of: "meter").last { !$0.allGood }
        #expect(failed?.samples[0].quality == .commError)
        #expect(failed?.samples[0].value.isNaN == true)
        let goodBefore = owner.deviceStats[0].goodPolls

        try await server.start()
        #expect(await eventually { owner.deviceStats[0].goodPolls >= goodBefore + 2 }, "polling resumed")
        let stats = owner.deviceStats[0]
        #expect(stats.state == .ok)
        #expect((stats.lastOutageNanoseconds ?? 0) > 0, "the gap is measured")
        #expect(owner.busStats.disconnects >= 1)
        #expect(owner.busStats.connects >= 2)
        #expect(owner.busStats.connectFailures >= 1)
        #expect(cycles.cycles(of: "meter").last?.samples[0].value == 100)
    }

    @Test func keepsPollingTheOtherUnitWhileOneNeverAnswers() async throws {
        let dead = ModbusDeviceConfig(
            id: "dead", unit: ModbusUnitID(9), responseTimeout: .milliseconds(300), pollInterval: .milliseconds(100),
            retry: ModbusRetryPolicy(initialBackoff: .milliseconds(200), maxBackoff: .seconds(2)),
            points: [pt("x", .holding, 0, .uint16)])
        let alive = ModbusDeviceConfig(
            id: "alive", unit: ModbusUnitID(2), responseTimeout: .seconds(1), pollInterval: .milliseconds(100),
            points: [pt("a", .holding, 0, .uint16), pt("b", .holding, 1, .uint16)])
        let cycles = CycleCollector()
        let owner = try ModbusBusOwner(bus: bus, devices: [dead, alive], sink: cycles.sink)
        try owner.start()
        let enough = await eventually(timeout: .seconds(20)) { owner.deviceStats[1].goodPolls >= 15 }
        owner.stop()
        #expect(enough, "the live unit kept being polled: \(owner.deviceStats[1])")
        let deadStats = owner.deviceStats[0]
        let aliveStats = owner.deviceStats[1]
        #expect(deadStats.timeouts >= 1 && deadStats.goodPolls == 0)
        #expect(deadStats.state.consecutiveFailures == deadStats.polls)
        #expect(deadStats.polls < aliveStats.polls, "the dead unit is backed off")
        #expect(aliveStats.failedPolls == 0)
        #expect(cycles.cycles(of: "alive").allSatisfy { $0.samples.map(\.value) == [200, 201] })
        #expect(cycles.cycles(of: "dead").allSatisfy { $0.samples[0].quality == .timeout })
        #expect(server.requests().contains { $0.unit == 9 }, "the silent unit was asked")
    }

    @Test func writesValuesTheServerThenHolds() async throws {
        let plc = ModbusDeviceConfig(
            id: "plc", unit: ModbusUnitID(1), responseTimeout: .seconds(2), pollInterval: .milliseconds(50),
            points: [pt("setpoint", .holding, 100, .float32, .cdab), pt("relay", .coil, 9, .bool)])
        let cycles = CycleCollector()
        let owner = try ModbusBusOwner(bus: bus, devices: [plc], sink: cycles.sink)
        try owner.start()
        defer { owner.stop() }
        let setpoint = try await owner.write(device: "plc", point: "setpoint", value: .float(42.25), verify: true)
        #expect(setpoint.verified && setpoint.target == .registers(100, [0x0000, 0x4229]))
        _ = try await owner.write(device: "plc", point: "relay", value: .bool(true), verify: true)
        _ = try await owner.write(device: "plc", target: .register(105, 0xBEEF), verify: true)
        _ = try await owner.write(device: "plc", target: .registers(110, [7, 8, 9]), verify: true)
        _ = try await owner.write(device: "plc", target: .coils(10, [true, false, true]), verify: true)
        #expect(await eventually { cycles.cycles(of: "plc").last?.samples.map(\.value) == [42.25, 1] })

        let writes = server.requests().filter { [5, 6, 15, 16].contains($0.function) }
        #expect(writes.map(\.function) == [16, 5, 6, 16, 15])
        // An independent master sees the same values (mbpoll reads floats as CDAB by default).
        let common = ["-m", "tcp", "-p", String(port), "-a", "1", "-0", "-1"]
        let float = try await runToCompletion(
            tools.mbpoll, common + ["-r", "100", "-t", "4:float", "127.0.0.1"], in: directory)
        #expect(mbpollValues(float.output)[100] == "42.25", "\(float.output)")
        let registers = try await runToCompletion(
            tools.mbpoll, common + ["-r", "105", "-c", "8", "-t", "4:hex", "127.0.0.1"], in: directory)
        let values = mbpollValues(registers.output)
        #expect(values[105] == "0xBEEF" && values[110] == "0x0007" && values[112] == "0x0009", "\(registers.output)")
        let coils = try await runToCompletion(
            tools.mbpoll, common + ["-r", "9", "-c", "4", "-t", "0", "127.0.0.1"], in: directory)
        #expect(mbpollValues(coils.output) == [9: "1", 10: "1", 11: "0", 12: "1"], "\(coils.output)")
    }

    @Test func agreesWithMbpollOnRegistersFloatsAndIntegers() async throws {
        let cycles = CycleCollector()
        let owner = try ModbusBusOwner(bus: bus, devices: [knownMeter()], sink: cycles.sink)
        try owner.start()
        let polled = await eventually { cycles.count(of: "meter") >= 1 }
        owner.stop()
        #expect(polled)
        let cycle = try #require(cycles.cycles(of: "meter").first)
        func ours(_ name: String) -> Double {
            cycle.samples[KnownDevice.points.firstIndex { $0.0.name == name } ?? 0].value
        }
        let common = ["-m", "tcp", "-p", String(port), "-a", "1", "-0", "-1"]
        let raw = try await runToCompletion(
            tools.mbpoll, common + ["-r", "0", "-c", "10", "-t", "4", "127.0.0.1"], in: directory)
        #expect(mbpollValues(raw.output)[0] == String(Int(ours("hr0"))))
        #expect(mbpollValues(raw.output)[9] == String(Int(ours("hr9"))))
        // mbpoll -B is big-endian words (ABCD); without it, CDAB.
        let abcd = try await runToCompletion(
            tools.mbpoll, common + ["-r", "20", "-t", "4:float", "-B", "127.0.0.1"], in: directory)
        let cdab = try await runToCompletion(
            tools.mbpoll, common + ["-r", "24", "-t", "4:float", "127.0.0.1"], in: directory)
        for (output, name) in [(abcd.output, "f32_abcd"), (cdab.output, "f32_cdab")] {
            let theirs = try #require(mbpollValues(output).values.first.flatMap(Double.init), "\(output)")
            #expect(abs(theirs - ours(name)) < 0.01, "\(name): mbpoll \(theirs), edgeflow \(ours(name))")
        }
        let int32 = try await runToCompletion(
            tools.mbpoll, common + ["-r", "34", "-t", "4:int", "127.0.0.1"], in: directory)
        #expect(mbpollValues(int32.output)[34] == String(Int(ours("i32_cdab"))), "\(int32.output)")
        let input = try await runToCompletion(
            tools.mbpoll, common + ["-r", "2", "-t", "3", "127.0.0.1"], in: directory)
        #expect(mbpollValues(input.output)[2] == String(Int(ours("ir2"))))
    }

    @Test func fieldToolReadsScansAndWritesARealServer() throws {
        let client = try ModbusClient(tcp: ModbusTCPSettings(host: "127.0.0.1", port: port))
        client.setResponseTimeout(.seconds(2))
        let unit = ModbusUnitID(1)
        let four = try ModbusFieldTool.read(client, unit: unit, space: .holding, address: 24, count: 1,
                                            type: .float32, order: nil)
        let byOrder = Dictionary(uniqueKeysWithValues: four.rows[0].values.map { ($0.order, $0.value) })
        #expect(byOrder[.cdab] == .float(-1234.5625))
        #expect(byOrder[.abcd] != .float(-1234.5625))
        let int64 = try ModbusFieldTool.read(client, unit: unit, space: .holding, address: 58, count: 1,
                                             type: .int64, order: .abcd)
        #expect(int64.rows[0].values[0].value == .int(-9_000_000_000_123))
        let coils = try ModbusFieldTool.read(client, unit: unit, space: .coil, address: 0, count: 4, type: nil,
                                             order: nil)
        #expect(coils.rows.map(\.raw) == [[1], [0], [1], [1]])
        do {
            _ = try ModbusFieldTool.read(client, unit: unit, space: .holding, address: 1000, count: 2, type: nil,
                                         order: nil)
            Issue.record("read of a missing address succeeded")
        } catch {
            #expect(
                error.description
                    == "read holding 1000...1001 from unit 1: Modbus exception 02 (illegal data address)")
        }
        let written = try ModbusFieldTool.write(client, unit: unit, space: .holding, address: 120, value: .int(-2),
                                                type: nil, order: nil, verify: true)
        #expect(written.target == .register(120, 0xFFFE) && written.verified)

        let hits = try ModbusFieldTool.scan(client, units: 1...9, timeout: .milliseconds(300))
        // pymodbus answers units it does not serve with exception 04; unit 9 stays silent.
        #expect(hits.map(\.unit.rawValue) == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(hits.prefix(2).allSatisfy { $0.exception == nil })
        #expect(hits.dropFirst(2).allSatisfy { $0.exception == .serverDeviceFailure })
    }
}

/// A device that accepts the connection but never answers.
@Suite struct ModbusSilentTCPDeviceTests {
    @Test func reportsTimeoutsFromAListenerThatNeverAnswers() async throws {
        let listener = try SilentTCPListener()
        let bus = ModbusBusConfig(
            id: "silent", transport: .tcp(ModbusTCPSettings(host: "127.0.0.1", port: listener.port)))
        let device = ModbusDeviceConfig(
            id: "ghost", unit: ModbusUnitID(1), responseTimeout: .milliseconds(150), pollInterval: .milliseconds(50),
            retry: ModbusRetryPolicy(initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(100)),
            points: [pt("x", .holding, 0, .float32)])
        let cycles = CycleCollector()
        let owner = try ModbusBusOwner(bus: bus, devices: [device], sink: cycles.sink)
        try owner.start()
        let failed = await eventually { owner.deviceStats[0].timeouts >= 3 }
        owner.stop()
        #expect(failed)
        #expect(cycles.cycles(of: "ghost").allSatisfy {
            $0.samples[0].quality == .timeout && $0.samples[0].value.isNaN
        })
        #expect(owner.deviceStats[0].goodPolls == 0)
        #expect(owner.busStats.disconnects >= 1, "three timeouts in a row reopen a TCP link")
    }
}
