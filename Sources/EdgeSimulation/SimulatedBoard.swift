public import EdgeConfig
public import EdgeCore
public import EdgePipeline
import Synchronization

/// The simulated board's devices and GPIO, driven by one owner thread: simulated devices
/// produce a frame per interval, simulated input lines toggle on their schedule (with the
/// line's bias, active-low and debounce applied as a chip would), and outputs record what is
/// driven onto them. Frames go into the ring like real acquisition, so the rest of the agent
/// cannot tell the difference.
public final class SimulatedBoard: FrameSource, OutputDriver, @unchecked Sendable {
    // @unchecked: `thread` is touched by the lifecycle calls only (one caller at a time); the
    // rest is immutable or behind atomics and mutexes.
    private let config: AgentConfig
    private let ring: SampleRing
    private let wake: WakeSignal
    private let clock: any EdgeClock
    private let stopFlag = Atomic<Bool>(false)
    private var thread: OwnerThread?
    private let outputStates: Mutex<[String: Double]>

    /// Creates the simulation for `config`, feeding `ring` and signalling `wake` after each frame.
    public init(config: AgentConfig, ring: SampleRing, wake: WakeSignal, clock: any EdgeClock) {
        self.config = config
        self.ring = ring
        self.wake = wake
        self.clock = clock
        outputStates = Mutex(Dictionary(uniqueKeysWithValues: config.outputs.map { ($0.id, $0.safeValue) }))
    }

    public var sourceName: String { "simulated board" }

    /// The value last driven on each output (initially its safe value).
    public var outputs: [String: Double] { outputStates.withLock { $0 } }

    /// Takes over the levels a previous board left on output lines that stay under a reloaded
    /// config, as real lines keep their level when the agent swaps its config.
    public func adopt(outputs values: [String: Double]) {
        outputStates.withLock { states in
            for (id, value) in values where states[id] != nil { states[id] = value }
        }
    }

    /// Sets a simulated output line (the controller has already checked the envelope); the
    /// line takes the value at once, so the write completes with success.
    public func drive(
        _ output: OutputConfig, value: Double, completion: @escaping @Sendable (Result<Void, OutputDriveError>) -> Void
    ) {
        outputStates.withLock { $0[output.id] = value }
        completion(.success(()))
    }

    /// Nothing to open: the simulation has no link.
    public func open() {}

    /// Starts the owner thread.
    public func startAcquisition() {
        guard thread == nil else { return }
        stopFlag.store(false, ordering: .releasing)
        let schedule = Schedule(config: config, start: clock.monotonicNanoseconds())
        // A thread that cannot start leaves the board silent; the status shows no frames.
        thread = try? OwnerThread(name: "sim-board") { [self] in run(schedule) }
    }

    /// Stops the owner thread and waits for it.
    public func stopAcquisition() {
        stopFlag.store(true, ordering: .releasing)
        thread?.join()
        thread = nil
    }

    /// Same as `stopAcquisition`: outputs need no link.
    public func close() { stopAcquisition() }

    /// What fires next for each source, computed once from the config.
    struct Schedule {
        var next: [Int64]
        var periods: [Int64]
        /// Per GPIO line: the level last reported and when the raw level last changed.
        var reported: [[Double?]]
        var lastValues: [[Double?]]
        /// Per GPIO line with a `counter`: its pulse counter, as a real chip owner keeps one.
        var counters: [[PulseCounter?]]
        /// Per source: where each counted line's `_count` point is.
        let counterPoints: [[Int: Int]]
        let start: Int64

        init(config: AgentConfig, start: Int64) {
            self.start = start
            periods = config.sources.map { source in
                switch source.kind {
                case .simulated(let d): d.intervalNanoseconds
                case .gpio(let g): SimulatedLine.period(of: g)
                case .modbus: Int64.max  // polled by its bus owner, not simulated
                }
            }
            // Every simulated source reports at once, so the demo shows data right after start.
            next = config.sources.map { if case .modbus = $0.kind { Int64.max } else { start } }
            reported = config.sources.map { Array(repeating: nil, count: $0.pointNames.count) }
            lastValues = config.sources.map { Array(repeating: nil, count: $0.pointNames.count) }
            counterPoints = config.sources.map { if case .gpio(let inputs) = $0.kind { inputs.counterPoints } else { [:] } }
            counters = config.sources.map { source in
                guard case .gpio(let inputs) = source.kind else { return [] }
                return inputs.lines.map { line in
                    line.counter.map {
                        PulseCounter(
                            scale: $0.scale, windowSeconds: Int($0.rateWindowNanoseconds / 1_000_000_000),
                            ratePerNanoseconds: $0.ratePerNanoseconds)
                    }
                }
            }
        }
    }

    private func run(_ initial: Schedule) {
        var schedule = initial
        var rng = SplitMix64(state: 0x5EED)
        let longest = config.sources.map(\.pointNames.count).max() ?? 0
        var frame = [Sample](repeating: Sample(source: 0, point: 0, timestamp: 0, value: 0), count: longest)
        // Count and rate samples of the counted lines, appended after the lines' own samples.
        var counterSamples = frame
        while !stopFlag.load(ordering: .acquiring) {
            let now = clock.monotonicNanoseconds()
            var produced = false
            for (index, source) in config.sources.enumerated() where schedule.next[index] <= now {
                let wall = clock.wallNanoseconds()
                let elapsed = now - schedule.start
                var count = 0
                switch source.kind {
                case .modbus:
                    continue
                case .simulated(let device):
                    for (p, point) in device.points.enumerated() {
                        let random = Double(rng.next() >> 11) / Double(1 << 53)
                        let v = point.waveform.value(at: elapsed, previous: schedule.lastValues[index][p], random: random)
                        schedule.lastValues[index][p] = v
                        frame[count] = Sample(source: UInt16(index), point: UInt16(p), timestamp: wall, value: v)
                        count += 1
                    }
                case .gpio(let inputs):
                    // The first pass reports every line's level, as reading a real chip would; then
                    // only lines whose debounced level changed are in the frame. A counted line
                    // adds its count and rate after the lines, as the chip owner does.
                    let counterPoints = schedule.counterPoints[index]
                    var counted = 0
                    for (p, line) in inputs.lines.enumerated() {
                        let level = SimulatedLine.level(of: line, at: elapsed)
                        let previous = schedule.reported[index][p]
                        if previous == nil || level != previous {
                            schedule.reported[index][p] = level
                            frame[count] = Sample(source: UInt16(index), point: UInt16(p), timestamp: wall, value: level)
                            count += 1
                            guard let c = counterPoints[p], var counter = schedule.counters[index][p] else { continue }
                            if let previous, line.edge == "both" || (line.edge == "rising") == (level > previous) {
                                counter.pulse(at: now)
                            }
                            // Counter points follow the lines in line order, so these stay sorted.
                            counterSamples[counted] = Sample(
                                source: UInt16(index), point: UInt16(c), timestamp: wall, value: counter.count)
                            counterSamples[counted + 1] = Sample(
                                source: UInt16(index), point: UInt16(c + 1), timestamp: wall, value: counter.rate(at: now))
                            counted += 2
                            schedule.counters[index][p] = counter
                        }
                    }
                    for i in 0..<counted { frame[count + i] = counterSamples[i] }
                    count += counted
                }
                if count > 0 {
                    frame.withUnsafeBufferPointer { ring.pushFrame(UnsafeBufferPointer(rebasing: $0[0..<count]), timestamp: wall) }
                    produced = true
                }
                if case .gpio(let inputs) = source.kind {
                    // Wake exactly when the next debounced level change is due.
                    let next = inputs.lines.compactMap { SimulatedLine.nextChange(of: $0, after: elapsed) }.min()
                    schedule.next[index] = next.map { schedule.start + $0 } ?? Int64.max
                } else {
                    let period = schedule.periods[index]
                    schedule.next[index] =
                        period == Int64.max ? Int64.max : Swift.max(schedule.next[index] + period, now + 1)
                }
            }
            if produced { wake.signal() }
            let soonest = schedule.next.min() ?? Int64.max
            // Sleep until the next frame, but wake at least every 50 ms to notice a stop request.
            threadSleep(nanoseconds: Swift.min(Swift.max(soonest - clock.monotonicNanoseconds(), 0), 50_000_000))
        }
    }
}

/// How a simulated input line behaves, as the kernel would present it: the physical level
/// toggles every `simulate_toggle` (idle at the bias's level: high with `pull-up`, low
/// otherwise); `active_low` inverts what is reported; a change is reported only once the
/// physical level has been stable for `debounce`, so a debounce longer than the toggle period
/// suppresses the toggling entirely, as a real debouncer would.
enum SimulatedLine {
    /// The logical level of `line` at `elapsed` ns since the simulation started.
    static func level(of line: GPIOInputLine, at elapsed: Int64) -> Double {
        let idle: Int64 = line.bias == "pull-up" ? 1 : 0
        var physical = idle
        if let toggle = line.simulateToggleNanoseconds, toggle > 0 {
            // Debounce: the level seen is the one that has held for `debounce` up to now.
            let settled = elapsed - line.debounceNanoseconds
            if line.debounceNanoseconds >= toggle {
                physical = idle
            } else if settled >= 0 {
                physical = (idle + settled / toggle) % 2
            }
        }
        let logical = line.activeLow ? 1 - physical : physical
        return Double(logical)
    }

    /// When (elapsed ns) the reported level of `line` next changes after `elapsed`; nil = never.
    static func nextChange(of line: GPIOInputLine, after elapsed: Int64) -> Int64? {
        guard let toggle = line.simulateToggleNanoseconds, toggle > 0, line.debounceNanoseconds < toggle else {
            return nil
        }
        let d = line.debounceNanoseconds
        if elapsed < d { return d + toggle }
        return d + ((elapsed - d) / toggle + 1) * toggle
    }

    /// How often the line group needs a look: its fastest toggle (or never).
    static func period(of inputs: GPIOInputs) -> Int64 {
        inputs.lines.compactMap(\.simulateToggleNanoseconds).filter { $0 > 0 }.min() ?? Int64.max
    }
}
