#if canImport(Glibc)
    import Glibc
#endif

/// The absolute path of `name` on `PATH`, or an error that says how to install it.
public func requireExecutable(_ name: String, install: String) throws(PeerError) -> String {
    let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        let candidate = "\(directory)/\(name)"
        if access(candidate, X_OK) == 0 { return candidate }
    }
    throw PeerError("\(name) not found on PATH (\(path)); install it: \(install)")
}

/// Runs a program to completion (bounded by `timeout`, then killed) with stdout and stderr
/// captured together; returns its exit status and output.
public func runToCompletion(
    _ executable: String, _ arguments: [String], in directory: TemporaryDirectory, timeout: Duration = .seconds(20)
) async throws -> (status: Int32, output: String) {
    let name = executable.split(separator: "/").last.map(String.init) ?? "run"
    let process = try PeerProcess.start(executable, arguments, log: directory.uniquePath(name + ".out"))
    guard let status = await process.waitForExit(timeout: timeout) else {
        process.terminate()
        throw PeerError("\(executable) \(arguments.joined(separator: " ")) did not finish within \(timeout)\n"
            + process.output())
    }
    return (status, process.output())
}
