public import EdgeCore
public import Logging
import Synchronization

/// Owns one bus at run time: exactly one OS thread (never Swift's cooperative pool) runs the
/// bus's `ModbusPoller`, so every libmodbus call for a serial port or TCP connection happens on
/// that thread and devices on the bus are polled in turn, never concurrently. Writes from any
/// thread or task are queued to it and run between polls. Each cycle goes to `sink`, called on
/// the owner thread: keep it short (push into the ring, raise the device event).
public final class ModbusBusOwner: FrameSource, Sendable {
    /// The bus owned.
    public let bus: ModbusBusConfig
    /// Its devices, in config order (indices match `ModbusCycle.device`).
    public let devices: [ModbusDeviceConfig]
    /// The read plan of each device.
    public let plans: [ModbusReadPlan]

    private let mailbox = Mailbox()
    private let snapshot: StatsBoard
    private let thread = Mutex<ThreadState>(.idle)
    private let loop: any OwnerLoop

    private enum ThreadState {
        case idle
        case running(OwnerThread)
        case stopped
    }

    /// Creates the owner of a bus with the given transport (a fake one in tests). The transport
    /// and the random source move to the owner thread: do not use them afterwards.
    public init<T: ModbusTransport, R: RandomNumberGenerator>(
        bus: ModbusBusConfig,
        devices: [ModbusDeviceConfig],
        transport: sending T,
        clock: any EdgeClock = SystemClock(),
        random: sending R,
        logger: Logger = Logger(label: "edgeflow.modbus"),
        sink: @escaping @Sendable (ModbusCycle) -> Void
    ) {
        self.bus = bus
        self.devices = devices
        let poller = ModbusPoller(
            bus: bus, devices: devices, transport: transport, clock: clock, random: random, logger: logger)
        plans = poller.plans
        snapshot = StatsBoard(devices: poller.deviceStats)
        loop = PollerLoop(poller: poller, clock: clock, sink: sink)
    }

    /// Creates the owner of a bus reached through libmodbus (`ModbusClient`), with system
    /// randomness for backoff jitter.
    public convenience init(
        bus: ModbusBusConfig,
        devices: [ModbusDeviceConfig],
        clock: any EdgeClock = SystemClock(),
        logger: Logger = Logger(label: "edgeflow.modbus"),
        sink: @escaping @Sendable (ModbusCycle) -> Void
    ) throws(ModbusError) {
        let client = try ModbusClient(bus.transport)
        self.init(
            bus: bus, devices: devices, transport: client, clock: clock, random: SystemRandomNumberGenerator(),
            logger: logger, sink: sink)
    }

    deinit {
        stop()
    }

    // MARK: - Lifecycle

    public var sourceName: String { "modbus bus \(bus.id)" }

    /// Starts the owner thread with polling paused: writes work, no frames are produced until
    /// `startAcquisition()`. Lets the agent drive outputs safe before acquisition begins.
    public func open() throws {
        mailbox.setPolling(false)
        try start()
    }

    /// Starts (or resumes) polling.
    public func startAcquisition() {
        mailbox.setPolling(true)
    }

    /// Pauses polling and returns once the poll in flight (if any) has handed over its cycle,
    /// so no frame follows; queued and new writes still run until `close()`.
    public func stopAcquisition() {
        mailbox.setPolling(false)
        mailbox.waitForPollToEnd()
    }

    /// Stops the owner thread and closes the link.
    public func close() {
        stop()
    }

    /// Starts the owner thread; polling begins at once (unless paused by `open()`). Starting
    /// twice, or after `stop()`, fails.
    public func start() throws(ModbusError) {
        let result: Result<Void, ModbusError> = thread.withLock { state in
            guard case .idle = state else {
                return .failure(ModbusError(.unavailable, operation: "start bus \(bus.id)",
                                            message: "the bus owner was already started"))
            }
            let mailbox = self.mailbox
            let snapshot = self.snapshot
            let loop = self.loop
            // EdgeCore's OwnerThread: one shared pthread helper for every owner in the agent.
            do throws(FileError) {
                state = .running(try OwnerThread(name: "modbus \(bus.id)") { loop.run(mailbox: mailbox, snapshot: snapshot) })
                return .success(())
            } catch {
                return .failure(ModbusError(.unavailable, operation: "start bus \(bus.id)",
                                            message: "cannot create the owner thread", errno: error.errno))
            }
        }
        try result.get()
    }

    /// Stops polling and waits for the owner thread to finish, which takes at most the request
    /// in flight (one response timeout). Queued writes fail with `.unavailable`. Blocks the
    /// calling thread: from async code prefer `shutdown()`.
    public func stop() {
        mailbox.requestStop()
        let running: OwnerThread? = thread.withLock { state in
            defer { state = .stopped }
            if case .running(let t) = state { return t }
            return nil
        }
        running?.join()
    }

    /// Stops polling and suspends until the owner thread has finished.
    public func shutdown() async {
        let isRunning = thread.withLock { state in
            if case .running = state { return true }
            return false
        }
        if isRunning {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                mailbox.requestStop(onExit: { continuation.resume() })
            }
        }
        stop()
    }

    // MARK: - Status

    /// Counters of every device, as of their last cycle.
    public var deviceStats: [ModbusDeviceStats] { snapshot.state.withLock { $0.devices } }

    /// Counters of the link.
    public var busStats: ModbusBusStats { snapshot.state.withLock { $0.bus } }

    // MARK: - Writes

    /// Writes `value` (engineering units) into a point, serialized with the polls of the bus;
    /// with `verify`, the registers are read back and compared. The write runs even if the
    /// calling task is cancelled meanwhile: a command once sent to a field device is not retracted.
    public func write(device: String, point: String, value: ModbusValue, verify: Bool = false)
        async throws(ModbusError) -> ModbusWriteResult
    {
        let (deviceIndex, pointIndex) = try locate(device: device, point: point)
        return try await submit(WriteJob(device: deviceIndex, action: .point(pointIndex, value), verify: verify))
    }

    /// Performs a raw write (FC5/6/15/16) on a device of the bus, serialized with its polls.
    public func write(device: String, target: ModbusWriteTarget, verify: Bool = false)
        async throws(ModbusError) -> ModbusWriteResult
    {
        let (deviceIndex, _) = try locate(device: device, point: nil)
        return try await submit(WriteJob(device: deviceIndex, action: .raw(target), verify: verify))
    }

    /// Callback form of the point write, for callers that are not async; `completion` runs on
    /// the owner thread.
    public func enqueueWrite(
        device: String, point: String, value: ModbusValue, verify: Bool = false,
        completion: @escaping @Sendable (Result<ModbusWriteResult, ModbusError>) -> Void
    ) {
        do throws(ModbusError) {
            let (deviceIndex, pointIndex) = try locate(device: device, point: point)
            enqueue(WriteJob(device: deviceIndex, action: .point(pointIndex, value), verify: verify,
                             completion: completion))
        } catch {
            completion(.failure(error))
        }
    }

    private func submit(_ job: WriteJob) async throws(ModbusError) -> ModbusWriteResult {
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<ModbusWriteResult, ModbusError>, Never>) in
            var job = job
            job.completion = { continuation.resume(returning: $0) }
            enqueue(job)
        }
        return try result.get()
    }

    private func enqueue(_ job: WriteJob) {
        if !mailbox.post(job) {
            job.completion(.failure(ModbusError(
                .unavailable, operation: "write on bus \(bus.id)", message: "the bus owner is stopped")))
        }
    }

    private func locate(device: String, point: String?) throws(ModbusError) -> (Int, Int) {
        guard let deviceIndex = devices.firstIndex(where: { $0.id == device }) else {
            throw ModbusError(
                .unavailable, operation: "write on bus \(bus.id)", message: "no device '\(device)' on this bus")
        }
        guard let point else { return (deviceIndex, 0) }
        guard let pointIndex = devices[deviceIndex].points.firstIndex(where: { $0.name == point }) else {
            throw ModbusError(
                .invalidRequest, operation: "write on \(device)", message: "device '\(device)' has no point '\(point)'")
        }
        return (deviceIndex, pointIndex)
    }
}

/// The owner thread's body: the bus's poller with its clock and sink. Behind a protocol so the
/// owner is not generic over the transport.
protocol OwnerLoop: Sendable {
    func run(mailbox: Mailbox, snapshot: StatsBoard)
}

/// Runs a poller until stopped. `@unchecked Sendable` because the poller, which is not
/// thread-safe, is handed over once and from then on used by the owner thread alone.
final class PollerLoop<T: ModbusTransport>: OwnerLoop, @unchecked Sendable {
    private let poller: ModbusPoller<T>
    private let clock: any EdgeClock
    private let sink: @Sendable (ModbusCycle) -> Void

    init(poller: ModbusPoller<T>, clock: any EdgeClock, sink: @escaping @Sendable (ModbusCycle) -> Void) {
        self.poller = poller
        self.clock = clock
        self.sink = sink
    }

    func run(mailbox: Mailbox, snapshot: StatsBoard) {
        while true {
            let jobs = mailbox.takeJobs()
            guard let jobs else { break }
            for job in jobs {
                let result: Result<ModbusWriteResult, ModbusError>
                do throws(ModbusError) {
                    switch job.action {
                    case .point(let point, let value):
                        result = .success(try poller.write(device: job.device, point: point, value: value,
                                                           verify: job.verify))
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
                    continue
                }
            }
            // Sleep until the next device is due or a write arrives; at most 1 s, so a clock that
            // is not the system's (or a change of it) can never park the thread for long. While
            // polling is paused only writes and the stop request wake it.
            let due = mailbox.isPolling ? poller.nextDue : nil
            let wait = due.map { $0 - clock.monotonicNanoseconds() } ?? 1_000_000_000
            mailbox.waitForWork(nanoseconds: min(max(wait, 0), 1_000_000_000))
        }
        poller.close()
        snapshot.state.withLock { $0.bus = poller.busStats }
        mailbox.finish()
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

/// What other threads hand the owner thread: writes and the request to stop.
final class Mailbox: @unchecked Sendable {
    // All mutable state is guarded by `lock`.
    private let lock = ConditionLock()
    private var jobs: [WriteJob] = []
    private var stopping = false
    private var finished = false
    private var polling = true
    private var pollInFlight = false
    private var exitWaiters: [@Sendable () -> Void] = []

    /// Queues a job; false when the owner is stopping or gone.
    func post(_ job: WriteJob) -> Bool {
        let accepted = lock.withLock {
            guard !stopping else { return false }
            jobs.append(job)
            return true
        }
        if accepted { lock.signal() }
        return accepted
    }

    /// The queued jobs (possibly none), or nil when the thread must stop; jobs still queued at
    /// that point are failed.
    func takeJobs() -> [WriteJob]? {
        // Called once per loop turn: when nothing is queued, return the empty literal, which
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
        lock.withLock { polling = on }
        lock.signal()
    }

    /// Whether polling is on.
    var isPolling: Bool { lock.withLock { polling } }

    /// Called by the thread before a poll: false when polling is paused.
    func beginPoll() -> Bool {
        lock.withLock {
            guard polling && !stopping else { return false }
            pollInFlight = true
            return true
        }
    }

    /// Called by the thread after a poll (its cycle handed to the sink).
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

    /// Sleeps until a job or stop request arrives, or the time is up.
    func waitForWork(nanoseconds: Int64) {
        lock.withLock {
            if jobs.isEmpty && !stopping { lock.wait(nanoseconds: nanoseconds) }
        }
    }

    /// Asks the thread to stop; `onExit` runs once it has (at once if it already has).
    func requestStop(onExit: (@Sendable () -> Void)? = nil) {
        let runNow: Bool = lock.withLock {
            stopping = true
            if let onExit, !finished { exitWaiters.append(onExit) }
            return finished
        }
        lock.signal()
        if runNow { onExit?() }
    }

    /// Called by the thread as it exits.
    func finish() {
        let waiters: [@Sendable () -> Void] = lock.withLock {
            finished = true
            defer { exitWaiters.removeAll() }
            return exitWaiters
        }
        for waiter in waiters { waiter() }
    }
}
