import EdgeConfig
import EdgeCore
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A very small HTTP/1.1 server on its own thread, for the status socket and the metrics
/// endpoint: one request per connection, answered and closed. Requests are bounded (8 KiB of
/// head, 64 KiB of body, 2 s to send them), so a slow or hostile client costs one connection
/// slot for at most that long and never touches the pipeline; the handler only reads
/// snapshots (atomics and short locks).
final class ControlServer: @unchecked Sendable {
    // @unchecked: `thread` and `fd` are touched by start/stop only (the lifecycle, one caller
    // at a time); the serving thread reads `fd` after start published it.

    /// Where the server listens.
    enum Endpoint: Sendable {
        /// A Unix socket file, mode 0660, group `edgeflow` when that group exists.
        case unix(path: String)
        /// A TCP address.
        case tcp(ListenAddress)

        var name: String {
            switch self {
            case .unix(let path): path
            case .tcp(let address): address.description
            }
        }
    }

    /// Answers one request; runs on the server's thread.
    typealias Handler = @Sendable (HTTPRequestHead) -> HTTPResponse

    private let endpoint: Endpoint
    private let label: String
    private let logger: Logger
    private let handler: Handler
    private let stopFlag = Atomic<Bool>(false)
    private var fd: Int32 = -1
    /// A pipe whose read end wakes the serving thread's poll on stop, so an idle server sleeps
    /// in the kernel instead of waking on a timer.
    private var wakePipe: (read: Int32, write: Int32) = (-1, -1)
    private var thread: OwnerThread?

    static let maxBodyBytes = 65536
    static let clientTimeoutMilliseconds = 2000

    /// Creates a server; nothing listens until `start()`.
    init(endpoint: Endpoint, label: String, logger: Logger, handler: @escaping Handler) {
        self.endpoint = endpoint
        self.label = label
        self.logger = logger
        self.handler = handler
    }

    /// Binds and starts serving; binding errors surface here, before the agent reports running.
    func start() throws(FileError) {
        switch endpoint {
        case .unix(let path):
            try Files.makeDirectories(Files.directory(of: path))
            fd = try Sockets.listenUnix(path: path)
            Self.restrict(path, logger: logger)
        case .tcp(let address):
            fd = try Sockets.listenTCP(address)
        }
        let listener = fd
        var ends: [Int32] = [-1, -1]
        do {
            try Sockets.retrying("create wake pipe", label) { pipe(&ends) }
            wakePipe = (ends[0], ends[1])
            let wake = ends[0]
            thread = try OwnerThread(name: label) { [self] in serve(listener, wake: wake) }
        } catch {
            for end in ends where end >= 0 { close(end) }
            wakePipe = (-1, -1)
            close(listener)
            fd = -1
            throw error
        }
        logger.info("\(label) listening", metadata: ["address": "\(endpoint.name)"])
    }

    /// Stops accepting, waits for the request in hand, closes the listener and removes the
    /// socket file.
    func stop() {
        stopFlag.store(true, ordering: .releasing)
        if wakePipe.write >= 0 {
            var byte: UInt8 = 1
            _ = write(wakePipe.write, &byte, 1)
        }
        thread?.join()
        thread = nil
        if wakePipe.read >= 0 { close(wakePipe.read) }
        if wakePipe.write >= 0 { close(wakePipe.write) }
        wakePipe = (-1, -1)
        if fd >= 0 { close(fd) }
        fd = -1
        if case .unix(let path) = endpoint { unlink(path) }
    }

    /// Mode 0660 and group `edgeflow` when it exists, so members of that group (operators,
    /// monitoring) can ask for status while others cannot.
    private static func restrict(_ path: String, logger: Logger) {
        if chmod(path, 0o660) != 0 {
            logger.warning(
                "cannot set the status socket's mode to 0660", metadata: ["path": "\(path)", "errno": "\(errno)"])
        }
        guard let group = getgrnam("edgeflow") else { return }
        if chown(path, uid_t.max, group.pointee.gr_gid) != 0 {
            logger.warning(
                "cannot give the status socket to group edgeflow", metadata: ["path": "\(path)", "errno": "\(errno)"])
        }
    }

    private func serve(_ listener: Int32, wake: Int32) {
        var pollers = [
            pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wake, events: Int16(POLLIN), revents: 0),
        ]
        while !stopFlag.load(ordering: .acquiring) {
            // Sleeps until a client connects or stop() writes to the wake pipe.
            let ready = poll(&pollers, 2, -1)
            guard ready > 0, pollers[0].revents & Int16(POLLIN) != 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            Sockets.setTimeouts(client, milliseconds: Self.clientTimeoutMilliseconds)
            _ = Sockets.writeAll(client, answer(client).serialized)
            shutdown(client, Int32(SHUT_WR))
            close(client)
        }
    }

    /// Reads one request within the bounds and gets its answer.
    private func answer(_ client: Int32) -> HTTPResponse {
        var buffer: [UInt8] = []
        let deadline = MonotonicDeadline(after: Int64(Self.clientTimeoutMilliseconds) * 1_000_000)
        var headEnd: Int?
        while headEnd == nil {
            guard buffer.count < HTTPRequestHead.maxHeadBytes else {
                return .error(431, "the request head is over \(HTTPRequestHead.maxHeadBytes) bytes")
            }
            let n = Sockets.readSome(client, into: &buffer, limit: HTTPRequestHead.maxHeadBytes)
            if n < 0 || deadline.remaining <= 0 { return .error(408, "the request did not arrive in time") }
            if n == 0 { return .error(400, "the connection closed before the request was complete") }
            headEnd = HTTPRequestHead.headEnd(in: buffer)
        }
        let head: HTTPRequestHead
        do {
            head = try HTTPRequestHead.parse(buffer[0..<(headEnd ?? 0)])
        } catch {
            return .error(400, error.reason)
        }
        guard head.contentLength <= Self.maxBodyBytes else {
            return .error(413, "request bodies are limited to \(Self.maxBodyBytes) bytes")
        }
        // The endpoints take no body; read and discard it so the client sees a clean close.
        var body = Array(buffer[(headEnd ?? 0)...])
        while body.count < head.contentLength {
            let n = Sockets.readSome(client, into: &body, limit: head.contentLength)
            if n <= 0 || deadline.remaining <= 0 { return .error(408, "the request body did not arrive in time") }
        }
        return handler(head)
    }
}
