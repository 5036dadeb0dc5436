import EdgeCore

#if canImport(Glibc)
    import Glibc
#endif

/// The owner thread's loop for one chip: sleep in poll(2) until an edge, a write request or the
/// next deadline (a debounce settling, a polled read, the pulse-rate report); then turn what
/// happened into frames. Buffers are allocated once, so an edge costs no allocation.
struct OwnerLoop {
    let owner: GPIOChipOwner
    private var frame: [Sample]
    private var events: [GPIOEdgeEvent] = []
    private var descriptors: [pollfd]
    private var indexByOffset: [Int: Int] = [:]
    private var nextPoll: [Int64]
    private var polledSources: Set<Int> = []
    private var nextRateReport = Int64.max
    private var lastRates: [Double]
    private let counterPoints: [[Int: Int]]
    private var wasAcquiring = false
    /// The lines' states, owned by this loop (so an edge updates one element in place).
    private var states: [InputLineState]
    /// Per source: how often its `edge: none` lines are read.
    private let pollIntervals: [Int64]
    private let clock: any EdgeClock
    private static let ratePeriod: Int64 = 1_000_000_000

    init(owner: GPIOChipOwner) {
        self.owner = owner
        clock = owner.loopClock
        states = owner.initialLineStates
        pollIntervals = owner.pollIntervals
        frame = Array(repeating: Sample(source: 0, point: 0, timestamp: 0, value: 0), count: owner.longestSource + 2)
        events.reserveCapacity(64)
        descriptors = [pollfd(fd: owner.wakeDescriptor, events: Int16(POLLIN), revents: 0)]
        for fd in owner.inputs?.eventDescriptors ?? [] {
            descriptors.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
        }
        for (i, line) in states.enumerated() {
            indexByOffset[line.offset] = i
            if line.edge == "none" { polledSources.insert(line.source) }
        }
        nextPoll = pollIntervals.map { _ in Int64.max }
        lastRates = states.map { _ in -1 }
        counterPoints = pollIntervals.indices.map { owner.counterPoints(source: $0) }
    }

    mutating func run() {
        while !owner.isStopping {
            let acquiring = owner.isAcquiring
            if acquiring && !wasAcquiring { begin() }
            wasAcquiring = acquiring
            owner.runCommands()
            let now = clock.monotonicNanoseconds()
            let deadline = acquiring ? nextDeadline() : Int64.max
            // Round up so a deadline 0.3 ms away does not become a busy spin of zero timeouts.
            let timeout: Int32 =
                deadline == Int64.max ? 1000 : Int32(clamping: max(0, (deadline - now + 999_999) / 1_000_000))
            let ready = poll(&descriptors, nfds_t(descriptors.count), min(timeout, 1000))
            if ready > 0 {
                if descriptors[0].revents != 0 { owner.drainWake() }
                for i in 1..<descriptors.count where descriptors[i].revents != 0 {
                    readEvents(descriptors[i].fd, deliver: acquiring)
                }
            }
            if acquiring {
                settleDue()
                pollDue()
                reportRates()
            }
            owner.publishCounters(states)
        }
    }

    private func nextDeadline() -> Int64 {
        var soonest = nextRateReport
        for line in states { if let at = line.settleAt { soonest = min(soonest, at) } }
        for at in nextPoll { soonest = min(soonest, at) }
        return soonest
    }

    /// Acquisition starts: edges queued before now are dropped and every line's level is
    /// reported once, so consumers start from the chip's actual state.
    private mutating func begin() {
        // Event descriptors block on read, so only those poll(2) reports ready are read.
        if descriptors.count > 1, poll(&descriptors, nfds_t(descriptors.count), 0) > 0 {
            for i in 1..<descriptors.count where descriptors[i].revents != 0 { readEvents(descriptors[i].fd, deliver: false) }
        }
        let now = clock.monotonicNanoseconds()
        guard let levels = readLevels() else { return }
        var bySource: [Int: [Int]] = [:]
        for i in states.indices {
            _ = states[i].polled(level: levels[i], at: now)
            states[i].settleAt = nil
            bySource[states[i].source, default: []].append(i)
        }
        for (source, lines) in bySource.sorted(by: { $0.key < $1.key }) {
            emit(source: source, lines: lines, kernelTime: now, withLevels: true)
        }
        for s in polledSources { nextPoll[s] = now + pollIntervals[s] }
        if states.contains(where: { $0.counter != nil }) { nextRateReport = now + Self.ratePeriod }
    }

    private mutating func readEvents(_ fd: Int32, deliver: Bool) {
        events.removeAll(keepingCapacity: true)
        do {
            _ = try owner.inputs?.readEvents(descriptor: fd, into: &events)
        } catch {
            owner.loopLogger.error("gpio event read failed", metadata: ["chip": "\(owner.label)", "error": "\(error)"])
            owner.noteFailure("\(error)")
            return
        }
        guard deliver else { return }
        for event in events {
            guard let i = indexByOffset[event.offset] else { continue }
            if states[i].raw(event) != nil {
                emit(source: states[i].source, lines: CollectionOfOne(i), kernelTime: states[i].edgeTime(of: event), withLevels: true)
            }
        }
    }

    private mutating func settleDue() {
        let now = clock.monotonicNanoseconds()
        guard states.contains(where: { ($0.settleAt ?? Int64.max) <= now }), let levels = readLevels() else { return }
        for i in states.indices where (states[i].settleAt ?? Int64.max) <= now {
            if states[i].settle(level: levels[i]) != nil {
                emit(source: states[i].source, lines: CollectionOfOne(i), kernelTime: states[i].settleTimestamp, withLevels: true)
            }
        }
    }

    private mutating func pollDue() {
        let now = clock.monotonicNanoseconds()
        guard nextPoll.contains(where: { $0 <= now }), let levels = readLevels() else { return }
        for source in polledSources where nextPoll[source] <= now {
            var changed: [Int] = []
            for i in states.indices where states[i].source == source && states[i].edge == "none" {
                if states[i].polled(level: levels[i], at: now) != nil { changed.append(i) }
            }
            if !changed.isEmpty { emit(source: source, lines: changed, kernelTime: now, withLevels: true) }
            nextPoll[source] = max(nextPoll[source] + pollIntervals[source], now + 1)
        }
    }

    /// Once a second, a counted line whose rate moved reports its count and rate (the rate of a
    /// meter that stopped must fall to zero without an edge to carry it).
    private mutating func reportRates() {
        let now = clock.monotonicNanoseconds()
        guard now >= nextRateReport else { return }
        nextRateReport = now + Self.ratePeriod
        for i in states.indices where states[i].counter != nil {
            let rate = states[i].counter?.rate(at: now) ?? 0
            if rate != lastRates[i] {
                emit(source: states[i].source, lines: CollectionOfOne(i), kernelTime: now, withLevels: false)
            }
        }
    }

    private func readLevels() -> [Int]? {
        do {
            return try owner.inputs?.values()
        } catch {
            owner.loopLogger.error("gpio read failed", metadata: ["chip": "\(owner.label)", "error": "\(error)"])
            owner.noteFailure("\(error)")
            return nil
        }
    }

    /// Pushes one frame for `source`: the given lines' levels (unless only counters moved) and
    /// each counted line's count and rate, stamped with the kernel's time of the edge.
    private mutating func emit(source: Int, lines: some Collection<Int>, kernelTime: Int64, withLevels: Bool) {
        let wall = clock.wallNanoseconds() - (clock.monotonicNanoseconds() - kernelTime)
        var n = 0
        for i in lines {
            let state = states[i]
            if withLevels, let level = state.reported {
                frame[n] = Sample(source: UInt16(source), point: UInt16(state.point), timestamp: wall, value: Double(level))
                n += 1
            }
            if let c = counterPoints[source][state.point], var counter = state.counter {
                let rate = counter.rate(at: kernelTime)
                states[i].counter = counter
                lastRates[i] = rate
                frame[n] = Sample(source: UInt16(source), point: UInt16(c), timestamp: wall, value: counter.count)
                frame[n + 1] = Sample(source: UInt16(source), point: UInt16(c + 1), timestamp: wall, value: rate)
                n += 2
            }
        }
        guard n > 0 else { return }
        // The frame's samples must be in point order, as the assembler expects.
        frame[0..<n].sort { $0.point < $1.point }
        frame.withUnsafeBufferPointer { owner.push(UnsafeBufferPointer(rebasing: $0[0..<n]), timestamp: wall) }
    }
}
