public import EdgeConfig
public import EdgeCore
import Synchronization

/// The simulated board's devices and GPIO, driven by one owner thread: simulated devices
/// produce a reading per interval, simulated input lines toggle on their schedule, and
/// outputs record what is driven onto them. Everything goes into the ring like real
/// acquisition does, so the rest of the agent cannot tell the difference.
public final class SimulatedBoard: @unchecked Sendable {
    private let config: AgentConfig
    private let ring: SampleRing
    private let wake: WakeSignal
    private let clock: any EdgeClock
    private let stopFlag = Atomic<Bool>(false)
    private var thread: OwnerThread?
    private let outputStates: Mutex<[String: Double]>

    /// Creates the simulation for `config`, feeding `ring` and signalling `wake` after each batch.
    public init(config: AgentConfig, ring: SampleRing, wake: WakeSignal, clock: any EdgeClock) {
        self.config = config
        self.ring = ring
        self.wake = wake
        self.clock = clock
        outputStates = Mutex(Dictionary(uniqueKeysWithValues: config.outputs.map { ($0.id, $0.safeValue) }))
    }

    /// The value last driven on each output (initially its safe value).
    public var outputs: [String: Double] { outputStates.withLock { $0 } }

    /// Sets a simulated output line; the OutputController has already checked the envelope.
    public func drive(output id: String, value: Double) {
        outputStates.withLock { $0[id] = value }
    }

    /// Starts the owner thread.
    public func start() throws(FileError) {
        let schedule = Schedule(config: config, start: clock.monotonicNanoseconds())
        thread = try OwnerThread(name: "sim-board") { [self] in run(schedule) }
    }

    /// Stops the owner thread and waits for it.
    public func stop() {
        stopFlag.store(true, ordering: .releasing)
        thread?.join()
        thread = nil
    }

    /// What fires next for each source, computed once from the config.
    struct Schedule {
        var next: [Int64]
        var periods: [Int64]
        var lineStates: [[Double]]
        var lastValues: [[Double?]]
        let start: Int64

        init(config: AgentConfig, start: Int64) {
            self.start = start
            periods = config.sources.map { source in
                switch source.kind {
                case .simulated(let d): d.intervalNanoseconds
                case .gpio(let g): g.lines.compactMap(\.simulateToggleNanoseconds).min() ?? Int64.max
                case .modbus: Int64.max  // polled by its bus owner, not simulated
                }
            }
            // Every simulated source reports at once, so the demo shows data right after start.
            next = config.sources.map { if case .modbus = $0.kind { Int64.max } else { start } }
            lineStates = config.sources.map { Array(repeating: 0, count: $0.pointNames.count) }
            lastValues = config.sources.map { Array(repeating: nil, count: $0.pointNames.count) }
        }
    }

    private func run(_ initial: Schedule) {
        var schedule = initial
        var rng = SplitMix64(state: 0x5EED)
        while !stopFlag.load(ordering: .acquiring) {
            let now = clock.monotonicNanoseconds()
            var produced = false
            for (index, source) in config.sources.enumerated() where schedule.next[index] <= now {
                let wall = clock.wallNanoseconds()
                let elapsed = now - schedule.start
                switch source.kind {
                case .modbus:
                    continue
                case .simulated(let device):
                    for (p, point) in device.points.enumerated() {
                        let random = Double(rng.next() >> 11) / Double(1 << 53)
                        let v = point.waveform.value(at: elapsed, previous: schedule.lastValues[index][p], random: random)
                        schedule.lastValues[index][p] = v
                        _ = ring.push(Sample(source: UInt16(index), point: UInt16(p), timestamp: wall, value: v))
                    }
                case .gpio(let inputs):
                    // The first pass reports every line's initial level, as reading a real chip would.
                    for (p, line) in inputs.lines.enumerated() {
                        let first = schedule.lastValues[index][p] == nil
                        let level = line.simulateToggleNanoseconds.map { Double((elapsed / $0) % 2) } ?? 0
                        if first || level != schedule.lineStates[index][p] {
                            schedule.lineStates[index][p] = level
                            schedule.lastValues[index][p] = level
                            _ = ring.push(Sample(source: UInt16(index), point: UInt16(p), timestamp: wall, value: level))
                        }
                    }
                }
                produced = true
                let period = schedule.periods[index]
                schedule.next[index] = period == Int64.max ? Int64.max : Swift.max(schedule.next[index] + period, now + 1)
            }
            if produced { wake.signal() }
            let soonest = schedule.next.min() ?? Int64.max
            // Sleep until the next reading, but wake at least every 50 ms to notice a stop request.
            threadSleep(nanoseconds: Swift.min(Swift.max(soonest - clock.monotonicNanoseconds(), 0), 50_000_000))
        }
    }
}
