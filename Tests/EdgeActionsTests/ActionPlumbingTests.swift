@testable import EdgeActions
import EdgeConfig
import EdgeCore
import EdgeFlux
import EdgePipeline
import EdgeTestSupport
import Synchronization
import Testing

func invocation(type: String, config: JSONValue, payload: JSONValue = .null, context: JSONValue = .null) -> ActionInvocation {
    ActionInvocation(
        appId: "a", actionId: "x", type: type, config: config, payload: payload, context: context,
        event: FlowEvent(payload: payload, context: context))
}

/// `harvest` appends to the recorder on a worker thread and succeeds once the record is on disk.
struct HarvestHandlerTests {
    static let context: JSONValue = ["resource": ["resourceId": "boiler", "resourceType": "modbus"]]

    func harvest(_ handler: HarvestHandler, config: JSONValue, payload: JSONValue) -> ActionResult? {
        let slot = Slot<ActionResult>()
        handler.start(invocation(type: "harvest", config: config, payload: payload, context: Self.context)) { slot.set($0) }
        return slot.wait()
    }

    @Test func appendsToTheRecordFileAndTheSpoolIdIsTheRecordsSequenceNumber() throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-harvest")
        let recording = try FileRecording(directory: dir.path, sources: [("boiler", ["temp"])], logger: quietLogger)
        defer { recording.stop() }
        let recorder = recording.recorder
        let clock = ManualClock()  // wall 2026-01-01T00:00:00Z = 1767225600000 ms
        // A frame recorded first takes sequence number 1, so the messages get 2 and 3.
        let values: [Double] = [81.5]
        let qualities: [SampleQuality] = [.good]
        let reported = [true]
        values.withUnsafeBufferPointer { v in
            qualities.withUnsafeBufferPointer { q in
                reported.withUnsafeBufferPointer { r in
                    recorder.record(FrameView(source: 0, timestamp: clock.wallNanoseconds(), values: v, qualities: q, reported: r))
                }
            }
        }
        let workers = try BlockingWorkers(count: 1)
        defer { workers.stop() }
        let handler = HarvestHandler(workers: workers, recorder: recorder, clock: clock)
        let first = harvest(handler, config: ["format": "json", "category": "x"], payload: ["t": 1])
        #expect(first == .success(["queued": true, "spoolId": 2]))
        clock.advance(nanoseconds: 1_500_000_000)
        let second = harvest(handler, config: [:], payload: ["t": 2])
        #expect(second == .success(["queued": true, "spoolId": 3]))
        let lines = try Files.readText(recording.file.path).split(separator: "\n").map(String.init)
        #expect(lines == [
            #"{"seq":1,"kind":"frame","source":"boiler","ts":1767225600000,"points":{"temp":81.5}}"#,
            #"{"seq":2,"kind":"message","source":"boiler","ts":1767225600000,"category":"x","payload":{"t":1}}"#,
            #"{"seq":3,"kind":"message","source":"boiler","ts":1767225601500,"payload":{"t":2}}"#,
        ])
        #expect(recorder.lastSequence == 3)
    }

    @Test func aFailedWriteIsAnIOFailureNotACrash() throws {
        // /dev/full accepts the open and refuses every write with ENOSPC: a full SD card.
        let recording = try FileRecording(directory: "/dev", sources: [], name: "full", logger: quietLogger)
        defer { recording.stop() }
        let recorder = recording.recorder
        let workers = try BlockingWorkers(count: 1)
        defer { workers.stop() }
        let handler = HarvestHandler(workers: workers, recorder: recorder, clock: ManualClock())
        guard case .failure(let failure)? = harvest(handler, config: [:], payload: ["t": 1]) else {
            Issue.record("expected a failure")
            return
        }
        #expect(failure.kind == "io")
        #expect(failure.message.contains("No space left on device"), "\(failure.message)")
        #expect(recorder.lastSequence == 0)
    }

    @Test func withoutARecorderHarvestIsUnavailable() {
        let handler = HarvestHandler(workers: nil, recorder: nil, clock: ManualClock())
        guard case .failure(let failure)? = harvest(handler, config: [:], payload: 1) else {
            Issue.record("expected a failure")
            return
        }
        #expect(failure.kind == "unavailable")
    }

    @Test func configMistakesAreNamed() {
        #expect(HarvestAction.validate(["format": "xml", "categroy": "a"]).map(\.path) == ["categroy", "format"])
        #expect(HarvestAction.validate(["format": "json", "category": "door"]).isEmpty)
        #expect(HarvestAction.validate([:]).isEmpty)
        #expect(HarvestAction.validate(["category": 5]).map(\.path) == ["category"])
        #expect(HarvestAction.validate("json").map(\.message) == ["config must be an object"])
    }

    @Test func columnarIsRefusedWithTheUplinkEncoderAsTheHint() {
        let handler = HarvestHandler(workers: nil, recorder: nil, clock: ManualClock())
        let issues = handler.validate(config: ["format": "columnar"], path: "actions[2].config")
        #expect(issues.map(\.path) == ["actions[2].config.format"])
        #expect(issues.first?.message == "format 'columnar' is not a format of a harvested message")
        #expect(issues.first?.hint?.contains("encoder: columnar-gzip") == true)
    }
}

struct BlockingWorkersTests {
    @Test func aFullQueueRefusesInsteadOfBlockingAndQueuedJobsStillRun() throws {
        let workers = try BlockingWorkers(count: 1, limit: 1)
        let started = WakeSignal()
        let gate = WakeSignal()
        let done = Atomic<Int>(0)
        // The first job holds the only worker until the gate opens (bounded: 5 s).
        #expect(workers.submit {
            started.signal()
            gate.wait(timeoutNanoseconds: 5_000_000_000)
            done.add(1, ordering: .relaxed)
        })
        // Once it runs, it is off the queue: the one queue slot is free.
        #expect(started.wait(timeoutNanoseconds: 5_000_000_000), "the worker never took the first job")
        #expect(workers.submit { done.add(1, ordering: .relaxed) })
        #expect(!workers.submit { done.add(1, ordering: .relaxed) }, "a full queue must refuse")
        gate.signal()
        workers.stop()
        #expect(done.load(ordering: .relaxed) == 2)
    }
}

/// `gpio-write` / `modbus-write` through the handler: the driver's result, the driver's failure
/// (kind `output`) and envelope refusals (kind `envelope`) all come back as action outcomes.
struct OutputWriteHandlerTests {
    let alarm = OutputConfig(
        id: "alarm", target: .gpio(line: "GPIO27", chipLabel: "sim", offset: 27, activeLow: false), safeValue: 0,
        minimum: 0, maximum: 1, minHoldNanoseconds: 0)
    let setpoint = OutputConfig(
        id: "sp", target: .modbus(device: "plc", point: "speed"), safeValue: 0, minimum: 0, maximum: 100, maxStep: 10,
        minHoldNanoseconds: 0)

    /// A controller whose outputs start confirmed at their safe values, as the agent's start
    /// leaves them (an unconfirmed output takes only its safe value).
    func controller(_ drivers: [String: any OutputDriver]) -> OutputController {
        let c = OutputController(
            outputs: [alarm, setpoint], drivers: drivers, clock: ManualClock(), logger: quietLogger)
        c.driveAllSafe(timeoutNanoseconds: 0)
        return c
    }

    func handlers(_ controller: OutputController?) -> (gpio: OutputWriteHandler, modbus: OutputWriteHandler) {
        (OutputWriteHandler(outputs: [alarm, setpoint], controller: controller, modbus: false),
         OutputWriteHandler(outputs: [alarm, setpoint], controller: controller, modbus: true))
    }

    /// Starts the action and returns its outcome if it completed before `start` returned.
    func run(_ handler: OutputWriteHandler, _ config: JSONValue) -> ActionResult? {
        let slot = Slot<ActionResult>()
        handler.start(invocation(type: handler.modbus ? "modbus-write" : "gpio-write", config: config)) { slot.set($0) }
        return slot.current
    }

    @Test func aConfirmedWriteReportsTheLineOrTheRegister() {
        let driver = ScriptedDriver()
        let c = controller(["alarm": driver, "sp": driver])
        let (gpio, modbus) = handlers(c)
        #expect(run(gpio, ["output": "alarm", "value": "1"]) == .success(["line": "GPIO27", "value": 1, "output": "alarm"]))
        #expect(run(gpio, ["output": "alarm", "value": false]) == .success(["line": "GPIO27", "value": 0, "output": "alarm"]))
        #expect(
            run(modbus, ["output": "sp", "value": 10])
                == .success(["device": "plc", "register": "speed", "value": 10, "output": "sp"]))
        #expect(driver.log == ["alarm=0", "sp=0", "alarm=1", "alarm=0", "sp=10"])
        #expect(c.values == ["alarm": 0, "sp": 10])
    }

    @Test func aDriverFailureIsAnOutputFailureWithTheDriversMessage() {
        let failing = ScriptedDriver()
        let c = controller(["alarm": ScriptedDriver(), "sp": failing])
        failing.fail("bus rs485: timeout")
        let (_, modbus) = handlers(c)
        guard case .failure(let failure)? = run(modbus, ["output": "sp", "value": 10]) else {
            Issue.record("a failed driver write must fail the action")
            return
        }
        #expect(failure.kind == "output")
        #expect(failure.message.contains("bus rs485: timeout"), "\(failure.message)")
        #expect(failing.log == ["sp=0", "sp=10"])
        #expect(c.failures["sp"] == 1)
    }

    @Test func theActionCompletesOnlyWhenTheDriverAnswers() {
        let held = HeldDriver()
        let c = controller(["alarm": ScriptedDriver(), "sp": held])
        held.release(.success(()))  // the start-up safe value
        let (_, modbus) = handlers(c)
        let slot = Slot<ActionResult>()
        modbus.start(invocation(type: "modbus-write", config: ["output": "sp", "value": 5])) { slot.set($0) }
        #expect(slot.current == nil, "completed before the device answered")
        #expect(held.pending == 1)
        held.release(.success(()))
        #expect(slot.current == .success(["device": "plc", "register": "speed", "value": 5, "output": "sp"]))
    }

    @Test func refusalsAndBadValuesAreEnvelopeFailures() {
        let driver = ScriptedDriver()
        let c = controller(["alarm": driver, "sp": driver])
        let (gpio, modbus) = handlers(c)
        #expect(run(modbus, ["output": "sp", "value": 10]) == .success(["device": "plc", "register": "speed", "value": 10, "output": "sp"]))
        guard case .failure(let step)? = run(modbus, ["output": "sp", "value": 50]) else {
            Issue.record("a step of 40 must be refused")
            return
        }
        #expect(step.kind == "envelope")
        #expect(step.message.hasPrefix("step:"), "\(step.message)")
        guard case .failure(let range)? = run(gpio, ["output": "alarm", "value": 2]) else {
            Issue.record("2 is outside 0...1")
            return
        }
        #expect(range.kind == "envelope")
        #expect(range.message.hasPrefix("range:"), "\(range.message)")
        guard case .failure(let notNumber)? = run(gpio, ["output": "alarm", "value": "on"]) else {
            Issue.record("a non-numeric value must fail")
            return
        }
        #expect(notNumber.kind == "envelope")
        #expect(notNumber.message.contains("is not a number"))
        guard case .failure(let unknown)? = run(gpio, ["output": "siren", "value": 1]) else {
            Issue.record("an unknown output must fail")
            return
        }
        #expect(unknown.kind == "envelope")
        // Nothing refused reached the driver.
        #expect(driver.log == ["alarm=0", "sp=0", "sp=10"])
        #expect(c.values == ["alarm": 0, "sp": 10])
        #expect(c.refusals == ["alarm": 1, "sp": 1])
    }

    @Test func checkModeValidatesAgainstTheConfiguredOutputsOnly() {
        let (gpio, _) = handlers(nil)
        #expect(gpio.validate(config: ["output": "alarm", "value": 1], path: "c").isEmpty)
        let wrongKind = gpio.validate(config: ["output": "sp", "value": 1], path: "c")
        #expect(wrongKind.map(\.path) == ["c.output"])
        let mistakes = gpio.validate(config: ["outptu": "alarm", "holdSeconds": -1], path: "c")
        #expect(Set(mistakes.map(\.path)) == ["c.outptu", "c.output", "c.value", "c.holdSeconds"])
        guard case .failure(let f)? = run(gpio, ["output": "alarm", "value": 1]) else {
            Issue.record("no controller: the write must fail, not act")
            return
        }
        #expect(f.kind == "unavailable")
    }
}
