import EdgeCore
import EdgeModbus
import Testing

let second: Int64 = 1_000_000_000

private let rtuBus = ModbusBusConfig(
    id: "line1", transport: .rtu(ModbusRTUSettings(device: "/dev/null-rtu", baud: 19200, parity: .even)))
private let tcpBus = ModbusBusConfig(id: "gw", transport: .tcp(ModbusTCPSettings(host: "127.0.0.1", port: 5020)))

private func device(
    _ id: String, unit: UInt8, points: [ModbusPoint], interval: Duration = .seconds(1),
    retry: ModbusRetryPolicy = ModbusRetryPolicy(jitter: 0), source: UInt16 = 0
) -> ModbusDeviceConfig {
    ModbusDeviceConfig(
        id: id, source: source, unit: ModbusUnitID(unit), responseTimeout: .milliseconds(200), pollInterval: interval,
        retry: retry, points: points)
}

private let meterPoints = [
    ModbusPoint(name: "count", space: .holding, address: 0, type: .uint16),
    ModbusPoint(name: "power", space: .holding, address: 2, type: .float32, order: .cdab),
    ModbusPoint(name: "energy", space: .holding, address: 4, type: .int32, scale: 0.01),
    ModbusPoint(name: "serial", space: .holding, address: 10, type: .string(length: 4)),
    ModbusPoint(name: "alarm", space: .holding, address: 12, type: .bit(1)),
    ModbusPoint(name: "temp", space: .input, address: 0, type: .int16, scale: 0.1, offset: -40),
    ModbusPoint(name: "relay", space: .coil, address: 0, type: .bool),
    ModbusPoint(name: "door", space: .discrete, address: 3, type: .bool),
]

private func fillMeter(_ fake: FakeTransport, unit: UInt8) {
    fake.set(unit: unit, .holding, 0, [42])
    fake.set(unit: unit, .holding, 2, [0x0000, 0x41AC])  // 21.5 in CDAB
    fake.set(unit: unit, .holding, 4, [0xFFFF, 0xFF85])  // -123 → -1.23
    fake.set(unit: unit, .holding, 10, [0x4142, 0x4344])  // "ABCD"
    fake.set(unit: unit, .holding, 12, [0x0002])
    fake.set(unit: unit, .input, 0, [655])  // 25.5 °C
    fake.set(unit: unit, .coil, 0, [1])
    fake.set(unit: unit, .discrete, 3, [0])
}

/// Collects the cycles a poller delivers.
final class CycleLog {
    var cycles: [ModbusCycle] = []
    func sink(_ cycle: ModbusCycle) { cycles.append(cycle) }
    var last: ModbusCycle? { cycles.last }
}

/// Records the pauses a poller asks for.
final class PauseLog: @unchecked Sendable {
    var durations: [Duration] = []
}

/// Drives a poller for `seconds` of manual time: polls what is due, otherwise jumps to the next due time.
private func run<T>(_ poller: ModbusPoller<T>, _ clock: ManualClock, until end: Int64, log: CycleLog) {
    for _ in 0..<10_000 {
        if clock.monotonicNanoseconds() >= end { return }
        if poller.pollNextDue(sink: log.sink) != nil { continue }
        guard let due = poller.nextDue else { return }
        clock.advance(nanoseconds: max(1, min(due, end) - clock.monotonicNanoseconds()))
    }
    Issue.record("poll loop did not reach the end time")
}

@Suite struct ModbusPollerTests {
    @Test func decodesEveryPointOfACycleWithTheResponseTime() throws {
        let clock = ManualClock()
        let fake = FakeTransport(clock: clock)
        fillMeter(fake, unit: 7)
        let poller = ModbusPoller(
            bus: rtuBus, devices: [device("meter", unit: 7, points: meterPoints, source: 3)], transport: fake,
            clock: clock, random: SeededGenerator(state: 1))
        let log = CycleLog()
        #expect(poller.pollNextDue(sink: log.sink) == 0)
        let cycle = try #require(log.last)
        #expect(cycle.samples.map(\.value).enumerated().filter { $0.offset != 3 }.map(\.element)
            == [42, 21.5, -1.23, 1, 25.5, 1, 0])
        #expect(cycle.samples[3].value.isNaN)
        #expect(cycle.texts[3] == "ABCD")
        #expect(cycle.samples.allSatisfy { $0.quality == .good && $0.source == 3 })
        #expect(cycle.samples.map(\.point) == Array(0..<8))
        #expect(cycle.samples.allSatisfy { $0.timestamp == clock.wallNanoseconds() })
        #expect(cycle.allGood && cycle.error == nil && cycle.state == .ok)
        // coil, discrete, holding 0...12 and input: four requests, one connect.
        #expect(fake.log == ["connect", "read coil 0 1 unit 7", "read discrete 3 1 unit 7",
                             "read holding 0 13 unit 7", "read input 0 1 unit 7"])
        #expect(poller.stats(ofDevice: 0).requests == 4)
        #expect(poller.busStats.connects == 1)
    }

    @Test func reportsAnExceptionPerPointAndKeepsTheDeviceHealthy() throws {
        let clock = ManualClock()
        let fake = FakeTransport(clock: clock)
        fillMeter(fake, unit: 1)
        fake.respond { $0.space == .input ? FakeTransport.exception($0, .illegalDataAddress) : nil }
        let poller = ModbusPoller(
            bus: rtuBus, devices: [device("meter", unit: 1, points: meterPoints)], transport: fake, clock: clock,
            random: SeededGenerator(state: 1))
        let log = CycleLog()
        poller.pollNextDue(sink: log.sink)
        let cycle = try #require(log.last)
        #expect(cycle.samples[5].quality == .deviceError)
        #expect(cycle.samples[5].value.isNaN)
        #expect(cycle.samples.enumerated().filter { $0.offset != 5 }.allSatisfy { $0.element.quality == .good })
        #expect(cycle.exceptions == 1)
        #expect(cycle.error?.exception == .illegalDataAddress)
        #expect(cycle.state == .ok)
        let stats = poller.stats(ofDevice: 0)
        #expect(stats.exceptions == 1 && stats.goodPolls == 1 && stats.failedPolls == 0)
        #expect(poller.nextDue == 1 * second)
    }

    @Test func cutsACycleShortOnTimeoutFlushesAndBacksOffExponentially() throws {
        let clock = ManualClock()
        let fake = FakeTransport(clock: clock)
        fake.respond { FakeTransport.timeout($0) }
        let policy = ModbusRetryPolicy(
            initialBackoff: .seconds(1), maxBackoff: .seconds(8), multiplier: 2, jitter: 0, parkAfterFailures: 0)
        let poller = ModbusPoller(
            bus: rtuBus, devices: [device("meter", unit: 1, points: meterPoints, interval: .milliseconds(500),
                                          retry: policy)],
            transport: fake, clock: clock, random: SeededGenerator(state: 1))
        let log = CycleLog()
        var delays: [Int64] = []
        for _ in 0..<6 {
            let start = clock.monotonicNanoseconds()
            poller.pollNextDue(sink: log.sink)
            let due = try #require(poller.nextDue)
            delays.append(due - clock.monotonicNanoseconds())
            #expect(clock.monotonicNanoseconds() - start == 200_000_000, "one timeout per cycle, not four")
            clock.advance(nanoseconds: due - clock.monotonicNanoseconds())
        }
        #expect(delays == [1, 2, 4, 8, 8, 8].map { $0 * second })
        let cycle = try #require(log.last)
        #expect(cycle.samples.allSatisfy { $0.quality == .timeout && $0.value.isNaN })
        #expect(cycle.state == .failing(consecutiveFailures: 6))
        #expect(cycle.error?.code == .timeout)
        #expect(fake.log.filter { $0.hasPrefix("read") }.count == 6)
        #expect(fake.log.filter { $0 == "flush" }.count == 6)
        #expect(!fake.log.contains("close"), "a serial line is flushed, not reopened, after a timeout")
        let stats = poller.stats(ofDevice: 0)
        #expect(stats.timeouts == 6 && stats.failedPolls == 6 && stats.polls == 6)
    }

    @Test func spreadsRetriesWithJitterFromTheInjectedGenerator() throws {
        func delays(seed: UInt64) -> [Int64] {
            let clock = ManualClock()
            let fake = FakeTransport(clock: clock)
            fake.respond { FakeTransport.timeout($0) }
            let policy = ModbusRetryPolicy(
                initialBackoff: .seconds(10), maxBackoff: .seconds(10), jitter: 0.5, parkAfterFailures: 0)
            let poller = ModbusPoller(
                bus: rtuBus, devices: [device("m", unit: 1, points: meterPoints, retry: policy)], transport: fake,
                clock: clock, random: SeededGenerator(state: seed))
            var out: [Int64] = []
            for _ in 0..<20 {
                poller.pollNextDue { _ in }
                guard let due = poller.nextDue else { return out }
                out.append(due - clock.monotonicNanoseconds())
                clock.advance(nanoseconds: due - clock.monotonicNanoseconds())
            }
            return out
        }
        let first = delays(seed: 42)
        #expect(first.count == 20)
        #expect(first.allSatisfy { $0 >= 5 * second && $0 <= 15 * second })
        #expect(Set(first).count > 10, "jitter must vary the delays")
        #expect(delays(seed: 42) == first, "the same seed gives the same schedule")
        #expect(delays(seed: 7) != first)
    }

    @Test func parksADeviceThatKeepsFailingAndMeasuresTheOutageWhenItReturns() throws {
        let clock = ManualClock()
        let fake = FakeTransport(clock: clock)
        let policy = ModbusRetryPolicy(
            initialBackoff: .seconds(1), maxBackoff: .seconds(1), jitter: 0, parkAfterFailures: 3,
            parkedProbeInterval: .seconds(60))
        let poller = ModbusPoller(
            bus: rtuBus, devices: [device("m", unit: 1, points: [meterPoints[0]], retry: policy)], transport: fake,
            clock: clock, random: SeededGenerator(state: 1))
        poller.pollNextDue { _ in }
        let lastGood = try #require(poller.stats(ofDevice: 0).lastGoodAt)
        fake.respond { FakeTransport.timeout($0) }
        var states: [ModbusDeviceState] = []
        for _ in 0..<3 {
            clock.advance(nanoseconds: try #require(poller.nextDue) - clock.monotonicNanoseconds())
            poller.pollNextDue { _ in }
            states.append(poller.state(ofDevice: 0))
        }
        #expect(states == [.failing(consecutiveFailures: 1), .failing(consecutiveFailures: 2),
                           .parked(consecutiveFailures: 3)])
        #expect(try #require(poller.nextDue) - clock.monotonicNanoseconds() == 60 * second)
        fake.respond { _ in nil }
        clock.advance(nanoseconds: 60 * second)
        poller.pollNextDue { _ in }
        let stats = poller.stats(ofDevice: 0)
        #expect(stats.state == .ok)
        #expect(stats.lastOutageNanoseconds == clock.wallNanoseconds() - lastGood)
        #expect(stats.failedPolls == 3 && stats.goodPolls == 2)
    }

    @Test func keepsPollingHealthyDevicesWhileOneNeverAnswers() {
        let clock = ManualClock()
        let fake = FakeTransport(clock: clock)
        fillMeter(fake, unit: 2)
        fake.respond { $0.unit == 1 ? FakeTransport.timeout($0) : nil }
        let policy = ModbusRetryPolicy(initialBackoff: .seconds(1), maxBackoff: .seconds(16), jitter: 0.2)
        let poller = ModbusPoller(
            bus: rtuBus,
            devices: [device("dead", unit: 1, points: meterPoints, retry: policy),
                      device("alive", unit: 2, points: meterPoints, retry: policy)],
            transport: fake, clock: clock, random: SeededGenerator(state: 9))
        let log = CycleLog()
        run(poller, clock, until: 60 * second, log: log)
        let dead = poller.stats(ofDevice: 0)
        let alive = poller.stats(ofDevice: 1)
        #expect(alive.goodPolls >= 59, "the live device kept its 1 s schedule: \(alive)")
        #expect(alive.failedPolls == 0)
        #expect(dead.polls <= 10, "the dead device is retried with backoff, not every second: \(dead)")
        #expect(dead.timeouts == dead.polls)
        #expect(log.cycles.filter { $0.deviceID == "alive" }.allSatisfy { $0.allGood })
    }

    @Test func reopensTheLinkAfterItFails() throws {
        let clock = ManualClock()
        let fake = FakeTransport(clock: clock)
        fillMeter(fake, unit: 1)
        fake.respond { FakeTransport.reset($0) }
        let poller = ModbusPoller(
            bus: tcpBus, devices: [device("m", unit: 1, points: [meterPoints[0]])], transport: fake, clock: clock,
            random: SeededGenerator(state: 1))
        let log = CycleLog()
        poller.pollNextDue(sink: log.sink)
        #expect(log.last?.samples.first?.quality == .commError)
        #expect(fake.log == ["connect", "read holding 0 1 unit 1", "close"])
        // The peer is down for a while: connecting fails, the device backs off.
        fake.respond { _ in nil }
        fake.state.withLock {
            $0.refuseConnect = ModbusError(.connection, operation: "connect", message: "Connection refused")
        }
        clock.advance(nanoseconds: try #require(poller.nextDue) - clock.monotonicNanoseconds())
        poller.pollNextDue(sink: log.sink)
        #expect(log.last?.error?.message == "Connection refused")
        #expect(log.last?.samples.first?.quality == .commError)
        // Back up: the next attempt reconnects and reads.
        fake.state.withLock { $0.refuseConnect = nil }
        clock.advance(nanoseconds: try #require(poller.nextDue) - clock.monotonicNanoseconds())
        poller.pollNextDue(sink: log.sink)
        #expect(log.last?.samples.first?.value == 42)
        #expect(poller.busStats.connects == 2)
        #expect(poller.busStats.connectFailures == 1)
        #expect(poller.busStats.disconnects == 1)
        #expect(poller.stats(ofDevice: 0).lastOutageNanoseconds != nil)
    }

    @Test func reopensATCPLinkThatOnlyTimesOut() {
        let clock = ManualClock()
        let fake = FakeTransport(clock: clock)
        fake.respond { FakeTransport.timeout($0) }
        let poller = ModbusPoller(
            bus: tcpBus, devices: [device("m", unit: 1, points: [meterPoints[0]], retry: ModbusRetryPolicy(jitter: 0))],
            transport: fake, clock: clock, random: SeededGenerator(state: 1))
        run(poller, clock, until: 10 * second, log: CycleLog())
        let log = fake.log
        #expect(log.prefix(7) == ["connect", "read holding 0 1 unit 1", "flush", "read holding 0 1 unit 1", "flush",
                                  "read holding 0 1 unit 1", "close"])
    }

    @Test func skipsMissedSlotsInsteadOfPollingInABurst() throws {
        let clock = ManualClock()
        let fake = FakeTransport(clock: clock)
        let poller = ModbusPoller(
            bus: rtuBus, devices: [device("m", unit: 1, points: [meterPoints[0]])], transport: fake, clock: clock,
            random: SeededGenerator(state: 1))
        poller.pollNextDue { _ in }
        clock.advance(nanoseconds: 5 * second + second / 2)
        poller.pollNextDue { _ in }
        #expect(poller.pollNextDue { _ in } == nil)
        #expect(poller.stats(ofDevice: 0).overruns == 4)
        #expect(poller.nextDue == 6 * second)
    }

    @Test func givesANonFiniteFloatTheInvalidQuality() throws {
        let clock = ManualClock()
        let fake = FakeTransport(clock: clock)
        fake.set(unit: 1, .holding, 0, [0x7FC0, 0x0000])
        let point = ModbusPoint(name: "f", space: .holding, address: 0, type: .float32)
        let poller = ModbusPoller(
            bus: rtuBus, devices: [device("m", unit: 1, points: [point])], transport: fake, clock: clock,
            random: SeededGenerator(state: 1))
        let log = CycleLog()
        poller.pollNextDue(sink: log.sink)
        #expect(log.last?.samples.first?.quality == .invalid)
        #expect(poller.state(ofDevice: 0) == .ok)
    }

    @Test func keepsTheInterRequestDelayOnASerialLine() {
        let clock = ManualClock()
        let fake = FakeTransport(clock: clock)
        let slowLine = ModbusBusConfig(
            id: "slow",
            transport: .rtu(ModbusRTUSettings(device: "/dev/null-rtu", baud: 9600, parity: .even,
                                              interRequestDelay: .milliseconds(40))))
        let pauses = PauseLog()
        let poller = ModbusPoller(
            bus: slowLine, devices: [device("meter", unit: 1, points: meterPoints)], transport: fake, clock: clock,
            random: SeededGenerator(state: 1), pause: { duration in
                pauses.durations.append(duration)
                clock.advance(nanoseconds: Int64(duration.components.attoseconds / 1_000_000_000))
            })
        poller.pollNextDue { _ in }
        // Four requests: silence before each but the first; the line was idle before that.
        #expect(pauses.durations == [.milliseconds(40), .milliseconds(40), .milliseconds(40)])
        clock.advance(nanoseconds: second)
        poller.pollNextDue { _ in }
        #expect(pauses.durations.count == 6, "after a long idle gap the first request goes at once")
    }

    @Test func neverSchedulesADeviceWithoutPoints() {
        let poller = ModbusPoller(
            bus: rtuBus, devices: [device("empty", unit: 1, points: [])], transport: FakeTransport(),
            clock: ManualClock(), random: SeededGenerator(state: 1))
        #expect(poller.nextDue == nil)
        #expect(poller.pollNextDue { _ in } == nil)
    }
}
