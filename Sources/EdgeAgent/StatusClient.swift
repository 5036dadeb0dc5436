import EdgeCore

#if canImport(Glibc)
    import Glibc
#endif

/// Talks to a running agent's status socket, for `edgeflow status` and `edgeflow reload`.
public enum StatusClient {
    /// The agent could not be asked: no socket, nobody listening, no permission, no answer.
    public struct Unreachable: Error, CustomStringConvertible {
        /// What failed, with the socket's path.
        public var message: String
        /// A next step for the operator.
        public var hint: String
        /// `message` and `hint` on two lines.
        public var description: String { "\(message)\n  hint: \(hint)" }
    }

    /// An answer: status code and body.
    public struct Answer: Sendable {
        /// HTTP status code.
        public var status: Int
        /// Body text.
        public var body: String
    }

    /// Sends `method path` to the agent at `socket` and waits at most `timeoutMilliseconds`
    /// for each read or write (a reload can take several seconds: pass more for it).
    public static func request(
        socket: String, method: String, path: String, timeoutMilliseconds: Int = 5000
    ) throws(Unreachable) -> Answer {
        let fd: Int32
        do {
            fd = try Sockets.connectUnix(path: socket)
        } catch {
            switch error.errno {
            case ENOENT, ECONNREFUSED:
                throw Unreachable(
                    message: "edgeflow is not running (nothing answers on \(socket))",
                    hint: "start it (systemctl start edgeflow), or point at its socket with --socket or --config")
            case EACCES, EPERM:
                throw Unreachable(
                    message: "no permission to use \(socket)",
                    hint: "run as root or as a member of group edgeflow (usermod -aG edgeflow $USER)")
            default:
                throw Unreachable(
                    message: "\(error)", hint: "check the socket path given with --socket or agent.status.socket")
            }
        }
        defer { close(fd) }
        Sockets.setTimeouts(fd, milliseconds: timeoutMilliseconds)
        let request = "\(method) \(path) HTTP/1.1\r\nHost: edgeflow\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        guard Sockets.writeAll(fd, Array(request.utf8)) else {
            throw Unreachable(
                message: "the agent closed \(socket) before taking the request", hint: "try again; see its log")
        }
        var bytes: [UInt8] = []
        let limit = 16 << 20
        while bytes.count < limit {
            let n = Sockets.readSome(fd, into: &bytes, limit: limit)
            if n == 0 { break }
            if n < 0 {
                throw Unreachable(
                    message: "no complete answer from \(socket) within \(timeoutMilliseconds) ms",
                    hint: "the agent may be overloaded or stuck; see its log (journalctl -u edgeflow)")
            }
        }
        guard let end = HTTPRequestHead.headEnd(in: bytes) else {
            throw Unreachable(
                message: "the answer from \(socket) is not HTTP", hint: "is another program using that path?")
        }
        let head = String(decoding: bytes[0..<end], as: UTF8.self)
        let statusLine = head.split(separator: "\r\n").first?.split(separator: " ") ?? []
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw Unreachable(
                message: "the answer from \(socket) has no status line", hint: "is another program using that path?")
        }
        return Answer(status: status, body: String(decoding: bytes[end...], as: UTF8.self))
    }

    /// The socket paths to try when none is given: `$RUNTIME_DIRECTORY/edgeflow.sock` (set for
    /// the service by systemd), `/run/edgeflow/edgeflow.sock` (the unit's runtime directory),
    /// and `data_dir/edgeflow.sock` when a data directory is known.
    public static func candidateSockets(dataDir: String?, environment: [String: String]) -> [String] {
        var candidates: [String] = []
        if let runtime = environment["RUNTIME_DIRECTORY"]?.split(separator: ":").first, !runtime.isEmpty {
            candidates.append("\(runtime)/edgeflow.sock")
        }
        candidates.append("/run/edgeflow/edgeflow.sock")
        if let dataDir { candidates.append("\(dataDir)/edgeflow.sock") }
        return candidates
    }
}
