import BenchFigures
import Benchmark
import EdgeCore
import EdgeUplink

#if canImport(Glibc)
    import Glibc
#endif

// P10 of docs/performance.md: spool appends with one fsync per batch of 100 records, a record
// being one frame of a 100-point device (about 1 KB, as the whole-agent benchmark records it).
// Reference, measured in the same process: the same bytes written with write(2) into one file
// and fsync'd per 100, which is the floor any spool on this disk can reach.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput], timeUnits: .microseconds, warmupIterations: 1, maxDuration: .seconds(3),
        maxIterations: 20)

    Benchmark(
        "P10 spool append (fsync per 100 records)",
        closure: { benchmark in
            let directory = SpoolFigures.temporaryDirectory()
            defer { SpoolFigures.remove(directory) }
            guard let spool = try? Spool(directory: directory) else {
                benchmark.error("cannot open a spool in \(directory)")
                return
            }
            benchmark.startMeasurement()
            blackHole(SpoolFigures.appendBatches(spool, records: 10_000))
        },
        teardown: { SpoolFigures.printLine() }
    )
}

enum SpoolFigures {
    static let payload: [UInt8] = {
        var text = #""kind":"frame","source":"dev42","ts":1767225600000,"points":{"#
        text += (0..<100).map { "\"r\($0)\":\(1000 + $0)" }.joined(separator: ",") + "}"
        return Array(text.utf8)
    }()

    static func appendBatches(_ spool: Spool, records: Int) -> UInt64 {
        var last: UInt64 = 0
        for i in 0..<records {
            last = (try? spool.append(payload)) ?? 0
            if i % 100 == 99 { try? spool.sync() }
        }
        try? spool.sync()
        return last
    }

    static func rawWrites(_ path: String, records: Int) -> Int {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var written = 0
        for i in 0..<records {
            written += payload.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if i % 100 == 99 { fsync(fd) }
        }
        fsync(fd)
        return written
    }

    static func temporaryDirectory() -> String {
        var template = Array("/tmp/edgeflow-spool-bench-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress, let made = mkdtemp(base) else { return "/tmp/edgeflow-spool-bench" }
            return String(cString: made)
        }
    }

    static func remove(_ directory: String) {
        for name in Files.list(directory) { unlink("\(directory)/\(name)") }
        rmdir(directory)
    }

    static func directoryBytes(_ directory: String) -> Int {
        Files.list(directory).reduce(0) { total, name in
            var info = stat()
            return total + (stat("\(directory)/\(name)", &info) == 0 ? Int(info.st_size) : 0)
        }
    }

    /// Interleaved rounds of the spool and the raw reference; medians of records/s.
    static func printLine() {
        let records = 20_000
        let clock = ContinuousClock()
        var spoolRates: [Double] = []
        var rawRates: [Double] = []
        var overhead = 0.0
        for _ in 0..<5 {
            let directory = temporaryDirectory()
            if let spool = try? Spool(directory: directory) {
                let start = clock.now
                blackHole(appendBatches(spool, records: records))
                spoolRates.append(Double(records) / BenchFigures.seconds(start.duration(to: clock.now)))
                overhead = Double(directoryBytes(directory)) / Double(records * payload.count)
            }
            remove(directory)
            let raw = temporaryDirectory()
            let start = clock.now
            blackHole(rawWrites(raw + "/raw", records: records))
            rawRates.append(Double(records) / BenchFigures.seconds(start.duration(to: clock.now)))
            remove(raw)
        }
        let spool = BenchFigures.median(spoolRates)
        let raw = BenchFigures.median(rawRates)
        let ratio = raw > 0 ? spool / raw : 0
        print(
            "P10 spool append, fsync per 100 records of \(payload.count) B: "
                + "\(BenchFigures.fixed(spool / 1000, 1)) k records/s, "
                + "\(BenchFigures.fixed(overhead, 3)) bytes on disk per payload byte; "
                + "reference write(2)+fsync per 100: \(BenchFigures.fixed(raw / 1000, 1)) k records/s, "
                + "ratio \(BenchFigures.fixed(ratio, 2))")
        // The same figures for the table `make bench` ends with.
        print(ReportLine.measured(
            "P10", value: spool / 1000, digits: 1, unit: "k records/s",
            reference: "write(2)+fsync per 100 \(BenchFigures.fixed(raw / 1000, 1)) k records/s",
            ratio: raw > 0 ? ratio : nil, extras: [("disk bytes per payload byte", overhead, 3)]))
    }
}
