public import EdgeCore
public import Logging
import Synchronization

/// Owns one bus at run time: one OS thread (never Swift's cooperative pool) runs the bus's
/// `ModbusPoller`, so every libmodbus call for a serial port or TCP connection happens on that
/// thread and devices on the bus are polled in turn, never concurrently. The thread is the
/// bus's own, or a `ModbusOwnerThread` shared with other TCP buses. Writes from any thread or
/// task are queued to it and run between polls. Each cycle goes to `sink`, called on the owner
/// thread: keep it short (push the frame into the ring).
public final class ModbusBusOwner: FrameSource, Sendable {
    /// The bus owned.
    public let bus: ModbusBusConfig
    /// Its devices, in config order (indices match `ModbusCycle.device`).
    public let devices: [ModbusDeviceConfig]
    /// The read plan of each device.
    public let plans: [ModbusReadPlan]

    private let member: OwnerMember
    private let thread: ModbusOwnerThread
    /// Whether the thread is this bus's alone (shut down with it).
    private let ownsThread: Bool
    private let lifecycle = Mutex<Lifecycle>(.idle)
    private var mailbox: Mailbox { member.mailbox }
    private var snapshot: StatsBoard { member.snapshot }

    private enum Lifecycle {
        case idle
        case running
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
        thread: ModbusOwnerThread? = nil,
        sink: @escaping @Sendable (ModbusCycle) -> Void
    ) {
        self.bus = bus
        self.devices = devices
        let poller = ModbusPoller(
            bus: bus, devices: devices, transport: transport, clock: clock, random: random, logger: logger)
        plans = poller.plans
        let owner = thread ?? ModbusOwnerThread(name: "modbus \(bus.id)")
        self.thread = owner
        ownsThread = thread == nil
        member = OwnerMember(
            loop: PollerLoop(poller: poller, clock: clock, sink: sink), mailbox: Mailbox(thread: owner),
            snapshot: StatsBoard(devices: poller.deviceStats))
    }

    /// Creates the owner of a bus reached through libmodbus (`ModbusClient`), with system
    /// randomness for backoff jitter.
    public convenience init(
        bus: ModbusBusConfig,
        devices: [ModbusDeviceConfig],
        clock: any EdgeClock = SystemClock(),
        logger: Logger = Logger(label: "edgeflow.modbus"),
        thread: ModbusOwnerThread? = nil,
        sink: @escaping @Sendable (ModbusCycle) -> Void
    ) throws(ModbusError) {
        let client = try ModbusClient(bus.transport)
        self.init(
            bus: bus, devices: devices, transport: client, clock: clock, random: SystemRandomNumberGenerator(),
            logger: logger, thread: thread, sink: sink)
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

    /// Starts the bus on its owner thread; polling begins at once (unless paused by `open()`).
    /// Starting twice, or after `stop()`, fails.
    public func start() throws(ModbusError) {
        let threadStopped = thread.isStopped
        let fresh: Bool = lifecycle.withLock { state in
            guard case .idle = state else { return false }
            state = threadStopped ? .stopped : .running
            return !threadStopped
        }
        guard fresh else {
            let why = threadStopped ? "its owner thread was shut down" : "the bus owner was already started"
            throw ModbusError(.unavailable, operation: "start bus \(bus.id)", message: why)
        }
        do throws(FileError) {
            try thread.attach(member)
        } catch {
            lifecycle.withLock { $0 = .stopped }
            throw ModbusError(
                .unavailable, operation: "start bus \(bus.id)", message: "cannot create the owner thread",
                errno: error.errno)
        }
    }

    /// Stops polling and waits until the bus's loop has finished and closed its link, which
    /// takes at most the request in flight (one response timeout). Queued writes fail with
    /// `.unavailable`. Blocks the calling thread: from async code prefer `shutdown()`.
    public func stop() {
        let wasRunning: Bool = lifecycle.withLock { state in
            defer { state = .stopped }
            if case .running = state { return true }
            return false
        }
        mailbox.requestStop()
        if wasRunning { mailbox.waitUntilFinished() }
        if ownsThread { thread.shutdown() }
    }

    /// Stops polling and suspends until the bus's loop has finished.
    public func shutdown() async {
        let isRunning = lifecycle.withLock { state in
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

