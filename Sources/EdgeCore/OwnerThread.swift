#if canImport(Glibc)
    import Glibc
#endif

/// A dedicated OS thread that owns a blocking resource (a serial bus, a GPIO chip, the
/// consumer of the ring). Blocking C calls run here, never on Swift's cooperative pool.
public final class OwnerThread: @unchecked Sendable {
    private var thread = pthread_t()
    private let started: Bool

    /// Starts a thread running `body`; `name` appears in errors.
    public init(name: String, _ body: @escaping @Sendable () -> Void) throws(FileError) {
        let box = Unmanaged.passRetained(Box(body: body))
        let rc = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let box = Unmanaged<Box>.fromOpaque(raw).takeRetainedValue()
            box.body()
            return nil
        }, box.toOpaque())
        if rc != 0 {
            box.release()
            throw FileError(operation: "start thread", path: name, errno: rc)
        }
        started = true
    }

    /// Waits for the thread to finish; call once, after asking it to stop.
    public func join() {
        guard started else { return }
        pthread_join(thread, nil)
    }

    private final class Box {
        let body: @Sendable () -> Void
        init(body: @escaping @Sendable () -> Void) {
            self.body = body
        }
    }
}

/// A counting wake-up signal between threads: producers signal after pushing a batch; the
/// consumer sleeps in the kernel instead of spinning, so an idle agent uses no CPU. Waits are
/// measured on `CLOCK_MONOTONIC` (through `ConditionLock`), so a wall-clock step (NTP at boot on
/// a board without an RTC) neither stretches nor cuts a wait short.
public final class WakeSignal: @unchecked Sendable {
    // `pending` is guarded by `lock`.
    private let lock = ConditionLock()
    private var pending = 0

    /// Creates a signal with no pending wake-ups.
    public init() {}

    /// Wakes one waiter (or the next one to wait).
    public func signal() {
        lock.withLock { pending += 1 }
        lock.signal()
    }

    /// Waits until signalled or `timeoutNanoseconds` pass; returns true when signalled.
    @discardableResult
    public func wait(timeoutNanoseconds: Int64) -> Bool {
        let deadline = MonotonicDeadline(after: timeoutNanoseconds)
        return lock.withLock {
            while pending == 0 {
                let left = deadline.remaining
                if left <= 0 { return false }
                lock.wait(nanoseconds: left)
            }
            pending -= 1
            return true
        }
    }
}

/// A point in `CLOCK_MONOTONIC` time, for bounded waits on owner threads.
public struct MonotonicDeadline: Sendable {
    /// The deadline, in monotonic nanoseconds.
    public let nanoseconds: Int64

    /// The deadline `nanoseconds` from now.
    public init(after nanoseconds: Int64) {
        self.nanoseconds = SystemClock().monotonicNanoseconds() &+ Swift.max(0, nanoseconds)
    }

    /// Nanoseconds left (0 or less once passed).
    public var remaining: Int64 { nanoseconds &- SystemClock().monotonicNanoseconds() }
}

/// Sleeps the calling (owner) thread; never call this from async code. `nanosleep` measures a
/// relative interval on `CLOCK_MONOTONIC`, so wall-clock steps do not affect it.
public func threadSleep(nanoseconds: Int64) {
    guard nanoseconds > 0 else { return }
    var ts = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&ts, &remaining) != 0 && errno == EINTR { ts = remaining }
}
