import BenchFigures
#if canImport(Glibc)
    import Glibc
#endif

/// Small helpers for the summary line: CPU time, medians, fixed-point text without Foundation,
/// and a dedicated thread for the blocking libmodbus loops.
enum Figures {
    /// User + system CPU time of this process so far, in microseconds (getrusage, all threads).
    static func cpuMicroseconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func micros(_ t: timeval) -> Double { Double(t.tv_sec) * 1e6 + Double(t.tv_usec) }
        return micros(usage.ru_utime) + micros(usage.ru_stime)
    }

    static func seconds(_ duration: Duration) -> Double { BenchFigures.seconds(duration) }
    static func median(_ values: [Double]) -> Double { BenchFigures.median(values) }
    static func fixed(_ value: Double, _ digits: Int) -> String { BenchFigures.fixed(value, digits) }
}

/// Runs `body` on a new OS thread and waits for it: libmodbus calls block, and blocking calls
/// stay off Swift's cooperative pool (architecture rule), where the framework runs closures.
/// `body` is used only between thread start and join, so it need not be `Sendable`.
func onOwnThread(_ body: () -> Void) {
    withoutActuallyEscaping(body) { escapable in
        let box = Unmanaged.passRetained(ThreadBody(escapable))
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            Unmanaged<ThreadBody>.fromOpaque(context).takeUnretainedValue().run()
            return nil
        }, box.toOpaque())
        if created == 0 {
            pthread_join(thread, nil)
        } else {
            // No thread to be had: run here rather than not at all.
            box.takeUnretainedValue().run()
        }
        box.release()
    }
}

private final class ThreadBody {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}
