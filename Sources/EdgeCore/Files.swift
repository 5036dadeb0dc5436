#if canImport(Glibc)
    import Glibc
#endif

/// A failed file operation, with the operation, the path and the errno text.
public struct FileError: Error, Sendable, CustomStringConvertible {
    /// What was attempted (`open`, `read`, `write`).
    public var operation: String
    /// The path involved.
    public var path: String
    /// The C errno value.
    public var errno: Int32

    /// Creates an error for `operation` on `path` that failed with `errno`.
    public init(operation: String, path: String, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    /// `cannot open 'x': No such file or directory`.
    public var description: String {
        "cannot \(operation) '\(path)': \(String(cString: strerror(errno)))"
    }
}

/// Small file helpers on plain POSIX calls (no Foundation).
public enum Files {
    /// Reads a whole file as UTF-8 text (invalid sequences replaced). Files over `limit` are refused.
    public static func readText(_ path: String, limit: Int = 16 << 20) throws(FileError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(operation: "read", path: path, errno: errno)
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > limit { throw FileError(operation: "read (file too large)", path: path, errno: EFBIG) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether a regular file or directory exists at `path`.
    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Removes a file; a file that is already gone is not an error (nothing else is reported).
    public static func remove(_ path: String) {
        _ = unlink(path)
    }

    /// Whether `path` is a directory.
    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// The entries of a directory (names only, without `.` and `..`), sorted.
    public static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Creates a directory and its parents (like `mkdir -p`).
    public static func makeDirectories(_ path: String) throws(FileError) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw FileError(operation: "create directory", path: current, errno: errno)
            }
        }
    }

    /// Replaces `path` with `bytes` crash-safely: write a temporary file beside it, fsync it,
    /// rename it over `path`, fsync the directory. After a power cut the file holds either the
    /// old content or the new, never a mix (the rename is atomic; the fsyncs order it after the
    /// data and make the rename itself durable).
    public static func writeAtomically(_ path: String, bytes: [UInt8]) throws(FileError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError(operation: "create", path: temporary, errno: errno) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                unlink(temporary)
                throw FileError(operation: "write", path: temporary, errno: code)
            }
            offset += n
        }
        if fsync(fd) != 0 {
            let code = errno
            close(fd)
            unlink(temporary)
            throw FileError(operation: "fsync", path: temporary, errno: code)
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw FileError(operation: "rename", path: path, errno: code)
        }
        let directory = open(Files.directory(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
    }

    /// The directory part of a path (`a/b/c.yaml` → `a/b`, `c.yaml` → `.`).
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// `path` resolved against `base` unless it is absolute.
    public static func resolve(_ path: String, against base: String) -> String {
        normalize(path.hasPrefix("/") ? path : (base == "." ? path : "\(base)/\(path)"))
    }

    /// Removes `.` parts and folds `dir/..` pairs, so messages show `demo-data`, not `config/../demo-data`.
    public static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
            } else {
                parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        return path.hasPrefix("/") ? "/" + joined : (joined.isEmpty ? "." : joined)
    }
}
