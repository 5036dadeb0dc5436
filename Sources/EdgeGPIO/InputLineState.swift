import EdgeCore

/// One input line's view between the kernel and the frames: the level last reported, software
/// debounce, the line's counters and its pulse counter. Pure state driven by explicit times, so
/// the rules are tested without a chip.
struct InputLineState: Sendable {
    /// Which source and point the line feeds.
    let source: Int
    let point: Int
    let offset: Int
    /// The line's `edge` setting (`none` lines are polled).
    let edge: String
    /// Software debounce in ns, 0 when none is asked or the kernel debounces.
    let softwareDebounce: Int64
    /// Kernel debounce in ns (v2 API). The kernel stamps a debounced edge when the line has held
    /// still for this long, so the edge itself happened this much earlier.
    var kernelDebounce: Int64 = 0
    /// The logical level last reported in a frame; nil before the first read.
    var reported: Int?
    /// When the software debouncer will look at the line again (monotonic ns).
    var settleAt: Int64?
    /// The kernel timestamp of the last raw edge while settling, stamped on the debounced edge.
    var settleTimestamp: Int64 = 0
    /// Counters: raw kernel events, edges reported after debounce, and events the kernel lost
    /// (gaps in its per-line sequence numbers, v2 API only).
    var events: UInt64 = 0
    var edges: UInt64 = 0
    var sequenceGaps: UInt64 = 0
    var lastSequence: UInt64 = 0
    var counter: PulseCounter?

    init(source: Int, point: Int, offset: Int, edge: String, softwareDebounce: Int64, counter: PulseCounter?) {
        self.source = source
        self.point = point
        self.offset = offset
        self.edge = edge
        self.softwareDebounce = softwareDebounce
        self.counter = counter
    }

    /// A raw kernel event. Returns the logical level to report now, or nil (no change, or the
    /// debouncer waits until `settleAt` and `settle` decides).
    mutating func raw(_ event: GPIOEdgeEvent) -> Int? {
        events += 1
        if event.lineSequence != 0 {
            if lastSequence != 0, event.lineSequence > lastSequence + 1 { sequenceGaps += event.lineSequence - lastSequence - 1 }
            lastSequence = event.lineSequence
        }
        if softwareDebounce > 0 {
            // Every bounce pushes the decision back: the level reported is the one that held.
            settleAt = event.timestampNanoseconds + softwareDebounce
            settleTimestamp = event.timestampNanoseconds
            return nil
        }
        return report(event.rising ? 1 : 0, at: event.timestampNanoseconds - kernelDebounce)
    }

    /// The time an edge reported now happened: the last raw edge for software debounce, the
    /// kernel's stamp less its debounce period otherwise.
    func edgeTime(of event: GPIOEdgeEvent) -> Int64 {
        softwareDebounce > 0 ? settleTimestamp : event.timestampNanoseconds - kernelDebounce
    }

    /// The debouncer's look at the line once it held still: `level` is what the line reads now.
    mutating func settle(level: Int) -> Int? {
        settleAt = nil
        return report(level, at: settleTimestamp)
    }

    /// A level read by polling (or at start): reported when it differs from the last one.
    mutating func polled(level: Int, at timestamp: Int64) -> Int? {
        report(level, at: timestamp)
    }

    private mutating func report(_ level: Int, at timestamp: Int64) -> Int? {
        guard level != reported else { return nil }
        let isEdge = reported != nil
        reported = level
        guard isEdge else { return level }
        edges += 1
        let counted =
            switch edge {
            case "rising": level == 1
            case "falling": level == 0
            default: true
            }
        if counted { counter?.pulse(at: timestamp) }
        return level
    }
}
