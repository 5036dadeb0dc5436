import Synchronization
#if canImport(Glibc)
    import Glibc
#endif

/// The peers of P8 (docs/performance.md): the libmodbus TCP server and the libmodbus C reference
/// client, both compiled from `Benchmarks/Support/*.c` with `cc` into a temporary directory when
/// the benchmark starts (so the reference is built the same way on any machine with
/// libmodbus-dev), and the server running on a free 127.0.0.1 port until `stop()`.
struct ModbusRig {
    let directory: String
    let clientPath: String
    let server: ChildProcess
    let port: UInt16

    /// Longest a compile, the server start and one reference run may take.
    static let compileTimeoutMilliseconds = 120_000
    static let startTimeoutMilliseconds = 5_000
    static let referenceTimeoutMilliseconds = 120_000
    /// The server exits by itself after this long, whatever happens to the benchmark.
    static let serverLifetimeSeconds = 900

    /// `Benchmarks/Support`, found from this file's path: the benchmarks run from the checkout.
    static let supportDirectory: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // ModbusRig.swift, ModbusBenchmarks, Benchmarks (the targets folder)
        return parts.joined(separator: "/") + "/Support"
    }()

    /// Compiles both programs and starts the server.
    static func start() -> Result<ModbusRig, PeerProblem> {
        var template = Array("\(temporaryRoot())/edgeflow-p8-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap(mkdtemp) }) else {
            return .failure(PeerProblem(message: "cannot create a temporary directory: errno \(errno)"))
        }
        let directory = String(cString: made)
        let serverPath = directory + "/mb_bench_server"
        let clientPath = directory + "/mb_bench_client"
        func fail(_ problem: PeerProblem) -> Result<ModbusRig, PeerProblem> {
            removeDirectory(directory, files: [serverPath, clientPath])
            return .failure(problem)
        }
        for (source, binary) in [("mb_bench_server.c", serverPath), ("mb_bench_client.c", clientPath)] {
            if case .failure(let problem) = compile(supportDirectory + "/" + source, into: binary) {
                return fail(problem)
            }
        }
        let server: ChildProcess
        switch ChildProcess.spawn([serverPath, "0", String(serverLifetimeSeconds)]) {
        case .success(let child): server = child
        case .failure(let problem): return fail(problem)
        }
        switch server.readLine(startingWith: "port ", timeoutMilliseconds: startTimeoutMilliseconds) {
        case .success(let line):
            guard let port = UInt16(line.dropFirst("port ".count)), port != 0 else {
                server.stop()
                return fail(PeerProblem(message: "mb_bench_server printed '\(line)'"))
            }
            return .success(ModbusRig(directory: directory, clientPath: clientPath, server: server, port: port))
        case .failure(let problem):
            server.stop()
            return fail(problem)
        }
    }

    /// `cc -O2` with libmodbus' flags from pkg-config.
    static func compile(_ source: String, into binary: String) -> Result<Void, PeerProblem> {
        guard access(source, R_OK) == 0 else {
            return .failure(PeerProblem(message: "C source not found: \(source)"))
        }
        // The paths travel as positional parameters, so no quoting of them is needed.
        let script = #"exec cc -O2 -o "$1" "$2" $(pkg-config --cflags --libs libmodbus)"#
        let child: ChildProcess
        switch ChildProcess.spawn(["/bin/sh", "-c", script, "sh", binary, source]) {
        case .success(let started): child = started
        case .failure(let problem): return .failure(problem)
        }
        let output = child.readToEnd(timeoutMilliseconds: compileTimeoutMilliseconds)
        let status = child.wait(timeoutMilliseconds: 1_000)
        guard let output else {
            return .failure(PeerProblem(message: "cc did not finish within \(compileTimeoutMilliseconds / 1000) s"))
        }
        guard status == 0 else {
            let firstLine = output.split(separator: "\n").first.map(String.init) ?? "no output"
            return .failure(PeerProblem(message: "cc failed on \(source): \(firstLine.prefix(160))"))
        }
        return .success(())
    }

    /// One run of the C reference client: `polls` timed reads after `warmup` untimed ones.
    func runReference(polls: Int, warmup: Int) -> Result<ReferenceRun, PeerProblem> {
        let child: ChildProcess
        switch ChildProcess.spawn([clientPath, String(port), String(polls), String(warmup)]) {
        case .success(let started): child = started
        case .failure(let problem): return .failure(problem)
        }
        let line = child.readLine(startingWith: "result ", timeoutMilliseconds: Self.referenceTimeoutMilliseconds)
        child.wait(timeoutMilliseconds: 2_000)
        switch line {
        case .success(let text):
            let fields = text.split(separator: " ")
            guard fields.count >= 3, let rate = Double(fields[1]), let cpu = Double(fields[2]) else {
                return .failure(PeerProblem(message: "mb_bench_client printed '\(text.prefix(120))'"))
            }
            return .success(ReferenceRun(pollsPerSecond: rate, cpuMicrosecondsPerPoll: cpu))
        case .failure(let problem):
            return .failure(problem)
        }
    }

    /// Kills the server and removes the temporary directory.
    func stop() {
        server.stop()
        Self.removeDirectory(directory, files: [directory + "/mb_bench_server", clientPath])
    }

    static func removeDirectory(_ directory: String, files: [String]) {
        for file in files { unlink(file) }
        rmdir(directory)
    }

    static func temporaryRoot() -> String {
        if let value = getenv("TMPDIR"), value.pointee != 0 { return String(cString: value) }
        return "/tmp"
    }
}

/// What one run of the C reference client printed.
struct ReferenceRun {
    var pollsPerSecond: Double
    var cpuMicrosecondsPerPoll: Double
}

/// The rig the framework's benchmarks share within one benchmark process: started by each
/// benchmark's setup, stopped by its teardown (the framework runs every benchmark in a process
/// of its own).
final class SharedRig: Sendable {
    static let shared = SharedRig()

    private let state = Mutex<Result<ModbusRig, PeerProblem>?>(nil)

    /// Starts the rig unless it runs already.
    func start() {
        state.withLock { current in
            if current == nil { current = ModbusRig.start() }
        }
    }

    /// The running rig, or why it could not start.
    var current: Result<ModbusRig, PeerProblem> {
        state.withLock { $0 } ?? .failure(PeerProblem(message: "the Modbus rig was not started"))
    }

    /// Stops the rig if it runs.
    func stop() {
        let taken = state.withLock { current -> Result<ModbusRig, PeerProblem>? in
            defer { current = nil }
            return current
        }
        if case .success(let rig) = taken { rig.stop() }
    }
}
