#if canImport(Glibc)
    import Glibc
#endif

/// Why a helper process could not be built, started or read; the summary line prints it.
struct PeerProblem: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A process the benchmark started (the compiler, the Modbus server, the C reference client),
/// with its stdout and stderr in one pipe. Every wait on it is bounded.
struct ChildProcess {
    let pid: pid_t
    let name: String
    private let output: Int32

    /// Starts `arguments[0]` (an absolute path) with PATH, HOME, TMPDIR and PKG_CONFIG_PATH
    /// passed through and nothing else.
    static func spawn(_ arguments: [String]) -> Result<ChildProcess, PeerProblem> {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return .failure(PeerProblem(message: "pipe failed: errno \(errno)")) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addclose(&actions, fds[1])

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var environment: [String] = []
        for name in ["PATH", "HOME", "TMPDIR", "PKG_CONFIG_PATH"] {
            if let value = getenv(name) { environment.append("\(name)=\(String(cString: value))") }
        }
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer { for pointer in envp { free(pointer) } }

        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, envp)
        close(fds[1])
        guard spawned == 0 else {
            close(fds[0])
            return .failure(PeerProblem(message: "cannot start \(arguments[0]): errno \(spawned)"))
        }
        let name = arguments[0].split(separator: "/").last.map(String.init) ?? arguments[0]
        return .success(ChildProcess(pid: pid, name: name, output: fds[0]))
    }

    /// Reads output until a line starting with `prefix` arrives (returned without the newline),
    /// EOF, or `timeoutMilliseconds` in all. Other lines are kept for the error message.
    func readLine(startingWith prefix: String, timeoutMilliseconds: Int) -> Result<String, PeerProblem> {
        var pending: [UInt8] = []
        var seen: [String] = []
        let deadline = Self.nowMilliseconds() + timeoutMilliseconds
        while true {
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                if line.hasPrefix(prefix) { return .success(line) }
                seen.append(line)
            }
            let left = deadline - Self.nowMilliseconds()
            guard left > 0 else {
                return .failure(PeerProblem(message: "\(name): no '\(prefix)' line within \(timeoutMilliseconds) ms"))
            }
            switch readChunk(timeoutMilliseconds: left) {
            case .data(let bytes):
                pending.append(contentsOf: bytes)
            case .endOfFile, .timedOut:
                let said = (seen + [String(decoding: pending, as: UTF8.self)]).filter { !$0.isEmpty }
                let text = said.isEmpty ? "nothing" : said.joined(separator: " | ").prefix(200)
                return .failure(PeerProblem(message: "\(name) said \(text) instead of '\(prefix) ...'"))
            }
        }
    }

    /// Reads everything until EOF, at most `timeoutMilliseconds`; nil on timeout.
    func readToEnd(timeoutMilliseconds: Int) -> String? {
        var bytes: [UInt8] = []
        let deadline = Self.nowMilliseconds() + timeoutMilliseconds
        while true {
            let left = deadline - Self.nowMilliseconds()
            guard left > 0 else { return nil }
            switch readChunk(timeoutMilliseconds: left) {
            case .data(let chunk): bytes.append(contentsOf: chunk)
            case .endOfFile: return String(decoding: bytes, as: UTF8.self)
            case .timedOut: return nil
            }
        }
    }

    private enum Chunk {
        case data([UInt8])
        case endOfFile
        case timedOut
    }

    private func readChunk(timeoutMilliseconds: Int) -> Chunk {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            var poller = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(clamping: timeoutMilliseconds))
            if ready == 0 { return .timedOut }
            if ready < 0 {
                if errno == EINTR { continue }
                return .endOfFile
            }
            let count = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            if count > 0 { return .data(Array(chunk[0..<count])) }
            if count < 0 && errno == EINTR { continue }
            return .endOfFile
        }
    }

    /// Waits for the process to exit by itself, at most `timeoutMilliseconds`, then kills it.
    /// Returns the exit code, or nil when it had to be killed or died of a signal.
    @discardableResult
    func wait(timeoutMilliseconds: Int) -> Int32? {
        let deadline = Self.nowMilliseconds() + timeoutMilliseconds
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            if reaped < 0 && errno != EINTR {
                close(output)
                return nil
            }
            if Self.nowMilliseconds() >= deadline {
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                close(output)
                return nil
            }
            var pause = timespec(tv_sec: 0, tv_nsec: 5_000_000)
            nanosleep(&pause, nil)
        }
        close(output)
        // WIFEXITED and WEXITSTATUS are macros Swift does not import.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : nil
    }

    /// Asks the process to stop (SIGTERM), waits at most `graceMilliseconds`, then kills it.
    func stop(graceMilliseconds: Int = 2_000) {
        kill(pid, SIGTERM)
        wait(timeoutMilliseconds: graceMilliseconds)
    }

    static func nowMilliseconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return now.tv_sec * 1_000 + now.tv_nsec / 1_000_000
    }
}
