import EdgeTestSupport
import EdgeConfig
import EdgeCore
import EdgePipeline
import Synchronization
import Testing

/// An ordered log of `id=value` lines, written from any thread.
final class DriveLog: Sendable {
    private let entries = Mutex<[String]>([])
    func record(_ o: OutputConfig, _ v: Double) { entries.withLock { $0.append("\(o.id)=\(JSONValue.formatNumber(v))") } }
    var all: [String] { entries.withLock { $0 } }
    func clear() { entries.withLock { $0 = [] } }
}

/// A test driver that logs what it drives.
protocol LoggingDriver: OutputDriver {
    var log: DriveLog { get }
}

/// A driver that puts every value on its output at once and confirms it.
final class RecordingDriver: LoggingDriver {
    let log = DriveLog()
    func drive(_ output: OutputConfig, value: Double, completion: @escaping @Sendable (Result<Void, OutputDriveError>) -> Void) {
        log.record(output, value)
        completion(.success(()))
    }
}

/// A driver whose device refuses (`message`) until `healthy` is set; logs every attempt.
final class FailingDriver: LoggingDriver {
    let log = DriveLog()
    let message: String
    let healthy: Atomic<Bool>
    init(_ message: String, healthy: Bool = false) {
        self.message = message
        self.healthy = Atomic(healthy)
    }
    func drive(_ output: OutputConfig, value: Double, completion: @escaping @Sendable (Result<Void, OutputDriveError>) -> Void) {
        log.record(output, value)
        completion(healthy.load(ordering: .acquiring) ? .success(()) : .failure(OutputDriveError(message)))
    }
}

/// A driver that takes the value and answers only when the test says so (a hung bus), once
/// `holding` is set; before, it confirms at once.
final class HeldDriver: LoggingDriver {
    typealias Completion = @Sendable (Result<Void, OutputDriveError>) -> Void
    let log = DriveLog()
    let holding: Atomic<Bool>
    private let held = Mutex<[Completion]>([])
    init(holding: Bool = true) { self.holding = Atomic(holding) }
    func drive(_ output: OutputConfig, value: Double, completion: @escaping Completion) {
        log.record(output, value)
        guard holding.load(ordering: .acquiring) else { return completion(.success(())) }
        held.withLock { $0.append(completion) }
    }
    var pending: Int { held.withLock { $0.count } }
    /// Completes every held write with `result`.
    func release(_ result: Result<Void, OutputDriveError>) {
        let all = held.withLock { h -> [Completion] in
            let copy = h
            h = []
            return copy
        }
        for completion in all { completion(result) }
    }
}

/// A driver that confirms on a thread of its own, as a bus owner does.
final class ThreadedDriver: LoggingDriver {
    let log = DriveLog()
    private let threads = Mutex<[OwnerThread]>([])
    func drive(_ output: OutputConfig, value: Double, completion: @escaping @Sendable (Result<Void, OutputDriveError>) -> Void) {
        let log = log
        do {
            let t = try OwnerThread(name: "fake-bus") {
                log.record(output, value)
                completion(.success(()))
            }
            threads.withLock { $0.append(t) }
        } catch {
            completion(.failure(OutputDriveError("\(error)")))
        }
    }
    func joinAll() {
        let all = threads.withLock { t -> [OwnerThread] in
            let copy = t
            t = []
            return copy
        }
        for t in all { t.join() }
    }
}

typealias WriteResult = Result<Double, OutputDriveError>

struct OutputControllerTests {
    let alarm = OutputConfig(
        id: "alarm", target: .gpio(line: "GPIO27", chipLabel: "sim", offset: 27, activeLow: false), safeValue: 0,
        minimum: 0, maximum: 1, minHoldNanoseconds: 2_000_000_000)
    let setpoint = OutputConfig(
        id: "setpoint", target: .modbus(device: "plc", point: "sp"), safeValue: 20, minimum: 10, maximum: 60, maxStep: 5,
        minHoldNanoseconds: 0)

    /// A controller over `alarm` and `setpoint`, both driven by one recording driver unless given.
    /// `started` drives the safe values as the agent's start does, lets the alarm's min_hold pass
    /// and clears the logs, so a test begins with both outputs confirmed at their safe values.
    func make(drivers: [String: any LoggingDriver]? = nil, started: Bool = true)
        -> (OutputController, ManualClock, RecordingDriver, DriveLog)
    {
        let clock = ManualClock()
        let driver = RecordingDriver()
        let confirmed = DriveLog()
        let all: [String: any LoggingDriver] = drivers ?? ["alarm": driver, "setpoint": driver]
        let controller = OutputController(
            outputs: [alarm, setpoint], drivers: all, clock: clock, logger: quietLogger
        ) { confirmed.record($0, $1) }
        if started {
            #expect(controller.driveAllSafe(timeoutNanoseconds: 5_000_000_000) == [:])
            clock.advance(nanoseconds: alarm.minHoldNanoseconds)
            for d in all.values { d.log.clear() }
            driver.log.clear()
            confirmed.clear()
        }
        return (controller, clock, driver, confirmed)
    }

    /// Writes and returns the completion if it came before `write` returned (drivers that answer at once).
    @discardableResult
    func write(_ c: OutputController, _ id: String, _ value: Double, hold: Int64 = 0) throws(OutputController.Refusal)
        -> WriteResult?
    {
        let slot = Slot<WriteResult>()
        try c.write(id: id, value: value, holdNanoseconds: hold) { slot.set($0) }
        return slot.current
    }

    @Test func startAndShutdownDriveTheSafeValue() {
        let (c, _, driver, confirmed) = make(started: false)
        #expect(c.driveAllSafe(timeoutNanoseconds: 5_000_000_000) == [:])
        #expect(driver.log.all == ["alarm=0", "setpoint=20"])
        #expect(confirmed.all == ["alarm=0", "setpoint=20"])
        #expect(c.values == ["alarm": 0, "setpoint": 20])
    }

    @Test func aWriteCompletesWithTheValueTheDriverConfirmed() throws {
        let (c, _, driver, confirmed) = make()
        #expect(try write(c, "setpoint", 25) == .success(25))
        #expect(try write(c, "alarm", 1) == .success(1))
        #expect(driver.log.all == ["setpoint=25", "alarm=1"])
        #expect(confirmed.all == ["setpoint=25", "alarm=1"])
        #expect(c.failures == ["alarm": 0, "setpoint": 0])
    }

    @Test func valuesOutsideTheEnvelopeAreRefusedAndCounted() {
        let (c, _, driver, _) = make()
        #expect(throws: OutputController.Refusal.self) { try write(c, "alarm", 5) }
        #expect(throws: OutputController.Refusal.self) { try write(c, "alarm", 0.5) }  // a line is 0 or 1
        #expect(throws: OutputController.Refusal.self) { try write(c, "setpoint", .nan) }
        #expect(throws: OutputController.Refusal.self) { try write(c, "setpoint", 9) }
        do {
            try write(c, "nope", 1)
            Issue.record("an unknown output must be refused")
        } catch {
            #expect(error.rule == "unknown-output")
        }
        #expect(driver.log.all.isEmpty)
        #expect(c.refusals == ["alarm": 2, "setpoint": 2])
        #expect(c.values == ["alarm": 0, "setpoint": 20])
    }

    @Test func aRefusalNeverCallsTheCompletion() {
        let (c, _, _, _) = make()
        let called = Atomic<Int>(0)
        #expect(throws: OutputController.Refusal.self) {
            try c.write(id: "alarm", value: 7) { _ in called.add(1, ordering: .relaxed) }
        }
        #expect(called.load(ordering: .relaxed) == 0)
    }

    @Test func aRegisterMovesAtMostMaxStepPerWriteButMayAlwaysReturnToSafe() throws {
        let (c, _, driver, _) = make()
        try write(c, "setpoint", 25)
        do {
            try write(c, "setpoint", 40)
            Issue.record("a step of 15 must be refused")
        } catch {
            #expect(error.rule == "step")
        }
        try write(c, "setpoint", 30)
        try write(c, "setpoint", 20)  // 10 away, but the safe value
        #expect(throws: OutputController.Refusal.self) { try write(c, "setpoint", 61) }
        #expect(driver.log.all == ["setpoint=25", "setpoint=30", "setpoint=20"])
    }

    @Test func minimumHoldRefusesChatterButNotTheSafeValue() throws {
        let (c, clock, driver, _) = make()
        try write(c, "alarm", 1)
        try write(c, "alarm", 0)  // back to safe: always allowed
        do {
            try write(c, "alarm", 1)
            Issue.record("a change within min_hold must be refused")
        } catch {
            #expect(error.rule == "min-hold")
        }
        clock.advance(nanoseconds: 1_999_999_999)
        #expect(throws: OutputController.Refusal.self) { try write(c, "alarm", 1) }
        clock.advance(nanoseconds: 1)
        try write(c, "alarm", 1)
        #expect(driver.log.all == ["alarm=1", "alarm=0", "alarm=1"])
        #expect(c.refusals["alarm"] == 2)
    }

    @Test func heldValuesReturnToSafeWhenTheHoldExpiresAndRetriggerExtendsIt() throws {
        let (c, clock, driver, _) = make()
        try write(c, "alarm", 1, hold: 5_000_000_000)
        clock.advance(nanoseconds: 4_000_000_000)
        // Same value: nothing is driven again, the completion still reports the value.
        #expect(try write(c, "alarm", 1, hold: 5_000_000_000) == .success(1))
        clock.advance(nanoseconds: 4_000_000_000)
        #expect(c.tick() == clock.monotonicNanoseconds() + 1_000_000_000)
        #expect(c.values["alarm"] == 1)
        clock.advance(nanoseconds: 1_000_000_000)
        #expect(c.tick() == nil)
        #expect(c.values["alarm"] == 0)
        #expect(driver.log.all == ["alarm=1", "alarm=0"])
    }

    @Test func aDriverFailureReachesTheWriteAndIsCounted() throws {
        let failing = FailingDriver("bus rs485: timeout", healthy: true)
        let recording = RecordingDriver()
        let (c, _, _, confirmed) = make(drivers: ["setpoint": failing, "alarm": recording])
        failing.healthy.store(false, ordering: .releasing)
        #expect(try write(c, "setpoint", 25) == .failure(OutputDriveError("bus rs485: timeout")))
        #expect(c.failures == ["setpoint": 1, "alarm": 0])
        #expect(try write(c, "alarm", 1) == .success(1))
        #expect(c.failures == ["setpoint": 1, "alarm": 0])
        // onDriven reports confirmed values only.
        #expect(confirmed.all == ["alarm=1"])
        #expect(failing.log.all == ["setpoint=25"])
    }

    /// The driver doc: "nothing reports success for a write that did not happen". After a failed
    /// write, writing the same value again must go to the driver, not be taken as already there.
    @Test func aRetryAfterADriverFailureDrivesAgain() throws {
        let failing = FailingDriver("gpio chip: EBUSY", healthy: true)
        let (c, clock, _, _) = make(drivers: ["alarm": failing, "setpoint": RecordingDriver()])
        failing.healthy.store(false, ordering: .releasing)
        #expect(try write(c, "alarm", 1) == .failure(OutputDriveError("gpio chip: EBUSY")))
        failing.healthy.store(true, ordering: .releasing)
        clock.advance(nanoseconds: 2_000_000_000)  // the alarm's min_hold
        let retry = try write(c, "alarm", 1)
        #expect(failing.log.all == ["alarm=1", "alarm=1"], "the retry was not driven")
        #expect(retry == .success(1))
        #expect(c.values["alarm"] == 1)
    }

    /// After a failed write the register's value is unknown, so a step from it cannot be
    /// checked: only the safe value may be written, and steps count from there again.
    @Test func afterADriverFailureASteppedOutputTakesOnlyItsSafeValue() throws {
        let failing = FailingDriver("bus rs485: timeout", healthy: true)
        let (c, _, _, _) = make(drivers: ["setpoint": failing, "alarm": RecordingDriver()])
        failing.healthy.store(false, ordering: .releasing)
        #expect(try write(c, "setpoint", 25) == .failure(OutputDriveError("bus rs485: timeout")))
        failing.healthy.store(true, ordering: .releasing)
        do {
            try write(c, "setpoint", 25)
            Issue.record("a step from an unknown value must be refused")
        } catch {
            #expect(error.rule == "unconfirmed")
            #expect(error.message.contains("'setpoint' is unknown since a write failed"), "\(error.message)")
        }
        #expect(try write(c, "setpoint", 20) == .success(20))
        #expect(try write(c, "setpoint", 25) == .success(25))
        #expect(failing.log.all == ["setpoint=25", "setpoint=20", "setpoint=25"])
        #expect(c.refusals["setpoint"] == 1)
    }

    @Test func anOutputWithoutADriverFailsItsWrites() throws {
        let (c, _, _, _) = make(drivers: ["alarm": RecordingDriver()], started: false)
        #expect(c.driveAllSafe()["setpoint"]?.contains("no driver for output 'setpoint'") == true)
        guard case .failure(let error)? = try write(c, "setpoint", 20) else {
            Issue.record("a write without a driver must fail")
            return
        }
        #expect(error.message.contains("no driver for output 'setpoint'"))
        #expect(c.failures["setpoint"] == 2)
        #expect(c.lifecycleStates["setpoint"] == .pending)
    }

    @Test func aWriteCompletesOnlyWhenTheDriverAnswers() throws {
        let held = HeldDriver(holding: false)
        let (c, _, _, confirmed) = make(drivers: ["setpoint": held, "alarm": RecordingDriver()])
        held.holding.store(true, ordering: .releasing)
        let slot = Slot<WriteResult>()
        try c.write(id: "setpoint", value: 24) { slot.set($0) }
        #expect(held.log.all == ["setpoint=24"])
        #expect(slot.current == nil, "completed before the driver answered")
        #expect(confirmed.all.isEmpty)
        held.release(.failure(OutputDriveError("device exception 4")))
        #expect(slot.current == .failure(OutputDriveError("device exception 4")))
        #expect(c.failures["setpoint"] == 1)
    }

    @Test func driveAllSafeWaitsForDriversThatConfirmOnTheirOwnThread() {
        let threaded = ThreadedDriver()
        let (c, _, _, confirmed) = make(drivers: ["setpoint": threaded, "alarm": threaded], started: false)
        #expect(c.driveAllSafe(timeoutNanoseconds: 10_000_000_000) == [:])
        // Returned after both confirmations, so both were logged before it returned.
        #expect(Set(threaded.log.all) == ["alarm=0", "setpoint=20"])
        #expect(Set(confirmed.all) == ["alarm=0", "setpoint=20"])
        threaded.joinAll()
    }

    @Test func driveAllSafeReportsFailedOutputsWithTheDriversMessage() {
        let failing = FailingDriver("bus rs485: no answer")
        let (c, _, _, _) = make(drivers: ["setpoint": failing, "alarm": RecordingDriver()], started: false)
        #expect(c.driveAllSafe(timeoutNanoseconds: 5_000_000_000) == ["setpoint": "bus rs485: no answer"])
        #expect(c.failures == ["setpoint": 1, "alarm": 0])
    }

    @Test func driveAllSafeReturnsWithinItsDeadlineWhenADriverNeverAnswers() {
        let held = HeldDriver()
        let recording = RecordingDriver()
        let (c, _, _, _) = make(drivers: ["setpoint": held, "alarm": recording], started: false)
        let timeout: Int64 = 300_000_000
        let started = SystemClock().monotonicNanoseconds()
        let failed = c.driveAllSafe(timeoutNanoseconds: timeout)
        let elapsed = SystemClock().monotonicNanoseconds() - started
        #expect(elapsed >= timeout, "returned before its deadline with an output unconfirmed")
        #expect(elapsed < 5_000_000_000, "did not return near its deadline (\(elapsed) ns)")
        #expect(Array(failed.keys) == ["setpoint"])
        #expect(failed["setpoint"]?.contains("did not confirm") == true, "\(failed)")
        #expect(held.pending == 1)
        #expect(recording.log.all == ["alarm=0"])
        // A late answer after the call returned is harmless.
        held.release(.success(()))
    }
}
