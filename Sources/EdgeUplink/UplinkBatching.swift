import EdgeCore

/// The rule both uplinks use to close a batch: it goes when it is full (records or spooled
/// bytes), when its first record has waited the batch interval, or at once while stopping.
struct BatchWindow {
    let records: Int
    let bytes: Int
    let interval: Int64
    /// When the uplink first saw the oldest pending record (monotonic), nil when none waits.
    private var openedAt: Int64?

    init(records: Int, bytes: Int, interval: Int64) {
        self.records = records
        self.bytes = bytes
        self.interval = interval
    }

    /// nil when `pending` should be sent now; else when to look again, at most `poll` from now.
    mutating func wait(for pending: [SpoolRecord], now: Int64, stopping: Bool, poll: Int64) -> Int64? {
        let opened = openedAt ?? now
        openedAt = opened
        let size = pending.reduce(0) { $0 + $1.payload.count }
        let full = pending.count >= records || size >= bytes
        if full || stopping || now - opened >= interval { return nil }
        return min(opened + interval, now + poll)
    }

    /// The batch went out (or nothing waits): the next record opens a new window.
    mutating func close() { openedAt = nil }
}

/// Whether the `count`th occurrence of a recurring problem is logged: the 1st, 2nd, 4th, 8th...
/// so an outage is logged at its start and then sparsely, not once per attempt for hours.
func isSparseLogPoint<T: FixedWidthInteger>(_ count: T) -> Bool {
    count > 0 && count.nonzeroBitCount == 1
}

/// The refused batches kept under a dead-letter directory (`<first>-<last>.json`), oldest first.
public enum DeadLetters {
    /// File names of the kept batches, ordered by their first sequence number.
    public static func list(in directory: String) -> [String] {
        Files.list(directory).filter { $0.hasSuffix(".json") }.sorted {
            (UInt64($0.prefix { $0.isNumber }) ?? 0) < (UInt64($1.prefix { $0.isNumber }) ?? 0)
        }
    }
}
