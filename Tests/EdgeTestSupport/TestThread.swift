import Glibc

/// Runs closures on real OS threads, so concurrency tests exercise true parallelism rather
/// than tasks on the cooperative pool (which the hot path never runs on either).
public struct TestThread {
    private final class Body: @unchecked Sendable {
        // @unchecked: handed to exactly one new thread and never touched by the creator again.
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    private var handle: pthread_t

    /// Starts `body` on a new thread; nil when the system refuses to create one.
    public static func start(_ body: @escaping @Sendable () -> Void) -> TestThread? {
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
    public func join() {
        pthread_join(handle, nil)
    }
}

/// Monotonic nanoseconds, for the deadlines that bound every waiting loop in these tests.
public func monotonicNow() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// SplitMix64: a seeded generator, so random test cases repeat exactly from their seed.
public struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    /// Starts the sequence at `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next value.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
