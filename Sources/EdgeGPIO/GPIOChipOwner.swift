public import EdgeConfig
public import EdgeCore
public import EdgePipeline
public import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Counters of one input line, for logs and status.
public struct GPIOLineCounters: Sendable, Equatable {
    /// The board's line name (`GPIO17`).
    public var line: String
    /// Raw edge events the kernel delivered.
    public var events: UInt64
    /// Edges reported in frames after debounce.
    public var edges: UInt64
    /// Events the kernel dropped (gaps in its sequence numbers; v2 API only).
    public var sequenceGaps: UInt64
}

/// One GPIO chip, found by its label, owned by one thread: its input lines become frames (one
/// per edge, stamped with the kernel's edge time; polled lines on their interval) and its output
/// lines are driven on request. The thread sleeps in poll(2) on the chip's event descriptors and
/// an eventfd, so an idle chip costs no CPU.
public final class GPIOChipOwner: FrameSource, OutputDriver, @unchecked Sendable {
    // @unchecked: `chip`, the requests, `lines` and `thread` are set by open() before the thread
    // starts and then touched by the owner thread alone (close() joins it first); the rest is
    // immutable or behind atomics and mutexes.
    /// The chip's label.
    public let label: String
    private let sources: [SourceConfig]
    private let plan: [(source: Int, point: Int, line: GPIOInputLine)]
    private let outputLines: [OutputConfig]
    private let ring: SampleRing
    private let wake: WakeSignal
    private let clock: any EdgeClock
    private let logger: Logger
    private let devices: String
    private let stopFlag = Atomic<Bool>(false)
    private let acquiring = Atomic<Bool>(false)
    private let commands = Mutex<[(offset: Int, value: Int, done: @Sendable (Result<Void, OutputDriveError>) -> Void)]>([])
    /// Read-backs of output lines waiting for the owner thread.
    private let reads = Mutex<[(offset: Int, done: @Sendable (Result<Double, OutputDriveError>) -> Void)]>([])
    private let counterSnapshot: Mutex<[GPIOLineCounters]>
    /// Reads of the chip that failed: how many, the last one's text and wall time.
    private let failures = Mutex<(count: UInt64, last: String?, at: Int64?)>((0, nil, nil))
    /// Values outputs are requested at instead of their safe value (a reload's kept outputs).
    private let adopted = Mutex<[String: Double]>([:])
    /// A self-pipe: write end pokes the owner thread out of poll(2), read end is polled.
    private let wakePipe: (read: Int32, write: Int32)
    private var chip: GPIOChip?
    private var inputRequest: GPIOLineRequest?
    private var outputRequest: GPIOLineRequest?
    private var lines: [InputLineState] = []
    private var thread: OwnerThread?

    /// The owner of chip `label` for the config's GPIO inputs and outputs on it. `devices` is
    /// where chips are looked for (tests point it elsewhere).
    public init(
        label: String, config: AgentConfig, ring: SampleRing, wake: WakeSignal, clock: any EdgeClock, logger: Logger,
        devices: String = "/dev"
    ) {
        self.label = label
        sources = config.sources
        var plan: [(Int, Int, GPIOInputLine)] = []
        for (index, source) in config.sources.enumerated() {
            guard case .gpio(let inputs) = source.kind else { continue }
            for (point, line) in inputs.lines.enumerated() where line.chipLabel == label { plan.append((index, point, line)) }
        }
        self.plan = plan
        outputLines = config.outputs.filter {
            if case .gpio(_, let chip, _, _) = $0.target { chip == label } else { false }
        }
        self.ring = ring
        self.wake = wake
        self.clock = clock
        self.logger = logger
        self.devices = devices
        counterSnapshot = Mutex(plan.map { GPIOLineCounters(line: $0.2.line, events: 0, edges: 0, sequenceGaps: 0) })
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds {
                _ = fcntl(fd, F_SETFL, O_NONBLOCK)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
            wakePipe = (fds[0], fds[1])
        } else {
            wakePipe = (-1, -1)
        }
    }

    deinit {
        if wakePipe.read >= 0 {
            Glibc.close(wakePipe.read)
            Glibc.close(wakePipe.write)
        }
    }

    /// `gpio chip pinctrl-bcm2711`.
    public var sourceName: String { "gpio chip \(label)" }

    /// Per input line: raw events, debounced edges, kernel sequence gaps.
    public var lineCounters: [GPIOLineCounters] { counterSnapshot.withLock { $0 } }

    /// Opens the chip, requests the outputs at their safe values (so a restart after a crash
    /// starts safe) and the inputs with their bias, edges and debounce, and starts the owner
    /// thread. Throws a `GPIOError` that says what to do (group membership, line in use, wrong
    /// board).
    public func open() throws {
        guard thread == nil else { return }
        guard wakePipe.read >= 0 else { throw GPIOError.system("cannot create a wake-up pipe for \(sourceName)", errno: errno) }
        let chip = try GPIOChips.open(label: label, directory: devices)
        self.chip = chip
        if !outputLines.isEmpty {
            let kept = adopted.withLock { $0 }
            let specs = outputLines.compactMap { output -> (offset: Int, activeLow: Bool, initial: Int)? in
                guard case .gpio(_, _, let offset, let activeLow) = output.target else { return nil }
                return (offset, activeLow, (kept[output.id] ?? output.safeValue) == 0 ? 0 : 1)
            }
            outputRequest = try GPIOLineRequest.outputs(
                chip: chip, consumer: "edgeflow", lines: specs, what: outputLines.map(\.targetName).joined(separator: ", "))
        }
        if !plan.isEmpty {
            let kernelDebounce = GPIOLibrary.kernelDebounce
            let requests = plan.map { item in
                GPIOInputRequest(
                    offset: item.line.offset,
                    // Both edges are asked of the kernel so the level is always known; the line's
                    // `edge` setting picks which edges become flow events and counts.
                    edge: item.line.edge == "none" ? "none" : "both", bias: item.line.bias, activeLow: item.line.activeLow,
                    debounceMicroseconds: kernelDebounce ? UInt32(clamping: item.line.debounceNanoseconds / 1000) : 0)
            }
            inputRequest = try GPIOLineRequest.inputs(
                chip: chip, consumer: "edgeflow", lines: requests, what: plan.map(\.line.line).joined(separator: ", "))
            lines = plan.map { item in
                let counter = item.line.counter.map {
                    PulseCounter(
                        scale: $0.scale, windowSeconds: Int($0.rateWindowNanoseconds / 1_000_000_000),
                        ratePerNanoseconds: $0.ratePerNanoseconds)
                }
                var state = InputLineState(
                    source: item.source, point: item.point, offset: item.line.offset, edge: item.line.edge,
                    softwareDebounce: kernelDebounce ? 0 : item.line.debounceNanoseconds, counter: counter)
                state.kernelDebounce = kernelDebounce ? item.line.debounceNanoseconds / 1000 * 1000 : 0
                return state
            }
        }
        stopFlag.store(false, ordering: .releasing)
        thread = try OwnerThread(name: sourceName) { [self] in run() }
        logger.info(
            "gpio chip opened",
            metadata: [
                "chip": "\(chip.name)", "label": "\(label)", "inputs": "\(plan.count)", "outputs": "\(outputLines.count)",
                "libgpiod": "\(GPIOLibrary.version) (v\(GPIOLibrary.apiVersion) API)",
            ])
    }

    /// Outputs whose current value a reload keeps: `open()` requests them at that value rather
    /// than the safe one, so the line does not change while one generation hands over to the next.
    public func adopt(outputs values: [String: Double]) {
        adopted.withLock { $0 = values }
    }

    /// Starts turning edges into frames: the owner thread first reports every line's level.
    public func startAcquisition() {
        acquiring.store(true, ordering: .releasing)
        poke()
    }

    /// Stops producing frames; edges that arrive meanwhile are read and dropped.
    public func stopAcquisition() {
        acquiring.store(false, ordering: .releasing)
        poke()
    }

    /// Stops the owner thread and releases the lines; writes after this fail.
    public func close() {
        stopFlag.store(true, ordering: .releasing)
        poke()
        thread?.join()
        thread = nil
        for c in lineCounters where c.events > 0 {
            logger.info(
                "gpio line counters",
                metadata: ["line": "\(c.line)", "events": "\(c.events)", "edges": "\(c.edges)", "gaps": "\(c.sequenceGaps)"])
        }
        inputRequest = nil
        outputRequest = nil
        chip = nil
        // Anything still queued was never driven.
        for command in Self.takeAll(commands) { command.done(.failure(OutputDriveError("\(sourceName) is closed"))) }
        for read in Self.takeAll(reads) { read.done(.failure(OutputDriveError("\(sourceName) is closed"))) }
    }

    /// The kernel reports an output line's level, so the controller reads it back on demand.
    public func readBackMode(for output: OutputConfig) -> OutputReadBack { .onDemand }

    /// Queues a read of the output line's logical level for the owner thread.
    public func readBack(
        _ output: OutputConfig, completion: @escaping @Sendable (Result<Double, OutputDriveError>) -> Void
    ) {
        guard case .gpio(_, _, let offset, _) = output.target, thread != nil, !stopFlag.load(ordering: .acquiring)
        else {
            completion(.failure(OutputDriveError("\(sourceName) is not open")))
            return
        }
        reads.withLock { $0.append((offset, completion)) }
        poke()
    }

    /// Queues a write for the owner thread; completes once the kernel took the value and reports
    /// it back (a line another driver or the board pulls elsewhere fails the write).
    public func drive(
        _ output: OutputConfig, value: Double, completion: @escaping @Sendable (Result<Void, OutputDriveError>) -> Void
    ) {
        guard case .gpio(_, _, let offset, _) = output.target, thread != nil, !stopFlag.load(ordering: .acquiring) else {
            completion(.failure(OutputDriveError("\(sourceName) is not open")))
            return
        }
        commands.withLock { $0.append((offset, value == 0 ? 0 : 1, completion)) }
        poke()
    }

    private func poke() {
        // A full pipe already means a wake-up is pending, so a failed write loses nothing.
        var one: UInt8 = 1
        _ = write(wakePipe.write, &one, 1)
    }

    private func run() {
        var loop = OwnerLoop(owner: self)
        loop.run()
    }

    // MARK: owner-thread work, called by OwnerLoop

    var isStopping: Bool { stopFlag.load(ordering: .acquiring) }
    var isAcquiring: Bool { acquiring.load(ordering: .acquiring) }
    var wakeDescriptor: Int32 { wakePipe.read }
    var inputs: GPIOLineRequest? { inputRequest }
    /// The lines' states as open() set them up; the owner loop takes its own copy and keeps it.
    var initialLineStates: [InputLineState] { lines }
    var pollIntervals: [Int64] {
        sources.map { if case .gpio(let g) = $0.kind { g.pollNanoseconds } else { Int64.max } }
    }
    var longestSource: Int { sources.map(\.pointNames.count).max() ?? 1 }
    var loopClock: any EdgeClock { clock }
    var loopLogger: Logger { logger }

    func drainWake() {
        var bytes: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        while withUnsafeMutableBytes(of: &bytes, { read(wakePipe.read, $0.baseAddress, $0.count) }) > 0 {}
    }

    func runCommands() {
        for command in Self.takeAll(commands) {
            guard let outputRequest else {
                command.done(.failure(OutputDriveError("\(sourceName) has no output lines requested")))
                continue
            }
            do {
                try outputRequest.set(offset: command.offset, value: command.value)
                let level = try outputLevel(command.offset, in: outputRequest)
                let mismatch = "\(sourceName): line \(command.offset) reads back \(level) after setting \(command.value)"
                command.done(level == command.value ? .success(()) : .failure(OutputDriveError(mismatch)))
            } catch {
                command.done(.failure(OutputDriveError("\(sourceName): \(error)")))
            }
        }
        for read in Self.takeAll(reads) {
            guard let outputRequest else {
                read.done(.failure(OutputDriveError("\(sourceName) has no output lines requested")))
                continue
            }
            do {
                read.done(.success(Double(try outputLevel(read.offset, in: outputRequest))))
            } catch {
                read.done(.failure(OutputDriveError("\(sourceName): \(error)")))
            }
        }
    }

    /// Empties a queue of requests, keeping its storage for the next ones.
    private static func takeAll<T>(_ queue: borrowing Mutex<[T]>) -> [T] {
        queue.withLock { items in
            defer { items.removeAll(keepingCapacity: true) }
            return items
        }
    }

    /// The logical level the kernel reports for a requested output line.
    private func outputLevel(_ offset: Int, in request: GPIOLineRequest) throws -> Int {
        let levels = try request.values()
        guard let index = request.offsets.firstIndex(of: offset), index < levels.count else {
            throw GPIOError("line \(offset) is not among the requested outputs")
        }
        return levels[index]
    }

    func push(_ samples: UnsafeBufferPointer<Sample>, timestamp: Int64) {
        ring.pushFrame(samples, timestamp: timestamp)
        wake.signal()
    }

    /// A failed read on the owner thread, for status (the loop has logged it).
    func noteFailure(_ message: String) {
        let now = clock.wallNanoseconds()
        failures.withLock { $0 = ($0.count + 1, message, now) }
    }

    /// Copies the loop's per-line counters where status and the stop log read them.
    func publishCounters(_ states: [InputLineState]) {
        counterSnapshot.withLock { snapshot in
            for (i, line) in states.enumerated() where i < snapshot.count {
                snapshot[i].events = line.events
                snapshot[i].edges = line.edges
                snapshot[i].sequenceGaps = line.sequenceGaps
            }
        }
    }
}

extension GPIOChipOwner {
    /// Where each counted line's `_count` point is, by the line's point index, for `source`.
    func counterPoints(source: Int) -> [Int: Int] {
        if case .gpio(let inputs) = sources[source].kind { return inputs.counterPoints }
        return [:]
    }
}

extension GPIOChipOwner: FrameSourceStatusReporting {
    /// Per GPIO source on this chip: `ok`, or `failing` after a recent failed read; errors are failed
    /// reads plus the events the kernel dropped (v2 sequence gaps), so lost edges show.
    public func sourceStatuses() -> [FrameSourceStatus] {
        let counters = lineCounters
        let failed = failures.withLock { $0 }
        let recentlyFailed = failed.at.map { clock.wallNanoseconds() - $0 < 60_000_000_000 } ?? false
        var bySource: [Int: UInt64] = [:]
        for (index, item) in plan.enumerated() where index < counters.count {
            bySource[item.source, default: 0] += counters[index].sequenceGaps
        }
        return bySource.keys.sorted().map { source in
            let gaps = bySource[source] ?? 0
            let gapText = gaps > 0 ? "the kernel dropped \(gaps) edge event\(gaps == 1 ? "" : "s") (sequence gaps)" : nil
            return FrameSourceStatus(
                // A read that failed in the last minute makes the source `failing`; older ones
                // stay counted and shown.
                source: source, state: recentlyFailed ? "failing" : "ok", errors: failed.count + gaps,
                lastError: failed.last ?? gapText, lastErrorAt: failed.at)
        }
    }
}
