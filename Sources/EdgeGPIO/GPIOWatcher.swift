public import EdgeCore

#if canImport(Glibc)
    import Glibc
#endif

/// One edge as `edgeflow gpio watch` shows it.
public struct GPIOWatchedEdge: Sendable, Equatable {
    /// The line as the person named it.
    public var line: String
    /// Rising or falling, after debounce.
    public var rising: Bool
    /// The kernel's timestamp of the edge (`CLOCK_MONOTONIC` ns).
    public var kernelNanoseconds: Int64
    /// The same instant on the wall clock (ns since 1970).
    public var wallNanoseconds: Int64
    /// Raw events the kernel delivered for this line so far (bounces included).
    public var events: UInt64
}

/// Watches lines on one chip for `edgeflow gpio watch`: the same debounce rules as the agent
/// (kernel debounce on the v2 API, the same software debouncer on v1), edges of the kinds asked
/// for, until a count, a deadline or a stop descriptor becomes readable (Ctrl-C).
public struct GPIOWatcher {
    let request: GPIOLineRequest
    let names: [String]
    let edge: String
    var states: [InputLineState]

    /// Requests `lines` (offsets on `chip`, named `names`) for edge events with `bias` and
    /// `debounceNanoseconds`.
    public init(
        chip: GPIOChip, offsets: [Int], names: [String], edge: String, bias: String, activeLow: Bool,
        debounceNanoseconds: Int64
    ) throws(GPIOError) {
        let kernel = GPIOLibrary.kernelDebounce
        let requests = offsets.map {
            GPIOInputRequest(
                offset: $0, edge: "both", bias: bias, activeLow: activeLow,
                debounceMicroseconds: kernel ? UInt32(clamping: debounceNanoseconds / 1000) : 0)
        }
        request = try GPIOLineRequest.inputs(
            chip: chip, consumer: "edgeflow-watch", lines: requests, what: names.joined(separator: ", "))
        self.names = names
        self.edge = edge
        states = offsets.enumerated().map { index, offset in
            var state = InputLineState(
                source: 0, point: index, offset: offset, edge: edge, softwareDebounce: kernel ? 0 : debounceNanoseconds,
                counter: nil)
            state.kernelDebounce = kernel ? debounceNanoseconds / 1000 * 1000 : 0
            return state
        }
        let levels = try request.values()
        for i in states.indices { _ = states[i].polled(level: levels[i], at: 0) }
    }

    /// The lines' current logical levels.
    public func levels() throws(GPIOError) -> [Int] { try request.values() }

    /// Calls `onEdge` for each edge until `count` edges (nil = no limit), `deadline` (monotonic
    /// ns, nil = none) or `stopDescriptor` becomes readable. Returns the number of edges seen.
    public mutating func watch(
        count: Int?, deadline: Int64?, stopDescriptor: Int32, clock: any EdgeClock = SystemClock(),
        onEdge: (GPIOWatchedEdge) -> Void
    ) throws(GPIOError) -> Int {
        var seen = 0
        var events: [GPIOEdgeEvent] = []
        var fds = [pollfd(fd: stopDescriptor, events: Int16(POLLIN), revents: 0)]
        for fd in request.eventDescriptors { fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
        func deliver(_ i: Int, _ level: Int, at kernel: Int64, into seen: inout Int) {
            let rising = level == 1
            guard edge == "both" || (edge == "rising") == rising else { return }
            let wall = clock.wallNanoseconds() - (clock.monotonicNanoseconds() - kernel)
            onEdge(
                GPIOWatchedEdge(
                    line: names[i], rising: rising, kernelNanoseconds: kernel, wallNanoseconds: wall, events: states[i].events))
            seen += 1
        }
        while count.map({ seen < $0 }) ?? true {
            let now = clock.monotonicNanoseconds()
            if let deadline, now >= deadline { break }
            var wakeAt = deadline ?? Int64.max
            for s in states { if let at = s.settleAt { wakeAt = min(wakeAt, at) } }
            let timeout: Int32 = wakeAt == Int64.max ? -1 : Int32(clamping: max(0, (wakeAt - now + 999_999) / 1_000_000))
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready < 0 && errno != EINTR { throw GPIOError.system("poll failed", errno: errno) }
            if ready > 0 && fds[0].revents != 0 { break }
            for f in 1..<fds.count where ready > 0 && fds[f].revents != 0 {
                events.removeAll(keepingCapacity: true)
                _ = try request.readEvents(descriptor: fds[f].fd, into: &events)
                for event in events {
                    guard let i = states.firstIndex(where: { $0.offset == event.offset }) else { continue }
                    if let level = states[i].raw(event) { deliver(i, level, at: states[i].edgeTime(of: event), into: &seen) }
                }
            }
            let after = clock.monotonicNanoseconds()
            if states.contains(where: { ($0.settleAt ?? Int64.max) <= after }) {
                let levels = try request.values()
                for i in states.indices where (states[i].settleAt ?? Int64.max) <= after {
                    if let level = states[i].settle(level: levels[i]) { deliver(i, level, at: states[i].settleTimestamp, into: &seen) }
                }
            }
        }
        return seen
    }
}
