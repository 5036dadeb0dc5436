import EdgeCore

#if canImport(Glibc)
    import Glibc
#endif

/// The system calls the spool makes, each retried on EINTR (a signal, e.g. SIGTERM during
/// shutdown, must not turn into a lost record) and each failing with a `FileError` that keeps
/// the errno, so the spool can react to ENOSPC and messages name the operation and path.
enum SpoolIO {
    /// open(2).
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws(FileError) -> Int32 {
        while true {
            let fd = Glibc.open(path, flags, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw FileError(operation: "open", path: path, errno: errno) }
        }
    }

    /// close(2), not retried: on Linux the descriptor is gone even when close reports EINTR, and
    /// a retry could close a descriptor another thread just opened.
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// write(2) until every byte is written (short writes happen on signals and full disks).
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(FileError) {
        var failure: Int32 = 0
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Glibc.write(fd, raw.baseAddress.map { $0 + done }, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                // write(2) returning 0 for a non-empty request has no defined cause; treat it as
                // a full device rather than spin.
                if n == 0 {
                    failure = ENOSPC
                    return
                }
                done += n
            }
        }
        if failure != 0 { throw FileError(operation: "write", path: path, errno: failure) }
    }

    /// pread(2) into `buffer[0..<count]` from `offset`; returns fewer bytes only at end of file.
    static func read(
        _ fd: Int32, into buffer: inout [UInt8], count: Int, at offset: Int64, path: String
    ) throws(FileError) -> Int {
        var failure: Int32 = 0
        let total = buffer.withUnsafeMutableBytes { raw -> Int in
            var done = 0
            while done < count {
                let n = pread(fd, raw.baseAddress.map { $0 + done }, count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return done
                }
                if n == 0 { break }
                done += n
            }
            return done
        }
        if failure != 0 { throw FileError(operation: "read", path: path, errno: failure) }
        return total
    }

    /// fsync(2).
    static func sync(_ fd: Int32, path: String) throws(FileError) {
        while fsync(fd) != 0 {
            if errno != EINTR { throw FileError(operation: "fsync", path: path, errno: errno) }
        }
    }

    /// ftruncate(2).
    static func truncate(_ fd: Int32, to size: Int64, path: String) throws(FileError) {
        while ftruncate(fd, off_t(size)) != 0 {
            if errno != EINTR { throw FileError(operation: "truncate", path: path, errno: errno) }
        }
    }

    /// The size of an open file.
    static func size(_ fd: Int32, path: String) throws(FileError) -> Int64 {
        var info = stat()
        while fstat(fd, &info) != 0 {
            if errno != EINTR { throw FileError(operation: "stat", path: path, errno: errno) }
        }
        return Int64(info.st_size)
    }

    /// The size of a file by path.
    static func size(of path: String) throws(FileError) -> Int64 {
        var info = stat()
        while stat(path, &info) != 0 {
            if errno != EINTR { throw FileError(operation: "stat", path: path, errno: errno) }
        }
        return Int64(info.st_size)
    }

    /// unlink(2); a file that is already gone counts as removed.
    static func remove(_ path: String) throws(FileError) {
        while unlink(path) != 0 {
            if errno == ENOENT { return }
            if errno != EINTR { throw FileError(operation: "delete", path: path, errno: errno) }
        }
    }

    /// rename(2).
    static func rename(_ from: String, to: String) throws(FileError) {
        while Glibc.rename(from, to) != 0 {
            if errno != EINTR { throw FileError(operation: "rename to '\(to)'", path: from, errno: errno) }
        }
    }

    /// An exclusive, non-blocking flock(2); false when another open description holds it.
    static func lockExclusively(_ fd: Int32, path: String) throws(FileError) -> Bool {
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EWOULDBLOCK { return false }
            if errno != EINTR { throw FileError(operation: "lock", path: path, errno: errno) }
        }
        return true
    }

    /// Bytes an unprivileged process may still write on the file system holding `fd`
    /// (f_bavail * f_frsize), or nil when the file system does not say.
    static func availableBytes(_ fd: Int32) -> Int64? {
        var info = statvfs()
        while fstatvfs(fd, &info) != 0 {
            if errno != EINTR { return nil }
        }
        let (bytes, overflow) = UInt64(info.f_bavail).multipliedReportingOverflow(by: UInt64(info.f_frsize))
        return overflow ? Int64.max : Int64(clamping: bytes)
    }
}
