@testable import EdgeAgent
import EdgeCore
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
