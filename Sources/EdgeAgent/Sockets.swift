import EdgeConfig
import EdgeCore

#if canImport(Glibc)
    import Glibc
#endif

/// The socket calls of the status and metrics endpoints, each through `retrying`, which
/// repeats a call interrupted by a signal (EINTR) and throws the operation with its errno.
enum Sockets {
    /// Runs `call` until it is not interrupted; a result below zero throws `operation` on `subject`.
    @discardableResult
    static func retrying(_ operation: String, _ subject: String, _ call: () -> Int32) throws(FileError) -> Int32 {
        while true {
            let rc = call()
            if rc >= 0 { return rc }
            if errno == EINTR { continue }
            throw FileError(operation: operation, path: subject, errno: errno)
        }
    }

    /// `sockaddr_un` for `path`; nil when the path does not fit (107 bytes and the NUL).
    static func unixAddress(_ path: String) -> sockaddr_un? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        return address
    }

    /// A listening Unix socket at `path`. A stale socket file (no one accepting) is replaced;
    /// a live one means another agent serves it, which is refused.
    static func listenUnix(path: String) throws(FileError) -> Int32 {
        guard let address = unixAddress(path) else {
            throw FileError(operation: "bind (path longer than 107 bytes)", path: path, errno: ENAMETOOLONG)
        }
        if Files.exists(path) {
            if let probe = try? connectUnix(path: path) {
                close(probe)
                throw FileError(operation: "bind (another edgeflow answers on it)", path: path, errno: EADDRINUSE)
            }
            unlink(path)
        }
        return try open(family: AF_UNIX, address: address, name: path, listening: true) { _ in }
    }

    /// A listening TCP socket on `address`.
    static func listenTCP(_ address: ListenAddress) throws(FileError) -> Int32 {
        let name = address.description
        var inet = sockaddr_in()
        inet.sin_family = sa_family_t(AF_INET)
        inet.sin_port = address.port.bigEndian
        guard inet_pton(AF_INET, address.host, &inet.sin_addr) == 1 else {
            throw FileError(operation: "parse address", path: name, errno: EINVAL)
        }
        return try open(family: AF_INET, address: inet, name: name, listening: true) { fd in
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    /// A stream socket of `family`, bound and listening on `address` (`listening`) or
    /// connected to it; `prepare` sets options first. Closed again when a step fails.
    private static func open<Address>(
        family: Int32, address: Address, name: String, listening: Bool, prepare: (Int32) -> Void
    ) throws(FileError) -> Int32 {
        var address = address
        let fd = try retrying("create socket", name) {
            socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        prepare(fd)
        do throws(FileError) {
            try retrying(listening ? "bind" : "connect to", name) {
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        listening
                            ? bind(fd, $0, socklen_t(MemoryLayout<Address>.size))
                            : connect(fd, $0, socklen_t(MemoryLayout<Address>.size))
                    }
                }
            }
            if listening { try retrying("listen", name) { listen(fd, 16) } }
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// A connected Unix stream socket to `path`.
    static func connectUnix(path: String) throws(FileError) -> Int32 {
        guard let address = unixAddress(path) else {
            throw FileError(operation: "connect (path longer than 107 bytes)", path: path, errno: ENAMETOOLONG)
        }
        return try open(family: AF_UNIX, address: address, name: path, listening: false) { _ in }
    }

    /// Bounds every blocking read and write on `fd` to `milliseconds`, so a client that
    /// connects and says nothing cannot hold the server.
    static func setTimeouts(_ fd: Int32, milliseconds: Int) {
        var tv = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Writes all of `bytes`; false when the peer went away or the write timed out.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    /// Reads what is available into `buffer` (at most `limit` bytes in total); returns the
    /// bytes read, 0 at end of stream, -1 on a timeout or error.
    static func readSome(_ fd: Int32, into buffer: inout [UInt8], limit: Int) -> Int {
        var chunk = [UInt8](repeating: 0, count: min(4096, max(limit - buffer.count, 1)))
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n > 0 { buffer.append(contentsOf: chunk[0..<n]) }
            return n
        }
    }
}
