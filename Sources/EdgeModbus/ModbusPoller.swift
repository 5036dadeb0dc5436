public import EdgeCore
public import Logging
#if canImport(Glibc)
    import Glibc
#endif

/// The poll loop of one bus, as a synchronous state machine: it polls due devices in turn, keeps
/// each device's failure state (ok / failing with backoff and jitter / parked), decodes the points
/// and hands each cycle to a sink. It does no threading of its own: `ModbusBusOwner` runs it on
/// the bus's thread, and tests drive it step by step with a `ManualClock` and a fake transport.
/// Not thread-safe: one thread uses it.
public final class ModbusPoller<Transport: ModbusTransport> {
    /// The bus polled.
    public let bus: ModbusBusConfig
    /// The devices, in config order; indices match `ModbusCycle.device`.
    public let devices: [ModbusDeviceConfig]
    /// The read plan of each device.
    public let plans: [ModbusReadPlan]
    /// Counters of the link.
    public private(set) var busStats = ModbusBusStats()

    private let transport: Transport
    private let clock: any EdgeClock
    private var random: ErasedRandomNumberGenerator
    private let pause: (Duration) -> Void
    private let logger: Logger
    private var runtimes: [DeviceRuntime]
    private var registerBuffer: [UInt16]
    private var bitBuffer: [UInt8]
    private var lastRequestEnd: Int64 = .min
    private var timeoutsSinceAnswer = 0

    /// Creates the loop; every device with points is due at once.
    /// - Parameters:
    ///   - random: source of backoff jitter (inject a seeded generator in tests).
    ///   - pause: how the loop keeps the inter-request delay (blocks the calling thread).
    public init(
        bus: ModbusBusConfig,
        devices: [ModbusDeviceConfig],
        transport: Transport,
        clock: any EdgeClock = SystemClock(),
        random: some RandomNumberGenerator = SystemRandomNumberGenerator(),
        logger: Logger = Logger(label: "edgeflow.modbus"),
        pause: @escaping (Duration) -> Void = ModbusPollerDefaults.sleep
    ) {
        self.bus = bus
        self.devices = devices
        self.transport = transport
        self.clock = clock
        self.random = ErasedRandomNumberGenerator(random)
        self.logger = logger
        self.pause = pause
        let plans = devices.map { ModbusReadPlan(points: $0.points, options: $0.planning) }
        self.plans = plans
        let now = clock.monotonicNanoseconds()
        runtimes = devices.indices.map { DeviceRuntime(config: devices[$0], plan: plans[$0], due: now) }
        registerBuffer = [UInt16](repeating: 0, count: max(1, plans.map(\.maxRegisterCount).max() ?? 0))
        bitBuffer = [UInt8](repeating: 0, count: max(1, plans.map(\.maxBitCount).max() ?? 0))
    }

    /// Counters of every device, in device order.
    public var deviceStats: [ModbusDeviceStats] { runtimes.map(\.stats) }

    /// The state of one device.
    public func state(ofDevice index: Int) -> ModbusDeviceState { runtimes[index].stats.state }

    /// When the next device is due (monotonic nanoseconds), or nil when no device has points.
    public var nextDue: Int64? {
        runtimes.lazy.filter { !$0.plan.requests.isEmpty }.map(\.due).min()
    }

    /// Counters of one device.
    public func stats(ofDevice index: Int) -> ModbusDeviceStats { runtimes[index].stats }

    /// Polls the most overdue device if one is due now (ties go to the lower index). Returns the
    /// index of the device polled, or nil when none was due.
    @discardableResult
    public func pollNextDue(sink: (ModbusCycle) -> Void) -> Int? {
        let now = clock.monotonicNanoseconds()
        var chosen: Int?
        for index in runtimes.indices where !runtimes[index].plan.requests.isEmpty && runtimes[index].due <= now {
            if let best = chosen, runtimes[best].due <= runtimes[index].due { continue }
            chosen = index
        }
        guard let chosen else { return nil }
        poll(device: chosen, sink: sink)
        return chosen
    }

    /// Polls one device now, whatever its schedule, and reschedules it.
    public func poll(device index: Int, sink: (ModbusCycle) -> Void) {
        cycle(&runtimes[index], index: index)
        let rt = runtimes[index]
        let cycle = ModbusCycle(
            device: index, deviceID: rt.config.id, source: rt.config.source, timestamp: rt.cycleEnd,
            samples: rt.samples, texts: rt.texts, state: rt.stats.state,
            error: rt.cycleError, exceptions: rt.cycleExceptions)
        sink(cycle)
    }

    /// Closes the link (the owner calls this when it stops).
    public func close() {
        transport.close()
    }

    // MARK: - One cycle

    private func cycle(_ rt: inout DeviceRuntime, index: Int) {
        let started = clock.monotonicNanoseconds()
        rt.stats.polls += 1
        rt.cycleError = nil
        rt.cycleExceptions = 0
        transport.setResponseTimeout(rt.config.responseTimeout)
        var failure: ModbusError?
        if !transport.isConnected {
            failure = openLink()
        }
        for request in rt.plan.requests {
            if let failure {
                rt.mark(request, quality: failure.quality, at: clock.wallNanoseconds())
                continue
            }
            keepInterRequestDelay()
            rt.stats.requests += 1
            do throws(ModbusError) {
                if request.space.isBits {
                    try transport.readBits(
                        request.space, unit: rt.config.unit, address: request.address, count: request.count,
                        into: &bitBuffer)
                } else {
                    try transport.readRegisters(
                        request.space, unit: rt.config.unit, address: request.address, count: request.count,
                        into: &registerBuffer)
                }
                lastRequestEnd = clock.monotonicNanoseconds()
                timeoutsSinceAnswer = 0
                rt.decode(request, registers: registerBuffer, bits: bitBuffer, at: clock.wallNanoseconds())
            } catch {
                lastRequestEnd = clock.monotonicNanoseconds()
                rt.mark(request, quality: error.quality, at: clock.wallNanoseconds())
                if error.deviceAnswered {
                    timeoutsSinceAnswer = 0
                    rt.stats.exceptions += 1
                    rt.cycleExceptions += 1
                    if rt.cycleError == nil { rt.cycleError = error }
                } else {
                    failure = error
                    count(error, in: &rt.stats)
                    recoverLink(after: error)
                }
            }
        }
        rt.cycleEnd = clock.wallNanoseconds()
        if let failure {
            rt.cycleError = failure
            fail(&rt, failure, startedAt: started)
        } else {
            succeed(&rt, startedAt: started)
        }
    }

    private func openLink() -> ModbusError? {
        do throws(ModbusError) {
            try transport.connect()
            busStats.connects += 1
            timeoutsSinceAnswer = 0
            return nil
        } catch {
            busStats.connectFailures += 1
            busStats.lastError = error.description
            return error
        }
    }

    private func keepInterRequestDelay() {
        guard case .rtu(let settings) = bus.transport, settings.interRequestDelay > .zero else { return }
        let delay = ModbusPollerDefaults.nanoseconds(settings.interRequestDelay)
        let elapsed = clock.monotonicNanoseconds() &- lastRequestEnd
        if lastRequestEnd != .min, elapsed >= 0, elapsed < delay {
            pause(.nanoseconds(delay - elapsed))
        }
    }

    private func count(_ error: ModbusError, in stats: inout ModbusDeviceStats) {
        if error.code == .timeout || error.exception?.meansUnreachable == true {
            stats.timeouts += 1
        } else {
            stats.commErrors += 1
        }
    }

    /// After a failed request: reopen a dead link, and drop late bytes so a late answer is not
    /// taken for the next request's. A TCP link that only times out is reopened after three
    /// timeouts in a row, which catches half-open connections (peer power-cycled without FIN).
    private func recoverLink(after error: ModbusError) {
        switch error.code {
        case .connection:
            transport.close()
            busStats.disconnects += 1
            busStats.lastError = error.description
        case .timeout, .protocolError:
            timeoutsSinceAnswer += 1
            if !bus.transport.isSerial && timeoutsSinceAnswer >= 3 {
                transport.close()
                busStats.disconnects += 1
                busStats.lastError = error.description
                timeoutsSinceAnswer = 0
            } else {
                transport.flush()
            }
        default:
            break
        }
    }

    private func succeed(_ rt: inout DeviceRuntime, startedAt: Int64) {
        let wasFailing = rt.stats.state.consecutiveFailures
        if wasFailing > 0 {
            if let since = rt.outageStartedAt { rt.stats.lastOutageNanoseconds = rt.cycleEnd - since }
            logger.info(
                "modbus device recovered",
                metadata: ["device": "\(rt.config.id)", "failures": "\(wasFailing)", "bus": "\(bus.id)"])
        }
        rt.outageStartedAt = nil
        rt.stats.state = .ok
        rt.stats.goodPolls += 1
        rt.stats.lastGoodAt = rt.cycleEnd
        let interval = ModbusPollerDefaults.nanoseconds(rt.config.pollInterval)
        var due = rt.due &+ interval
        let now = clock.monotonicNanoseconds()
        if due <= now {
            // Too late for the next slot: skip the missed ones instead of polling in a burst.
            let missed = (now - due) / interval + 1
            rt.stats.overruns += Int(missed)
            due += missed * interval
        }
        rt.due = due
    }

    private func fail(_ rt: inout DeviceRuntime, _ error: ModbusError, startedAt: Int64) {
        let failures = rt.stats.state.consecutiveFailures + 1
        let policy = rt.config.retry
        rt.stats.failedPolls += 1
        rt.stats.lastError = error.description
        rt.stats.lastErrorAt = rt.cycleEnd
        if rt.outageStartedAt == nil { rt.outageStartedAt = rt.stats.lastGoodAt ?? rt.cycleEnd }
        let now = clock.monotonicNanoseconds()
        let parked = policy.parkAfterFailures > 0 && failures >= policy.parkAfterFailures
        if parked {
            rt.stats.state = .parked(consecutiveFailures: failures)
            rt.due = now + ModbusPollerDefaults.nanoseconds(policy.parkedProbeInterval)
            if failures == policy.parkAfterFailures {
                logger.warning(
                    "modbus device parked",
                    metadata: ["device": "\(rt.config.id)", "bus": "\(bus.id)", "error": "\(error)"])
            }
        } else {
            rt.stats.state = .failing(consecutiveFailures: failures)
            let interval = ModbusPollerDefaults.nanoseconds(rt.config.pollInterval)
            rt.due = now + max(interval, backoff(failures: failures, policy: policy))
            if failures == 1 {
                logger.warning(
                    "modbus device failing",
                    metadata: ["device": "\(rt.config.id)", "bus": "\(bus.id)", "error": "\(error)"])
            }
        }
    }

    /// The delay before retry number `failures`: initial × multiplier^(failures-1), capped, then
    /// spread by ±jitter.
    func backoff(failures: Int, policy: ModbusRetryPolicy) -> Int64 {
        let cap = Double(ModbusPollerDefaults.nanoseconds(policy.maxBackoff))
        var delay = Double(ModbusPollerDefaults.nanoseconds(policy.initialBackoff))
        var step = 1
        while step < failures && delay < cap {
            delay *= policy.multiplier
            step += 1
        }
        delay = min(delay, cap)
        if policy.jitter > 0 {
            delay += delay * policy.jitter * Double.random(in: -1...1, using: &random)
        }
        return Int64(max(0, delay))
    }

    // MARK: - Writes

    /// Writes `value` (engineering units: scale and offset are undone) into a point of a device.
    public func write(device index: Int, point pointIndex: Int, value: ModbusValue, verify: Bool = false)
        throws(ModbusError) -> ModbusWriteResult
    {
        let device = runtimes[index].config
        guard device.points.indices.contains(pointIndex) else {
            throw ModbusError(
                .invalidRequest, operation: "write to \(device.id)", message: "no point #\(pointIndex)")
        }
        return try runWrite(device: index) { () throws(ModbusError) -> ModbusWriteTarget in
            try transport.writeTarget(for: device.points[pointIndex], value: value, unit: device.unit)
        } verify: { verify }
    }

    /// Performs a raw write on a device.
    public func write(device index: Int, target: ModbusWriteTarget, verify: Bool = false)
        throws(ModbusError) -> ModbusWriteResult
    {
        try runWrite(device: index) { () throws(ModbusError) -> ModbusWriteTarget in target } verify: { verify }
    }

    private func runWrite(
        device index: Int, target makeTarget: () throws(ModbusError) -> ModbusWriteTarget, verify: () -> Bool
    ) throws(ModbusError) -> ModbusWriteResult {
        let device = runtimes[index].config
        transport.setResponseTimeout(device.responseTimeout)
        do throws(ModbusError) {
            if !transport.isConnected, let error = openLink() { throw error }
            let target = try makeTarget()
            keepInterRequestDelay()
            defer { lastRequestEnd = clock.monotonicNanoseconds() }
            try transport.perform(target, unit: device.unit, verify: verify())
            runtimes[index].stats.writes += 1
            return ModbusWriteResult(target: target, verified: verify(), timestamp: clock.wallNanoseconds())
        } catch {
            runtimes[index].stats.writeFailures += 1
            runtimes[index].stats.lastError = error.description
            runtimes[index].stats.lastErrorAt = clock.wallNanoseconds()
            recoverLink(after: error)
            throw error
        }
    }
}

/// Defaults shared by poll loops.
public enum ModbusPollerDefaults {
    /// Blocks the calling (owner) thread for `duration` (the default inter-request pause).
    @Sendable
    public static func sleep(_ duration: Duration) {
        threadSleep(nanoseconds: nanoseconds(duration))
    }

    /// A duration in whole nanoseconds, never negative (EdgeCore's one conversion).
    static func nanoseconds(_ duration: Duration) -> Int64 {
        max(0, Quantity.nanoseconds(duration))
    }
}

/// A random number generator behind a closure, so the poller is not generic over it (jitter is
/// drawn only after failures, so the indirection costs nothing that matters).
struct ErasedRandomNumberGenerator: RandomNumberGenerator {
    private let draw: () -> UInt64

    init<G: RandomNumberGenerator>(_ generator: G) {
        let box = RandomBox(generator)
        draw = { box.generator.next() }
    }

    mutating func next() -> UInt64 { draw() }
}

private final class RandomBox<G: RandomNumberGenerator> {
    var generator: G
    init(_ generator: G) { self.generator = generator }
}
