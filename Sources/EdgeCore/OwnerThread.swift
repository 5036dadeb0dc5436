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

/// A counting wake-up signal between threads (a POSIX semaphore): producers signal after
/// pushing a batch; the consumer sleeps in the kernel instead of spinning, so an idle agent
/// uses no CPU.
public final class WakeSignal: @unchecked Sendable {
    private let semaphore: UnsafeMutablePointer<sem_t>

    /// Creates a signal with no pending wake-ups.
    public init() {
        semaphore = .allocate(capacity: 1)
        sem_init(semaphore, 0, 0)
    }

    deinit {
        sem_destroy(semaphore)
        semaphore.deallocate()
    }

    /// Wakes one waiter.
    public func signal() { sem_post(semaphore) }

    /// Waits until signalled or `timeoutNanoseconds` pass; returns true when signalled.
    @discardableResult
    public func wait(timeoutNanoseconds: Int64) -> Bool {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let total = Int64(ts.tv_nsec) + timeoutNanoseconds
        ts.tv_sec += Int(total / 1_000_000_000)
        ts.tv_nsec = Int(total % 1_000_000_000)
        while true {
            if sem_timedwait(semaphore, &ts) == 0 { return true }
            if errno != EINTR { return false }
        }
    }
}

/// Sleeps the calling (owner) thread; never call this from async code.
public func threadSleep(nanoseconds: Int64) {
    guard nanoseconds > 0 else { return }
    var ts = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&ts, &remaining) != 0 && errno == EINTR { ts = remaining }
}
