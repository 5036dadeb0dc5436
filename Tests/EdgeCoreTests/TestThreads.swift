import Glibc

/// Runs closures on real OS threads, so concurrency tests exercise true parallelism rather
/// than tasks on the cooperative pool (which the hot path never runs on either).
struct TestThread {
    private final class Body: @unchecked Sendable {
        // @unchecked: handed to exactly one new thread and never touched by the creator again.
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    private var handle: pthread_t

    /// Starts `body` on a new thread; nil when the system refuses to create one.
    static func start(_ body: @escaping @Sendable () -> Void) -> TestThread? {
        let box = Unmanaged.passRetained(Body(body))
        var handle = pthread_t()
        let result = pthread_create(
            &handle, nil,
            { raw in
                guard let raw else { return nil }
                Unmanaged<Body>.fromOpaque(raw).takeRetainedValue().run()
                return nil
            },
            box.toOpaque()
        )
        guard result == 0 else {
            box.release()
            return nil
        }
        return TestThread(handle: handle)
    }

    /// Waits for the thread to finish.
    func join() {
        pthread_join(handle, nil)
    }
}

/// Monotonic nanoseconds, for the deadlines that bound every waiting loop in these tests.
func monotonicNow() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}
