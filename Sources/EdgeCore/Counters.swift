public import Synchronization

/// A count of events that any thread may bump and any thread may read (samples read, polls
/// failed, messages sent), for status output and metrics. One relaxed atomic add per event, no
/// lock, no allocation: cheap enough for per-sample paths.
public final class EventCounter: Sendable {
    @usableFromInline let storage: Atomic<UInt64>

    /// Creates a counter starting at `initial`.
    public init(_ initial: UInt64 = 0) {
        storage = Atomic(initial)
    }

    /// Adds `amount` (default 1); wraps around at `UInt64.max` instead of trapping.
    @inlinable
    public func increment(by amount: UInt64 = 1) {
        storage.wrappingAdd(amount, ordering: .relaxed)
    }

    /// The current count. Relaxed: counters are reports, never used to order other memory.
    @inlinable
    public var value: UInt64 {
        storage.load(ordering: .relaxed)
    }

    /// Returns the count and sets it back to zero in one step, for per-interval rates.
    @inlinable
    public func take() -> UInt64 {
        storage.exchange(0, ordering: .relaxed)
    }
}
