import EdgeCore
import Synchronization

/// A value set from another thread (a driver's completion, a worker's result) and awaited by a
/// test with a bounded, monotonic deadline.
public final class Slot<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)
    private let signal = WakeSignal()

    /// Creates an empty slot.
    public init() {}

    /// Sets the value and wakes a waiter.
    public func set(_ newValue: Value) {
        value.withLock { $0 = newValue }
        signal.signal()
    }

    /// The value, if set.
    public var current: Value? { value.withLock { $0 } }

    /// Waits (at most `timeoutNanoseconds`) until a value was set; nil when none came.
    public func wait(timeoutNanoseconds: Int64 = 5_000_000_000) -> Value? {
        let deadline = MonotonicDeadline(after: timeoutNanoseconds)
        while true {
            if let v = current { return v }
            let left = deadline.remaining
            if left <= 0 { return nil }
            signal.wait(timeoutNanoseconds: left)
        }
    }
}
