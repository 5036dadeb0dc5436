public import EdgeCore
import Synchronization

/// One OS thread that owns one or more Modbus buses: it runs each bus's queued writes and due
/// polls in turn and sleeps, on the monotonic clock, until the next device is due or a write
/// arrives. A serial bus gets a thread of its own (RS-485 is half-duplex and the libmodbus
/// context is not thread-safe); TCP buses, each its own connection, can share a few threads, so
/// a thousand TCP devices do not mean a thousand threads. The price of sharing: a TCP device
/// that does not answer delays the other buses of its thread by its response timeout (until
/// its backoff parks it), so give slow or flaky links a thread of their own.
public final class ModbusOwnerThread: @unchecked Sendable {
    // @unchecked: `members`, `wakeRequested`, `state` are guarded by `lock`.
    let lock = ConditionLock()
    /// Set (under `lock`) by any event a member's mailbox receives, so the thread never sleeps
    /// through one that arrived between its scan and its wait.
    var wakeRequested = false
    private var members: [OwnerMember] = []
    private var state: State = .idle
    private let name: String

    private enum State {
        case idle
        /// One `attach` is creating the OS thread; others only add their bus.
        case starting
        case running(OwnerThread)
        case stopped
    }

    /// Creates a thread (started when its first bus starts); `name` appears in errors.
    public init(name: String) {
        self.name = name
    }

    /// How many buses it runs now.
    public var busCount: Int { lock.withLock { members.count } }

    /// Adds a bus's loop; starts the thread on first use.
    func attach(_ member: OwnerMember) throws(FileError) {
        // Buses may start concurrently (from different tasks): deciding who creates the thread
        // and marking it under the lock makes sure exactly one OS thread runs these buses.
        let needsThread: Bool = lock.withLock {
            members.append(member)
            wakeRequested = true
            guard case .idle = state else { return false }
            state = .starting
            return true
        }
        lock.signal()
        guard needsThread else { return }
        do {
            let thread = try OwnerThread(name: name) { [self] in run() }
            lock.withLock {
                // Shut down while starting: the thread sees `.stopped` and ends once its buses
                // have stopped; nobody joins it then.
                if case .stopped = state { return }
                state = .running(thread)
            }
        } catch {
            lock.withLock {
                members.removeAll { $0 === member }
                state = .idle
            }
            throw error
        }
    }

    /// Ends the thread once every bus on it has stopped, and waits for it. Buses started on it
    /// afterwards fail to start.
    public func shutdown() {
        let thread: OwnerThread? = lock.withLock {
            defer { state = .stopped }
            wakeRequested = true
            if case .running(let t) = state { return t }
            return nil
        }
        lock.signal()
        thread?.join()
    }

    /// Whether the thread was shut down.
    var isStopped: Bool {
        lock.withLock {
            if case .stopped = state { return true }
            return false
        }
    }

    private func run() {
        while true {
            let current: [OwnerMember]? = lock.withLock {
                wakeRequested = false
                if case .stopped = state, members.isEmpty { return nil }
                return members
            }
            guard let current else { return }
            var worked = false
            var wait: Int64 = 1_000_000_000
            for member in current {
                switch member.loop.step(mailbox: member.mailbox, snapshot: member.snapshot) {
                case .worked:
                    worked = true
                case .idle(let nanoseconds):
                    if let nanoseconds { wait = min(wait, max(nanoseconds, 0)) }
                case .finished:
                    lock.withLock { members.removeAll { $0 === member } }
                    member.mailbox.finish()
                }
            }
            if worked { continue }
            // Sleep until the next device is due or a write, a stop or a new bus arrives; at most
            // 1 s, so a clock that is not the system's can never park the thread for long.
            lock.withLock {
                if !wakeRequested && wait > 0 { lock.wait(nanoseconds: wait) }
            }
        }
    }
}

/// One bus on an owner thread: its loop, its mailbox and its published counters.
final class OwnerMember: Sendable {
    let loop: any OwnerLoop
    let mailbox: Mailbox
    let snapshot: StatsBoard

    init(loop: any OwnerLoop, mailbox: Mailbox, snapshot: StatsBoard) {
        self.loop = loop
        self.mailbox = mailbox
        self.snapshot = snapshot
    }
}

/// What one turn of a bus's loop did.
enum StepOutcome {
    /// It ran writes or a poll: look again at once.
    case worked
    /// Nothing to do; the next device is due in this many nanoseconds (nil: none is).
    case idle(Int64?)
    /// The bus was asked to stop and has closed its link.
    case finished
}

/// A bus's loop: its poller with its clock and sink. Behind a protocol so owners are not
/// generic over the transport.
protocol OwnerLoop: Sendable {
    func step(mailbox: Mailbox, snapshot: StatsBoard) -> StepOutcome
}

/// Runs a poller one turn at a time. `@unchecked Sendable` because the poller, which is not
/// thread-safe, is handed over once and from then on used by its owner thread alone.
final class PollerLoop<T: ModbusTransport>: OwnerLoop, @unchecked Sendable {
    private let poller: ModbusPoller<T>
    private let clock: any EdgeClock
    private let sink: @Sendable (ModbusCycle) -> Void

    init(poller: ModbusPoller<T>, clock: any EdgeClock, sink: @escaping @Sendable (ModbusCycle) -> Void) {
        self.poller = poller
        self.clock = clock
        self.sink = sink
    }

    func step(mailbox: Mailbox, snapshot: StatsBoard) -> StepOutcome {
        guard let jobs = mailbox.takeJobs() else {
            poller.close()
            snapshot.state.withLock { $0.bus = poller.busStats }
            return .finished
        }
        for job in jobs {
            let result: Result<ModbusWriteResult, ModbusError>
            do throws(ModbusError) {
                switch job.action {
                case .point(let point, let value):
                    result = .success(try poller.write(device: job.device, point: point, value: value, verify: job.verify))
                case .raw(let target):
                    result = .success(try poller.write(device: job.device, target: target, verify: job.verify))
                }
            } catch {
                result = .failure(error)
            }
            publish(device: job.device, into: snapshot)
            job.completion(result)
        }
        if mailbox.beginPoll() {
            let polled = poller.pollNextDue(sink: sink)
            mailbox.endPoll()
            if let polled {
                publish(device: polled, into: snapshot)
                return .worked
            }
        }
        if !jobs.isEmpty { return .worked }
        // While polling is paused only writes and the stop request wake the thread.
        guard mailbox.isPolling, let due = poller.nextDue else { return .idle(nil) }
        return .idle(due - clock.monotonicNanoseconds())
    }

    private func publish(device: Int, into snapshot: StatsBoard) {
        let stats = poller.stats(ofDevice: device)
        let bus = poller.busStats
        snapshot.state.withLock {
            $0.devices[device] = stats
            $0.bus = bus
        }
    }
}

/// The owner thread's latest counters, readable from any thread.
final class StatsBoard: Sendable {
    struct Snapshot {
        var devices: [ModbusDeviceStats]
        var bus = ModbusBusStats()
    }

    let state: Mutex<Snapshot>

    init(devices: [ModbusDeviceStats]) {
        state = Mutex(Snapshot(devices: devices))
    }
}

/// A write waiting for the owner thread.
struct WriteJob: Sendable {
    enum Action: Sendable {
        case point(Int, ModbusValue)
        case raw(ModbusWriteTarget)
    }

    var device: Int
    var action: Action
    var verify: Bool
    var completion: @Sendable (Result<ModbusWriteResult, ModbusError>) -> Void = { _ in }
}

/// What other threads hand a bus's loop: writes, polling on/off and the request to stop. Its
/// state is guarded by its owner thread's lock, so the thread can sleep on one condition for
/// all its buses.
final class Mailbox: @unchecked Sendable {
    // All mutable state is guarded by `thread.lock`.
    private let thread: ModbusOwnerThread
    private var lock: ConditionLock { thread.lock }
    private var jobs: [WriteJob] = []
    private var stopping = false
    private var finished = false
    private var polling = true
    private var pollInFlight = false
    private var exitWaiters: [@Sendable () -> Void] = []

    init(thread: ModbusOwnerThread) {
        self.thread = thread
    }

    /// Wakes the owner thread for this mailbox's news. Call with the lock held.
    private func requestWake() {
        thread.wakeRequested = true
    }

    /// Queues a job; false when the bus is stopping or gone.
    func post(_ job: WriteJob) -> Bool {
        let accepted = lock.withLock {
            guard !stopping else { return false }
            jobs.append(job)
            requestWake()
            return true
        }
        if accepted { lock.signal() }
        return accepted
    }

    /// The queued jobs (possibly none), or nil when the loop must stop; jobs still queued at
    /// that point are failed.
    func takeJobs() -> [WriteJob]? {
        // Called once per turn: when nothing is queued, return the empty literal, which
        // allocates nothing (copying then clearing a used array would allocate every time).
        let (taken, stop) = lock.withLock { () -> ([WriteJob], Bool) in
            if jobs.isEmpty { return ([], stopping) }
            let taken = jobs
            jobs = []
            return (taken, stopping)
        }
        guard stop else { return taken }
        for job in taken {
            job.completion(.failure(ModbusError(.unavailable, operation: "write", message: "the bus owner stopped")))
        }
        return nil
    }

    /// Turns polling on or off (writes are served either way).
    func setPolling(_ on: Bool) {
        lock.withLock {
            polling = on
            requestWake()
        }
        lock.signal()
    }

    /// Whether polling is on.
    var isPolling: Bool { lock.withLock { polling } }

    /// Called by the loop before a poll: false when polling is paused.
    func beginPoll() -> Bool {
        lock.withLock {
            guard polling && !stopping else { return false }
            pollInFlight = true
            return true
        }
    }

    /// Called by the loop after a poll (its cycle handed to the sink).
    func endPoll() {
        lock.withLock { pollInFlight = false }
        lock.signal()
    }

    /// Waits until no poll is in flight (bounded: one poll lasts at most its timeouts).
    func waitForPollToEnd() {
        lock.withLock {
            while pollInFlight && !finished { lock.wait(nanoseconds: 100_000_000) }
        }
    }

    /// Asks the loop to stop; `onExit` runs once it has (at once if it already has).
    func requestStop(onExit: (@Sendable () -> Void)? = nil) {
        let runNow: Bool = lock.withLock {
            stopping = true
            requestWake()
            if let onExit, !finished { exitWaiters.append(onExit) }
            return finished
        }
        lock.signal()
        if runNow { onExit?() }
    }

    /// Waits until the loop has finished (its link closed).
    func waitUntilFinished() {
        lock.withLock {
            while !finished { lock.wait(nanoseconds: 100_000_000) }
        }
    }

    /// Called by the owner thread once the loop has finished.
    func finish() {
        let waiters: [@Sendable () -> Void] = lock.withLock {
            finished = true
            defer { exitWaiters.removeAll() }
            return exitWaiters
        }
        lock.signal()
        for waiter in waiters { waiter() }
    }
}
