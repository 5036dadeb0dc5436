#if canImport(Glibc)
    public import Glibc
#endif
import Synchronization

/// Where time comes from. Anything with timeouts, batching windows, schedules or backoff
/// takes one, so tests move time by hand instead of sleeping.
public protocol EdgeClock: Sendable {
    /// Wall-clock time in nanoseconds since the Unix epoch (timestamps of samples and events).
    func wallNanoseconds() -> Int64
    /// Monotonic time in nanoseconds from an arbitrary origin (intervals, timeouts).
    func monotonicNanoseconds() -> Int64
}

/// The real clocks of the machine.
public struct SystemClock: EdgeClock {
    /// Creates the system clock.
    public init() {}

    /// `CLOCK_REALTIME` in nanoseconds.
    @inlinable
    public func wallNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) &* 1_000_000_000 &+ Int64(ts.tv_nsec)
    }

    /// `CLOCK_MONOTONIC` in nanoseconds.
    @inlinable
    public func monotonicNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) &* 1_000_000_000 &+ Int64(ts.tv_nsec)
    }
}

/// A clock that only moves when told to; for tests of anything time-driven.
public final class ManualClock: EdgeClock {
    private let wall: Atomic<Int64>
    private let mono: Atomic<Int64>

    /// Creates a manual clock at the given wall time (default 2026-01-01T00:00:00Z).
    public init(wallNanoseconds: Int64 = 1_767_225_600_000_000_000) {
        wall = Atomic(wallNanoseconds)
        mono = Atomic(0)
    }

    /// The current manual wall time.
    public func wallNanoseconds() -> Int64 { wall.load(ordering: .acquiring) }
    /// The current manual monotonic time.
    public func monotonicNanoseconds() -> Int64 { mono.load(ordering: .acquiring) }

    /// Moves both clocks forward.
    public func advance(nanoseconds: Int64) {
        wall.add(nanoseconds, ordering: .acquiringAndReleasing)
        mono.add(nanoseconds, ordering: .acquiringAndReleasing)
    }
}
