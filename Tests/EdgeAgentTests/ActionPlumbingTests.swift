@testable import EdgeAgent
import EdgeConfig
import EdgeCore
import EdgeFlux
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

struct HarvestSpoolTests {
    @Test func appendsDurablyWithIncreasingSpoolIds() throws {
        let dir = "/tmp/edgeflow-harvest-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let spool = try HarvestSpool(directory: dir)
        let context: JSONValue = ["resource": ["resourceId": "boiler"]]
        let first = spool.append(payload: ["t": 1], context: context, config: ["category": "x"], wallNanoseconds: 5_000_000)
        let second = spool.append(payload: ["t": 2], context: context, config: [:], wallNanoseconds: 6_000_000)
        #expect(first == .success(["queued": true, "spoolId": 1]))
        #expect(second == .success(["queued": true, "spoolId": 2]))
        let lines = try Files.readText("\(dir)/harvest.jsonl").split(separator: "\n")
        #expect(lines == [
            #"{"spoolId":1,"ts":5,"category":"x","source":"boiler","payload":{"t":1}}"#,
            #"{"spoolId":2,"ts":6,"source":"boiler","payload":{"t":2}}"#,
        ])
    }

    @Test func aFailedWriteIsAnActionFailureNotACrash() throws {
        // /dev/full accepts the open and refuses every write with ENOSPC: a full SD card.
        let spool = try HarvestSpool(directory: "/dev", name: "full")
        let result = spool.append(payload: ["t": 1], context: .null, config: [:], wallNanoseconds: 0)
        guard case .failure(let failure) = result else {
            Issue.record("expected a failure")
            return
        }
        #expect(failure.kind == "io")
        #expect(failure.message.contains("No space left on device"))
    }

    @Test func configMistakesAreNamed() {
        #expect(HarvestSpool.validate(["format": "xml", "categroy": "a"]).map(\.path) == ["categroy", "format"])
        #expect(HarvestSpool.validate(["format": "json", "category": "door"]).isEmpty)
    }
}

struct BlockingWorkersTests {
    @Test func aFullQueueRefusesInsteadOfBlockingAndQueuedJobsStillRun() throws {
        let workers = try BlockingWorkers(count: 1, limit: 1)
        let gate = WakeSignal()
        let done = Atomic<Int>(0)
        // The first job holds the only worker until the gate opens (bounded: 5 s).
        #expect(workers.submit { gate.wait(timeoutNanoseconds: 5_000_000_000); done.add(1, ordering: .relaxed) })
        // Give the worker a moment to take it, then fill the one queue slot.
        var queued = false
        for _ in 0..<200 where !queued {
            queued = workers.submit { done.add(1, ordering: .relaxed) }
            if !queued { threadSleep(nanoseconds: 5_000_000) }
        }
        #expect(queued)
        #expect(!workers.submit { done.add(1, ordering: .relaxed) }, "a full queue must refuse")
        gate.signal()
        workers.stop()
        #expect(done.load(ordering: .relaxed) == 2)
    }
}

/// `gpio-write` / `modbus-write` through the handler: results, refusals and bad values all
/// come back as action outcomes.
struct OutputWriteHandlerTests {
    let alarm = OutputConfig(
        id: "alarm", target: .gpio(line: "GPIO27", chipLabel: "sim", offset: 27, activeLow: false), safeValue: 0,
        minimum: 0, maximum: 1, minHoldNanoseconds: 0)
    let setpoint = OutputConfig(
        id: "sp", target: .modbus(device: "plc", point: "speed"), safeValue: 0, minimum: 0, maximum: 100, maxStep: 10,
        minHoldNanoseconds: 0)

    func run(_ handler: OutputWriteHandler, _ config: JSONValue) -> ActionResult? {
        let outcome = Mutex<ActionResult?>(nil)
        let invocation = ActionInvocation(
            appId: "a", actionId: "w", type: "gpio-write", config: config, payload: .null, context: .null,
            event: FlowEvent(payload: .null, context: .null))
        handler.start(invocation) { result in outcome.withLock { $0 = result } }
        return outcome.withLock { $0 }
    }

    @Test func writesReportTheLineOrRegisterAndRefusalsAreFailures() {
        let controller = OutputController(outputs: [alarm, setpoint], clock: ManualClock()) { _, _ in }
        let gpio = OutputWriteHandler(outputs: [alarm, setpoint], controller: controller, modbus: false)
        let modbus = OutputWriteHandler(outputs: [alarm, setpoint], controller: controller, modbus: true)
        #expect(run(gpio, ["output": "alarm", "value": "1"]) == .success(["line": "GPIO27", "value": 1, "output": "alarm"]))
        #expect(run(modbus, ["output": "sp", "value": 10]) == .success(["device": "plc", "register": "speed", "value": 10, "output": "sp"]))
        guard case .failure(let step)? = run(modbus, ["output": "sp", "value": 50]) else {
            Issue.record("a step of 40 must be refused")
            return
        }
        #expect(step.kind == "envelope")
        #expect(step.message.hasPrefix("step:"))
        guard case .failure(let notNumber)? = run(gpio, ["output": "alarm", "value": "on"]) else {
            Issue.record("a non-numeric value must fail")
            return
        }
        #expect(notNumber.message.contains("is not a number"))
        #expect(controller.values == ["alarm": 1, "sp": 10])
    }

    @Test func checkModeValidatesAgainstTheConfiguredOutputsOnly() {
        let gpio = OutputWriteHandler(outputs: [alarm, setpoint], controller: nil, modbus: false)
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
