public import EdgeCore
import Synchronization

/// A few owner threads for actions that block (HTTP calls, Modbus writes): the flow engine
/// hands them jobs and never waits, so a slow webhook cannot stall acquisition or conditions.
/// The queue is bounded; the engine's per-action queues bound it further.
public final class BlockingWorkers: Sendable {
    private let jobs = Mutex<[@Sendable () -> Void]>([])
    private let wake = WakeSignal()
    private let stopping = Atomic<Bool>(false)
    private let threads = Mutex<[OwnerThread]>([])
    private let limit: Int

    /// Creates `count` worker threads named `name` with room for `limit` queued jobs.
    public init(count: Int, limit: Int = 1024, name: String = "action-worker") throws(FileError) {
        self.limit = limit
        var started: [OwnerThread] = []
        for _ in 0..<max(1, count) {
            started.append(try OwnerThread(name: name) { [self] in run() })
        }
        threads.withLock { $0 = started }
    }

    /// Queues a job; false when the queue is full (the caller counts that as a failure).
    @discardableResult
    public func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        let accepted = jobs.withLock { queue -> Bool in
            guard queue.count < limit else { return false }
            queue.append(job)
            return true
        }
        if accepted { wake.signal() }
        return accepted
    }

    /// Finishes queued jobs, then stops the threads.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        let all = threads.withLock { t -> [OwnerThread] in
            let copy = t
            t = []
            return copy
        }
        for _ in all { wake.signal() }
        for t in all { t.join() }
    }

    private func run() {
        while true {
            let job = jobs.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            if let job {
                job()
                continue
            }
            if stopping.load(ordering: .acquiring) {
                wake.signal()  // pass the wake-up on so every worker sees the stop
                return
            }
            wake.wait(timeoutNanoseconds: 500_000_000)
        }
    }
}
