#if canImport(Glibc)
    import Glibc
#endif

/// The Node.js figure beside P3 (docs/performance.md): the same rule text built with `new Function`
/// and called on plain objects holding the same frames, timed inside one `node` process with
/// the same evaluations per round, warm-up and median as the Swift loops.
enum NodeReference {
    enum Outcome {
        case measured(nanosecondsPerEvaluation: Double, framesHeld: Int)
        case notFound
        case failed(String)
    }

    /// Longest the node process may take before it is killed.
    static let timeoutMilliseconds: Int32 = 60_000

    /// argv: rule source, evaluations per round, rounds, frame values as `a,b,c,d,...`.
    static let script = """
        const [rule, perRound, roundCount, csv] = process.argv.slice(-4);
        const v = csv.split(',').map(Number);
        const frames = [];
        for (let i = 0; i + 3 < v.length; i += 4) frames.push({ a: v[i], b: v[i + 1], c: v[i + 2], d: v[i + 3] });
        const f = new Function('payload', 'return ' + rule + ';');
        const mask = frames.length - 1;
        function run(n) {
          let held = 0;
          for (let i = 0; i < n; i++) { if (f(frames[i & mask]) === true) held++; }
          return held;
        }
        const n = Number(perRound), rounds = Number(roundCount);
        let sink = 0;
        for (let w = 0; w < 3; w++) sink += run(n);
        const ns = [];
        for (let r = 0; r < rounds; r++) {
          const t0 = process.hrtime.bigint();
          sink += run(n);
          ns.push(Number(process.hrtime.bigint() - t0) / n);
        }
        ns.sort((x, y) => x - y);
        const mid = rounds >> 1;
        const median = rounds % 2 ? ns[mid] : (ns[mid - 1] + ns[mid]) / 2;
        console.log('node-result ' + median + ' ' + run(frames.length) + ' ' + (sink & 1));
        """

    /// Runs the script once with `node` from PATH.
    static func measure(rule: String, frames csv: String, perRound: Int, rounds: Int) -> Outcome {
        guard let node = findOnPath("node") else { return .notFound }
        let arguments = [node, "-e", script, rule, String(perRound), String(rounds), csv]
        let output: String
        switch run(arguments) {
        case .success(let text): output = text
        case .failure(let problem): return .failed(problem.message)
        }
        for line in output.split(separator: "\n") where line.hasPrefix("node-result ") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3, let nanoseconds = Double(fields[1]), let held = Int(fields[2]) else { break }
            return .measured(nanosecondsPerEvaluation: nanoseconds, framesHeld: held)
        }
        let firstLine = output.split(separator: "\n").first.map(String.init) ?? "no output"
        return .failed("unexpected node output: \(firstLine.prefix(120))")
    }

    struct Problem: Error {
        var message: String
    }

    /// The first executable `name` in PATH.
    static func findOnPath(_ name: String) -> String? {
        guard let path = getenv("PATH").map({ String(cString: $0) }) else { return nil }
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Spawns `arguments[0]` with stdout and stderr into one pipe, reads until EOF (or the
    /// timeout, which kills the child), reaps it and returns what it printed.
    static func run(_ arguments: [String]) -> Result<String, Problem> {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return .failure(Problem(message: "pipe failed: errno \(errno)")) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addclose(&actions, fds[1])

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        // The child gets PATH and HOME only: enough for node, and no shared C global is read.
        var environment: [String] = []
        for name in ["PATH", "HOME"] {
            if let value = getenv(name) { environment.append("\(name)=\(String(cString: value))") }
        }
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer { for pointer in envp { free(pointer) } }

        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, envp)
        close(fds[1])
        guard spawned == 0 else {
            close(fds[0])
            return .failure(Problem(message: "cannot start \(arguments[0]): errno \(spawned)"))
        }

        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var timedOut = false
        while true {
            var poller = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, timeoutMilliseconds)
            if ready == 0 {
                timedOut = true
                break
            }
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            let count = chunk.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if count > 0 {
                bytes.append(contentsOf: chunk[0..<count])
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        close(fds[0])
        if timedOut { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = String(decoding: bytes, as: UTF8.self)
        if timedOut {
            return .failure(Problem(message: "node did not finish within \(timeoutMilliseconds / 1000) s"))
        }
        // WIFEXITED and WEXITSTATUS are macros Swift does not import.
        let exited = status & 0x7f == 0
        let exitCode = (status >> 8) & 0xff
        guard exited, exitCode == 0 else {
            let firstLine = text.split(separator: "\n").first.map(String.init) ?? ""
            return .failure(Problem(message: "node failed (status \(status)): \(firstLine.prefix(120))"))
        }
        return .success(text)
    }
}
