import EdgeConfig
import EdgeCore
import EdgePipeline
import EdgeTestSupport
import Logging
import Synchronization
import Testing

/// A fake device behind an output: it holds a value, goes down and up, and can be changed
/// behind the controller's back (a reset, a technician). `clamp` makes it keep at most that
/// value whatever it is sent, like a device that limits a set point of its own.
final class FakeDevice: LoggingDriver {
    let log = DriveLog()
    let up: Atomic<Bool>
    private let held = Mutex<Double>(.nan)
    let mode: OutputReadBack
    let clamp: Double?

    init(up: Bool = true, mode: OutputReadBack = .polled, clamp: Double? = nil) {
        self.up = Atomic(up)
        self.mode = mode
        self.clamp = clamp
    }

    /// What the device holds now.
    var value: Double {
        get { held.withLock { $0 } }
        set { held.withLock { $0 = newValue } }
    }

    func drive(
        _ output: OutputConfig, value: Double, completion: @escaping @Sendable (Result<Void, OutputDriveError>) -> Void
    ) {
        log.record(output, value)
        guard up.load(ordering: .acquiring) else { return completion(.failure(OutputDriveError("connection refused"))) }
        held.withLock { $0 = clamp.map { min($0, value) } ?? value }
        completion(.success(()))
    }

    func readBackMode(for output: OutputConfig) -> OutputReadBack { mode }

    func readBack(_ output: OutputConfig, completion: @escaping @Sendable (Result<Double, OutputDriveError>) -> Void) {
        guard up.load(ordering: .acquiring) else { return completion(.failure(OutputDriveError("connection refused"))) }
        completion(.success(value))
    }
}

/// Keeps `level message output` of every log line, to count transitions.
final class LogLines: LogHandler, @unchecked Sendable {
    // @unchecked: `metadata` and `logLevel` are set only while the logger is built.
    private let lines = Mutex<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        let output = event.metadata?["output"].map { "\($0)" } ?? ""
        lines.withLock { $0.append("\(event.level) \(event.message) \(output)") }
    }
    /// The lines whose message is `message`.
    func count(_ message: String) -> Int { lines.withLock { $0.filter { $0.contains(" \(message) ") }.count } }
}

/// The output lifecycle (docs/safety.md, "Output lifecycle"): pending until the safe value is
/// confirmed, unknown after a failed write, confirmed again when the device answers; read-back
/// disagreements logged once per episode and handled by the output's policy.
struct OutputLifecycleTests {
    var setpoint: OutputConfig { setpoint() }

    /// A Modbus set point 10...60, safe at 20, moving at most 10 per write, with these policies.
    func setpoint(onRecover: OutputConfig.Recovery = .safe, onMismatch: OutputConfig.MismatchPolicy = .redrive)
        -> OutputConfig
    {
        var output = OutputConfig(
            id: "sp", target: .modbus(device: "plc", point: "sp"), safeValue: 20, minimum: 10, maximum: 60, maxStep: 10,
            minHoldNanoseconds: 0)
        output.onRecover = onRecover
        output.onMismatch = onMismatch
        return output
    }

    /// A controller over one output on `device`, with a log that keeps its lines; `started`
    /// drives the safe value first, as the agent's start does.
    func make(_ output: OutputConfig, _ device: FakeDevice, started: Bool = true) -> (
        OutputController, ManualClock, LogLines
    ) {
        let clock = ManualClock()
        let lines = LogLines()
        let controller = OutputController(
            outputs: [output], drivers: [output.id: device], clock: clock,
            logger: Logger(label: "lifecycle-test", factory: { _ in lines }))
        if started { controller.driveAllSafe() }
        return (controller, clock, lines)
    }

    func write(_ c: OutputController, _ id: String, _ value: Double) throws(OutputController.Refusal) -> WriteResult? {
        let slot = Slot<WriteResult>()
        try c.write(id: id, value: value) { slot.set($0) }
        return slot.current
    }

    /// The refusal of writing `value`, or nil when the write was admitted.
    func refusal(_ c: OutputController, _ id: String, _ value: Double) -> OutputController.Refusal? {
        do {
            _ = try write(c, id, value)
            return nil
        } catch {
            return error
        }
    }

    func status(_ c: OutputController, _ id: String = "sp") -> OutputStatus? { c.statuses().first { $0.id == id } }

    @Test func aStartUpWriteThatFailsStaysPendingRefusesOtherValuesAndIsConfirmedWhenTheDeviceAnswers() throws {
        let device = FakeDevice(up: false)
        let (c, _, lines) = make(setpoint, device, started: false)
        #expect(c.driveAllSafe(timeoutNanoseconds: 1_000_000_000) == ["sp": "connection refused"])
        #expect(status(c)?.state == .pending)
        #expect(status(c)?.value == nil)
        let refused = try #require(refusal(c, "sp", 25), "a pending output must refuse anything but its safe value")
        #expect(refused.rule == "unconfirmed")
        #expect(
            refused.message.contains("has not confirmed its safe value 20 yet (connection refused)"),
            "\(refused.message)")
        device.up.store(true, ordering: .releasing)
        c.observe(id: "sp", reading: 0)  // the device answers a poll: its register still reads 0
        #expect(device.value == 20, "the safe value was re-driven")
        #expect(status(c)?.state == .confirmed)
        #expect(status(c)?.value == 20)
        #expect(try write(c, "sp", 25) == .success(25))
        #expect(device.log.all == ["sp=20", "sp=20", "sp=25"])
        #expect(lines.count("output confirmed") == 1, "pending → confirmed, then nothing more for the write of 25")
    }

    @Test func aFailedWriteMakesTheOutputUnknownOnceAndTheDeviceAnsweringReDrivesItsSafeValue() throws {
        let device = FakeDevice()
        let (c, _, lines) = make(setpoint, device)
        #expect(try write(c, "sp", 28) == .success(28))
        device.up.store(false, ordering: .releasing)
        #expect(try write(c, "sp", 30) == .failure(OutputDriveError("connection refused")))
        #expect(status(c)?.state == .unknown)
        #expect(status(c)?.value == nil, "nothing is confirmed after a failed write")
        #expect(status(c)?.commanded == 30)
        // More failures (the safe value is always allowed) are no new transition.
        #expect(try write(c, "sp", 20) == .failure(OutputDriveError("connection refused")))
        #expect(try write(c, "sp", 20) == .failure(OutputDriveError("connection refused")))
        #expect(lines.count("output unknown") == 1)
        #expect(status(c)?.failures == 3)
        device.up.store(true, ordering: .releasing)
        c.observe(id: "sp", reading: 28)
        #expect(device.value == 20, "on_recover: safe re-drives the safe value")
        #expect(status(c)?.state == .confirmed)
        #expect(status(c)?.value == 20)
        #expect(status(c)?.commanded == 20)
        #expect(status(c)?.lastError == "connection refused", "the last error stays visible after recovery")
        #expect(lines.count("output confirmed") == 2)
    }

    /// A device that answers polls but refuses the write (an exception on the register) is
    /// retried at every answer, and logged once, not once per poll.
    @Test func recoveryTriedAtEveryAnswerIsLoggedOnce() throws {
        let device = FakeDevice(up: false)
        let (c, _, lines) = make(setpoint, device)
        for _ in 0..<3 { c.observe(id: "sp", reading: 0) }
        #expect(device.log.all == ["sp=20", "sp=20", "sp=20", "sp=20"], "the start-up write and three recoveries")
        #expect(lines.count("output's device answers again; re-driving it") == 1)
        #expect(lines.count("output still pending") == 1, "one line for the error, not one per attempt")
        #expect(status(c)?.failures == 4)
        device.up.store(true, ordering: .releasing)
        c.observe(id: "sp", reading: 0)
        #expect(status(c)?.state == .confirmed)
    }

    @Test func onRecoverLastReDrivesTheLastCommandedValue() throws {
        let device = FakeDevice()
        let (c, _, _) = make(setpoint(onRecover: .last), device)
        device.up.store(false, ordering: .releasing)
        #expect(try write(c, "sp", 30) == .failure(OutputDriveError("connection refused")))
        device.up.store(true, ordering: .releasing)
        c.observe(id: "sp", reading: 0)
        #expect(device.value == 30)
        #expect(status(c)?.state == .confirmed)
        #expect(status(c)?.value == 30)
        #expect(device.log.all == ["sp=20", "sp=30", "sp=30"])
    }

    @Test func aDeviceResetIsAMismatchLoggedOnceCountedAndReDriven() throws {
        let device = FakeDevice()
        let (c, _, lines) = make(setpoint, device)
        #expect(try write(c, "sp", 30) == .success(30))
        c.observe(id: "sp", reading: 30)
        #expect(status(c)?.mismatch == false)
        device.value = 0  // the device reset behind the agent's back
        c.observe(id: "sp", reading: 0)
        #expect(device.value == 30, "re-driven to the commanded value")
        #expect(status(c)?.mismatches == 1)
        #expect(status(c)?.mismatch == true, "until a reading agrees")
        c.observe(id: "sp", reading: 30)  // the next poll
        #expect(status(c)?.mismatch == false)
        #expect(lines.count("output disagrees with its device") == 1)
        #expect(lines.count("output agrees with its device again") == 1)
        device.value = 0  // a second reset: a second episode
        c.observe(id: "sp", reading: 0)
        #expect(status(c)?.mismatches == 2)
        #expect(device.log.all == ["sp=20", "sp=30", "sp=30", "sp=30"])
    }

    @Test func withOnMismatchReportTheDisagreementIsShownNotReDrivenUntilAFlowWritesAgain() throws {
        let device = FakeDevice()
        let (c, _, lines) = make(setpoint(onMismatch: .report), device)
        #expect(try write(c, "sp", 30) == .success(30))
        device.value = 35  // a technician at the HMI
        for _ in 0..<3 { c.observe(id: "sp", reading: 35) }
        #expect(device.value == 35, "report never writes by itself")
        #expect(status(c)?.mismatch == true)
        #expect(status(c)?.mismatches == 1)
        #expect(status(c)?.value == 35, "the value is what the device holds")
        #expect(status(c)?.commanded == 30)
        #expect(lines.count("output disagrees with its device") == 1, "logged once per episode")
        // The flow asking for 30 again is not "no change": the device holds 35.
        #expect(try write(c, "sp", 30) == .success(30))
        #expect(device.value == 30)
        c.observe(id: "sp", reading: 30)
        #expect(status(c)?.mismatch == false)
        #expect(status(c)?.mismatches == 1)
    }

    @Test func reDrivingStopsAfterThreeAttemptsOnADeviceThatKeepsItsOwnValue() throws {
        let device = FakeDevice(clamp: 25)
        let (c, _, lines) = make(setpoint, device)
        _ = try write(c, "sp", 30)
        for _ in 0..<6 { c.observe(id: "sp", reading: device.value) }
        #expect(device.log.all.filter { $0 == "sp=30" }.count == 1 + 3)
        #expect(lines.count("output disagrees with its device") == 1)
        #expect(lines.count("output still disagrees after re-driving it; leaving it") == 1)
        #expect(status(c)?.mismatch == true)
    }

    @Test func readingsTakenWhileAWriteIsInFlightAreIgnored() throws {
        let held = HeldDriver(holding: false)
        let c = OutputController(outputs: [setpoint], drivers: ["sp": held], clock: ManualClock(), logger: quietLogger)
        c.driveAllSafe()
        held.holding.store(true, ordering: .releasing)
        let slot = Slot<WriteResult>()
        try c.write(id: "sp", value: 25) { slot.set($0) }
        c.observe(id: "sp", reading: 20)  // a poll that started before the write
        #expect(status(c)?.mismatch == false)
        #expect(status(c)?.value == 20, "status reports the confirmed value, not the accepted one")
        #expect(status(c)?.commanded == 25)
        held.release(.success(()))
        #expect(slot.current == .success(25))
        #expect(status(c)?.value == 25)
        #expect(held.log.all == ["sp=20", "sp=25"])
    }

    @Test func aGPIOLineThatReadsBackAnotherLevelIsAMismatchFoundByThePeriodicReadBack() throws {
        let relay = OutputConfig(
            id: "relay", target: .gpio(line: "GPIO27", chipLabel: "sim", offset: 27, activeLow: false), safeValue: 0,
            minimum: 0, maximum: 1, minHoldNanoseconds: 0)
        let line = FakeDevice(mode: .onDemand)
        let (c, clock, lines) = make(relay, line)
        #expect(try write(c, "relay", 1) == .success(1))
        let first = try #require(c.tick(), "a read-back is scheduled")
        #expect(first == clock.monotonicNanoseconds() + relay.readBackIntervalNanoseconds)
        line.value = 0  // another program pulled the line low
        clock.advance(nanoseconds: relay.readBackIntervalNanoseconds)
        c.tick()
        #expect(lines.count("output disagrees with its device") == 1)
        #expect(line.value == 1, "re-driven to the commanded level")
        #expect(status(c, "relay")?.mismatches == 1)
        #expect(status(c, "relay")?.readBack == .onDemand)
    }

    @Test func refusalsSayWhenTheWriteCanHappenInHumanUnits() throws {
        let alarm = OutputConfig(
            id: "alarm", target: .gpio(line: "GPIO27", chipLabel: "sim", offset: 27, activeLow: false), safeValue: 0,
            minimum: 0, maximum: 1, minHoldNanoseconds: 2_000_000_000)
        let (c, clock, _) = make(alarm, FakeDevice(mode: .none))
        clock.advance(nanoseconds: 2_000_000_000)
        _ = try write(c, "alarm", 1)
        clock.advance(nanoseconds: 2_000_000_000)
        _ = try write(c, "alarm", 0)  // back to safe: always allowed, and a change
        clock.advance(nanoseconds: 1_200_000_000)
        let early = refusal(c, "alarm", 1)
        #expect(early?.rule == "min-hold")
        #expect(
            early?.message
                == "'alarm' changed 1.2 s ago and holds each value at least 2 s; next change allowed in 800 ms")
        clock.advance(nanoseconds: 226_521_522)
        #expect(
            refusal(c, "alarm", 1)?.message
                == "'alarm' changed 1.4 s ago and holds each value at least 2 s; next change allowed in 573 ms")
    }

    @Test func aReloadHandsTheLifecycleOverInsteadOfResettingIt() throws {
        let device = FakeDevice()
        let (old, _, _) = make(setpoint, device)
        device.up.store(false, ordering: .releasing)
        _ = try write(old, "sp", 25)
        let (new, _, _) = make(setpoint, device)
        new.adopt(old.handOver())
        #expect(status(new)?.state == .unknown)
        #expect(status(new)?.failures == 1)
        #expect(status(new)?.lastError == "connection refused")
        #expect(status(new)?.commanded == 25)
        device.up.store(true, ordering: .releasing)
        new.observe(id: "sp", reading: 0)
        #expect(status(new)?.state == .confirmed)
        #expect(device.value == 20)
    }
}
