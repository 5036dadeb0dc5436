#if canImport(Glibc)
    import Glibc
#endif

/// A mutex with a condition variable on `CLOCK_MONOTONIC`, for the owner thread's mailbox:
/// `Synchronization.Mutex` has no way to sleep until signalled or until a deadline.
public final class ConditionLock: @unchecked Sendable {
    // Heap-allocated because pthread objects must not move, which Swift values may.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    /// Creates an unlocked lock with its condition on the monotonic clock.
    public init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` with the lock held.
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// With the lock held: sleeps until signalled or `nanoseconds` have passed (spurious wake-ups
    /// are the caller's to handle, by re-checking its condition).
    public func wait(nanoseconds: Int64) {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let target = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec) + max(0, nanoseconds)
        var deadline = timespec(tv_sec: Int(target / 1_000_000_000), tv_nsec: Int(target % 1_000_000_000))
        _ = pthread_cond_timedwait(condition, mutex, &deadline)
    }

    /// Wakes the waiting thread.
    public func signal() {
        pthread_cond_broadcast(condition)
    }
}
