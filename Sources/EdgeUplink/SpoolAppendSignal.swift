public import EdgeCore

/// Tells the uplink that records were appended, and when: a counter it can wait on, and the
/// monotonic append time of the most recent records.
///
/// The appender only takes a short lock to bump the counter and store one time, then
/// broadcasts; no I/O happens under that lock, so a busy uplink can never hold up `append`.
/// The times let a batch window open at its first record's append time rather than at the
/// moment the uplink happened to look (which used to add up to a poll interval of delay).
public final class SpoolAppendSignal: @unchecked Sendable {
    // @unchecked: every field is read and written with `lock` held.
    private let lock = ConditionLock()
    private var count: UInt64 = 0
    /// Ring of (sequence, monotonic append time), indexed by sequence modulo its size. Older
    /// records have no entry: by then they are a backlog, whose batch is due at once anyway.
    private var sequences: [UInt64]
    private var times: [Int64]
    /// Per remembered record: its payload bytes, and the payload bytes appended through it
    /// since this signal was made, so the bytes of a run of records cost two look-ups.
    private var sizes: [Int]
    private var totals: [Int]
    private var total = 0

    /// Creates a signal that remembers the append times of the last `capacity` records.
    public init(capacity: Int = 4096) {
        sequences = [UInt64](repeating: 0, count: max(1, capacity))
        times = [Int64](repeating: 0, count: max(1, capacity))
        sizes = [Int](repeating: 0, count: max(1, capacity))
        totals = [Int](repeating: 0, count: max(1, capacity))
    }

    /// The number of wake-ups so far (appends and `wake()` calls); pass it to `wait`.
    public var current: UInt64 { lock.withLock { count } }

    /// Records that `sequence`, of `bytes` payload bytes, was appended at monotonic time
    /// `monotonic` and wakes waiters.
    public func appended(_ sequence: UInt64, at monotonic: Int64, bytes: Int = 0) {
        lock.withLock {
            let slot = Int(sequence % UInt64(sequences.count))
            total &+= bytes
            sequences[slot] = sequence
            times[slot] = monotonic
            sizes[slot] = bytes
            totals[slot] = total
            count &+= 1
        }
        lock.signal()
    }

    /// The payload bytes of records `first` through `last`, when both are still remembered
    /// (so the uplink can tell a batch is full without reading it from disk).
    public func payloadBytes(from first: UInt64, through last: UInt64) -> Int? {
        lock.withLock {
            let a = Int(first % UInt64(sequences.count))
            let b = Int(last % UInt64(sequences.count))
            guard first != 0, first <= last, sequences[a] == first, sequences[b] == last else { return nil }
            return totals[b] - totals[a] + sizes[a]
        }
    }

    /// Wakes waiters without an append: a stop or reconnect request that must be seen at once.
    public func wake() {
        lock.withLock { count &+= 1 }
        lock.signal()
    }

    /// The monotonic append time of `sequence`, or nil when it is no longer (or never was)
    /// remembered: recovered from disk at start, or older than the ring.
    public func appendTime(of sequence: UInt64) -> Int64? {
        lock.withLock {
            let slot = Int(sequence % UInt64(sequences.count))
            return sequences[slot] == sequence && sequence != 0 ? times[slot] : nil
        }
    }

    /// Waits until the counter moves past `seen` or `nanoseconds` pass (real monotonic time);
    /// returns the counter. Returns at once when it has already moved.
    @discardableResult
    public func wait(after seen: UInt64, nanoseconds: Int64) -> UInt64 {
        lock.withLock {
            if count == seen && nanoseconds > 0 { lock.wait(nanoseconds: nanoseconds) }
            return count
        }
    }
}
