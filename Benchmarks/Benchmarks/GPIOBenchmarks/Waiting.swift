#if canImport(Glibc)
    import Glibc
#endif

/// `CLOCK_MONOTONIC`, the clock both ends of every P11 measurement read.
enum Monotonic {
    @inline(__always)
    static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) &* 1_000_000_000 &+ Int64(ts.tv_nsec)
    }
}

/// Bounded waits for the producer thread. Both measurements wait the same way, so neither gets
/// an advantage: before each edge until the consumer thread is asleep in the kernel (so every
/// edge measures a wake-up, as a real edge after a quiet spell would), then for its answer.
enum Waiting {
    /// Longest wait for either condition; far beyond any real latency, so only a hang hits it.
    static let limitNanoseconds: Int64 = 1_000_000_000

    /// Waits until thread `tid` of this process is sleeping (state `S` in
    /// `/proc/self/task/TID/stat`: blocked in a futex wait, poll or read). False after the limit.
    static func untilAsleep(_ tid: Int32) -> Bool {
        let deadline = Monotonic.now() + limitNanoseconds
        let path = "/proc/self/task/\(tid)/stat"
        while Monotonic.now() < deadline {
            if state(path) == UInt8(ascii: "S") { return true }
            sched_yield()
        }
        return false
    }

    /// Waits until `current()` passes `previous`. False after the limit.
    @inline(__always)
    static func untilAbove(_ previous: Int, _ current: () -> Int) -> Bool {
        if current() > previous { return true }
        let deadline = Monotonic.now() + limitNanoseconds
        while current() <= previous {
            if Monotonic.now() >= deadline { return false }
            sched_yield()
        }
        return true
    }

    /// The state letter of a task: the field after the last `)` (the name may hold one).
    private static func state(_ path: String) -> UInt8? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 512) { buffer -> UInt8? in
            guard let base = buffer.baseAddress else { return nil }
            let n = read(fd, base, buffer.count)
            guard n > 0 else { return nil }
            var close = -1
            for i in 0..<n where buffer[i] == UInt8(ascii: ")") { close = i }
            return close >= 0 && close + 2 < n ? buffer[close + 2] : nil
        }
    }
}
