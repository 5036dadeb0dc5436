#if canImport(Glibc)
    import Glibc
#endif

/// Talks to systemd's service manager through its notification socket (the protocol of
/// sd_notify(3), spoken directly so the agent needs no libsystemd): one datagram of
/// newline-separated `KEY=value` assignments to the AF_UNIX socket named by `$NOTIFY_SOCKET`.
/// A unit with `Type=notify` counts as started only after `READY=1`; with `WatchdogSec` it
/// restarts the service when `WATCHDOG=1` stops arriving.
public struct SystemdNotifier: Sendable {
    /// The socket address: a filesystem path, or `@name` for the abstract namespace. Nil when
    /// the process was not started by a service manager that listens (then every send is a no-op).
    public let socketPath: String?
    /// The watchdog timeout systemd enforces for this process (`$WATCHDOG_USEC`), in nanoseconds;
    /// nil when there is no watchdog or it is meant for another process (`$WATCHDOG_PID`).
    public let watchdogNanoseconds: Int64?

    /// A notifier for an explicit socket and watchdog (tests, or a caller that read them itself).
    public init(socketPath: String?, watchdogNanoseconds: Int64?) {
        self.socketPath = socketPath
        self.watchdogNanoseconds = watchdogNanoseconds
    }

    /// The notifier systemd configured for this process through the environment.
    public static func fromEnvironment() -> SystemdNotifier {
        let socket = environment("NOTIFY_SOCKET").flatMap { $0.isEmpty ? nil : $0 }
        var watchdog: Int64?
        if let text = environment("WATCHDOG_USEC"), let microseconds = Int64(text), microseconds > 0 {
            // A child that inherited the variables is not the process systemd watches.
            let owner = environment("WATCHDOG_PID").flatMap { Int32($0) }
            if owner == nil || owner == getpid() { watchdog = microseconds.multipliedReportingOverflow(by: 1000).0 }
        }
        return SystemdNotifier(socketPath: socket, watchdogNanoseconds: watchdog)
    }

    /// Whether a service manager listens (sends go somewhere).
    public var isActive: Bool { socketPath != nil }

    /// Sends `state` (e.g. `READY=1\nSTATUS=running`) as one datagram. Returns false when no
    /// manager listens; throws when the socket is named but the send fails (a bad address, the
    /// manager gone), so the caller can log it.
    @discardableResult
    public func notify(_ state: String) throws(FileError) -> Bool {
        guard let socketPath else { return false }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketPath.utf8)
        // '@' stands for the abstract namespace, whose names start with a NUL byte.
        if path.first == UInt8(ascii: "@") {
            path[0] = 0
        } else if path.first != UInt8(ascii: "/") {
            throw FileError(operation: "notify systemd (NOTIFY_SOCKET is neither a path nor @name)", path: socketPath,
                            errno: EINVAL)
        }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else {
            throw FileError(operation: "notify systemd (socket name too long)", path: socketPath, errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path)
        }
        // An abstract name is exactly its bytes; a path may carry its terminating NUL.
        let length = MemoryLayout<sa_family_t>.size + path.count + (path[0] == 0 ? 0 : 1)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw FileError(operation: "create notify socket", path: socketPath, errno: errno) }
        defer { close(fd) }
        let bytes = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bytes.withUnsafeBytes { body in
                    var n: Int
                    repeat {
                        n = sendto(fd, body.baseAddress, body.count, Int32(MSG_NOSIGNAL), address, socklen_t(length))
                    } while n < 0 && errno == EINTR
                    return n
                }
            }
        }
        guard sent == bytes.count else {
            throw FileError(operation: "notify systemd", path: socketPath, errno: sent < 0 ? errno : EMSGSIZE)
        }
        return true
    }

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
