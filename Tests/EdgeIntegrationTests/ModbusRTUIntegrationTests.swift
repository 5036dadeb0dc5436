import EdgeCore
import EdgeModbus
import EdgeTestSupport
import Testing

/// edgeflow's Modbus master on a serial line: a socat pty pair with pymodbus 3.16.1 on one end.
/// (A pty does not enforce baud or parity, so line settings themselves are only unit-tested.)
@Suite struct ModbusRTUIntegrationTests {
    let directory: TemporaryDirectory
    let tools: ModbusPeerTools

    init() async throws {
        directory = try TemporaryDirectory(prefix: "edgeflow-mbrtu")
        tools = try await ModbusPeerTools.require(in: directory)
    }

    private func line(_ device: String) -> ModbusBusConfig {
        ModbusBusConfig(id: "rs485", transport: .rtu(ModbusRTUSettings(device: device, baud: 19200, parity: .none)))
    }

    private func startServer(on pty: PtyPair) async throws -> ModbusServerPeer {
        let server = try ModbusServerPeer(
            tools: tools, directory: directory, layout: KnownDevice.layout, link: .rtu(device: pty.serverEnd))
        try await server.start()
        return server
    }

    @Test func decodesEveryTypeAndOrderExactlyOverRTU() async throws {
        let pty = try await PtyPair(tools: tools, directory: directory)
        let server = try await startServer(on: pty)
        let cycles = CycleCollector()
        let owner = try ModbusBusOwner(bus: line(pty.clientEnd), devices: [knownMeter()], sink: cycles.sink)
        let before = SystemClock().wallNanoseconds()
        try owner.start()
        let polled = await eventually { cycles.count(of: "meter") >= 1 }
        owner.stop()
        let after = SystemClock().wallNanoseconds()
        #expect(polled)
        let cycle = try #require(cycles.cycles(of: "meter").first)
        expectKnownValues(cycle, from: before, to: after)
        #expect(server.requests() == KnownDevice.expectedRequests)
    }

    @Test func keepsPollingTheOtherUnitWhileOneOnTheSameLineNeverAnswers() async throws {
        let pty = try await PtyPair(tools: tools, directory: directory)
        let server = try await startServer(on: pty)
        let dead = ModbusDeviceConfig(
            id: "dead", unit: ModbusUnitID(9), responseTimeout: .milliseconds(300), pollInterval: .milliseconds(100),
            retry: ModbusRetryPolicy(initialBackoff: .milliseconds(200), maxBackoff: .seconds(2)),
            points: [pt("x", .holding, 0, .uint16)])
        let alive = ModbusDeviceConfig(
            id: "alive", unit: ModbusUnitID(1), responseTimeout: .seconds(1), pollInterval: .milliseconds(100),
            points: [pt("hr0", .holding, 0, .uint16), pt("ir_f32", .input, 10, .float32, .cdab)])
        let cycles = CycleCollector()
        let owner = try ModbusBusOwner(bus: line(pty.clientEnd), devices: [dead, alive], sink: cycles.sink)
        try owner.start()
        let enough = await eventually(timeout: .seconds(20)) { owner.deviceStats[1].goodPolls >= 15 }
        owner.stop()
        #expect(enough, "the live unit kept being polled: \(owner.deviceStats[1])")
        let deadStats = owner.deviceStats[0]
        #expect(deadStats.timeouts >= 1 && deadStats.goodPolls == 0)
        #expect(deadStats.polls < owner.deviceStats[1].polls)
        #expect(owner.deviceStats[1].failedPolls == 0, "no stale answer was taken for the live unit's")
        #expect(cycles.cycles(of: "alive").allSatisfy { $0.samples.map(\.value) == [100, 21.5] })
        #expect(cycles.cycles(of: "dead").allSatisfy { $0.samples[0].quality == .timeout })
        #expect(server.requests().contains { $0.unit == 9 })
    }

    @Test func writesOverRTUAndMbpollReadsThemBack() async throws {
        let pty = try await PtyPair(tools: tools, directory: directory)
        let server = try await startServer(on: pty)
        let plc = ModbusDeviceConfig(
            id: "plc", unit: ModbusUnitID(1), responseTimeout: .seconds(1), pollInterval: .milliseconds(50),
            points: [pt("limit", .holding, 130, .int32, .abcd), pt("flag", .holding, 80, .bit(1))])
        let cycles = CycleCollector()
        let owner = try ModbusBusOwner(bus: line(pty.clientEnd), devices: [plc], sink: cycles.sink)
        try owner.start()
        let limit = try await owner.write(device: "plc", point: "limit", value: .int(-123_456_789), verify: true)
        #expect(limit.target == .registers(130, [0xF8A4, 0x32EB]))
        let flag = try await owner.write(device: "plc", point: "flag", value: .bool(true), verify: true)
        #expect(flag.target == .register(80, 0xA007), "bit 1 set, the other bits of 0xA005 kept")
        #expect(await eventually { cycles.cycles(of: "plc").last?.samples.map(\.value) == [-123_456_789, 1] })
        owner.stop()
        #expect(server.requests().filter { $0.function == 16 || $0.function == 6 }.map(\.function) == [16, 6])

        // With the bus released, an independent master reads the same registers on the same line.
        let common = ["-m", "rtu", "-b", "19200", "-P", "none", "-a", "1", "-0", "-1"]
        let readBack = try await runToCompletion(
            tools.mbpoll, common + ["-r", "130", "-t", "4:int", "-B", pty.clientEnd], in: directory)
        #expect(mbpollValues(readBack.output)[130] == "-123456789", "\(readBack.output)")
        let bits = try await runToCompletion(
            tools.mbpoll, common + ["-r", "80", "-t", "4:hex", pty.clientEnd], in: directory)
        #expect(mbpollValues(bits.output)[80] == "0xA007", "\(bits.output)")
    }

    @Test func startsPollingWhenTheSerialPortAppears() async throws {
        let missing = directory.file("ttyLater")
        let device = ModbusDeviceConfig(
            id: "meter", unit: ModbusUnitID(1), responseTimeout: .milliseconds(500), pollInterval: .milliseconds(50),
            retry: ModbusRetryPolicy(initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(200),
                                     parkAfterFailures: 0),
            points: [pt("hr0", .holding, 0, .uint16)])
        let cycles = CycleCollector()
        // The bus points at the pty's client end before socat has created it (an unplugged adapter).
        let serverEnd = directory.file("ttyServerLater")
        let owner = try ModbusBusOwner(bus: line(missing), devices: [device], sink: cycles.sink)
        try owner.start()
        defer { owner.stop() }
        #expect(await eventually { owner.busStats.connectFailures >= 2 })
        #expect(cycles.cycles(of: "meter").first?.samples[0].quality == .commError)
        #expect(owner.busStats.lastError?.contains("ttyLater") == true, "\(owner.busStats)")

        let socat = try PeerProcess.start(
            tools.socat, ["-d", "-d", "pty,raw,echo=0,link=\(serverEnd)", "pty,raw,echo=0,link=\(missing)"],
            log: directory.uniquePath("socat.log"))
        defer { socat.terminate() }
        try await socat.waitForFile(missing)
        try await socat.waitForFile(serverEnd)
        let server = try ModbusServerPeer(
            tools: tools, directory: directory, layout: KnownDevice.layout, link: .rtu(device: serverEnd))
        try await server.start()
        #expect(await eventually { owner.deviceStats[0].goodPolls >= 2 })
        #expect(cycles.cycles(of: "meter").last?.samples[0].value == 100)
        #expect(owner.deviceStats[0].state == .ok)
    }
}
