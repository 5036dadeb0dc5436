#if canImport(Glibc)
    import Glibc
#endif
import Synchronization

/// A peer program (pymodbus server, socat, mbpoll) started by a test: stdout and stderr go to a
/// log file, it is stopped by its PID, and every wait on it is bounded.
public final class PeerProcess: Sendable {
    /// The process id.
    public let pid: Int32
    /// The program, for messages.
    public let command: String
    /// Where its stdout and stderr go.
    public let logPath: String
    private let exitStatus = Mutex<Int32?>(nil)

    private init(pid: Int32, command: String, logPath: String) {
        self.pid = pid
        self.command = command
        self.logPath = logPath
    }

    /// Starts `executable` with `arguments`, stdin from /dev/null and output into `log`.
    public static func start(
        _ executable: String, _ arguments: [String], log: String, environment: [String: String] = [:]
    ) throws(PeerError) -> PeerProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        // The child gets default signal handling and an empty mask whatever the test runner set,
        // so SIGTERM stops it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE, SIGCHLD, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var env = currentEnvironment()
        for (key, value) in environment { env[key] = value }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid = pid_t()
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else {
            throw PeerError("cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        return PeerProcess(pid: pid, command: ([executable] + arguments).joined(separator: " "), logPath: log)
    }

    deinit { terminate(timeout: .milliseconds(500)) }

    /// Whether the process is still running (reaps it once it has exited).
    public var isRunning: Bool { reap() == nil }

    /// The exit status once the process has exited (a signal death is 128 + signal).
    public var status: Int32? { reap() }

    private func reap() -> Int32? {
        exitStatus.withLock { known in
            if let known { return known }
            var raw: Int32 = 0
            let rc = waitpid(pid, &raw, WNOHANG)
            guard rc == pid else { return nil }
            let low = raw & 0x7F
            let code = low == 0 ? (raw >> 8) & 0xFF : 128 + low
            known = code
            return code
        }
    }

    /// Waits (bounded) for the process to exit by itself; nil when it is still running.
    public func waitForExit(timeout: Duration) async -> Int32? {
        _ = await eventually(timeout: timeout, interval: .milliseconds(5)) { !isRunning }
        return status
    }

    /// SIGTERM, then SIGKILL if it has not exited within `timeout`; always reaps it.
    public func terminate(timeout: Duration = .seconds(5)) {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        let clock = ContinuousClock()
        let end = clock.now + timeout
        while isRunning && clock.now < end { usleep(5_000) }
        if isRunning {
            kill(pid, SIGKILL)
            for _ in 0..<400 where isRunning { usleep(5_000) }
        }
    }

    /// The process's output so far.
    public func output() -> String { readTextFile(logPath) }

    /// Waits (bounded) until something accepts connections on 127.0.0.1:`port`.
    public func waitForTCPPort(_ port: UInt16, timeout: Duration = .seconds(15)) async throws(PeerError) {
        try await waitUntil("accepting connections on 127.0.0.1:\(port)", timeout: timeout) {
            tcpPortAcceptsConnections(port)
        }
    }

    /// Waits (bounded) until the output contains `text`.
    public func waitForOutput(containing text: String, timeout: Duration = .seconds(15)) async throws(PeerError) {
        try await waitUntil("printing '\(text)'", timeout: timeout) { output().contains(text) }
    }

    /// Waits (bounded) until `path` exists.
    public func waitForFile(_ path: String, timeout: Duration = .seconds(10)) async throws(PeerError) {
        try await waitUntil("creating \(path)", timeout: timeout) { fileExists(path) }
    }

    private func waitUntil(_ what: String, timeout: Duration, _ condition: () -> Bool) async throws(PeerError) {
        let ready = await eventually(timeout: timeout, interval: .milliseconds(10)) {
            condition() || !isRunning
        }
        if condition() { return }
        let state = isRunning ? "still running" : "exited with status \(status ?? -1)"
        let reason = ready ? state : "timed out after \(timeout), \(state)"
        throw PeerError("\(command) was expected to be \(what) but \(reason); output:\n\(output())")
    }
}

/// The environment of this process as a dictionary.
private func currentEnvironment() -> [String: String] {
    var out: [String: String] = [:]
    let raw = readTextFile("/proc/self/environ")
    for entry in raw.split(separator: "\0") {
        guard let equals = entry.firstIndex(of: "=") else { continue }
        out[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
    }
    return out
}
