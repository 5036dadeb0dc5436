#if canImport(Glibc)
    import Glibc
#endif

/// What the agent process costs right now, for the status socket and metrics: resident memory
/// from `/proc/self/statm`, CPU time from `getrusage`.
public struct ProcessUsage: Sendable, Equatable {
    /// Resident set size in bytes (0 when `/proc` is not readable).
    public var residentBytes: Int64
    /// User plus system CPU time since the process started, in seconds.
    public var cpuSeconds: Double
    /// The process id.
    public var pid: Int32

    /// Reads the current figures.
    public static func current() -> ProcessUsage {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let cpu =
            Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
        return ProcessUsage(residentBytes: residentBytes(), cpuSeconds: cpu, pid: getpid())
    }

    /// `statm`'s second field is resident pages; one short read, no parsing of `status`.
    private static func residentBytes() -> Int64 {
        guard let text = try? Files.readText("/proc/self/statm", limit: 256) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int64(fields[1]) else { return 0 }
        return pages * Int64(sysconf(Int32(_SC_PAGESIZE)))
    }
}
