#if canImport(Glibc)
    import Glibc
#endif

/// What a whole-file read found.
public enum FileLookup: Sendable, Equatable {
    /// The file's bytes.
    case bytes([UInt8])
    /// Nothing at that path.
    case missing
    /// A directory at that path.
    case directory
    /// It could not be read; the reason for people.
    case failed(String)
}

/// Read-only access to files, injected into code that must not do I/O of its own (the flow
/// language reads zone files through it), so tests can hand it an in-memory tree.
public protocol FileSource: Sendable {
    /// Reads a regular file of at most `limit` bytes.
    func read(_ path: String, limit: Int) -> FileLookup
    /// Whether `path` is a directory.
    func isDirectory(_ path: String) -> Bool
    /// The entries of a directory (at most `limit`), each with whether it is a directory;
    /// entries that are neither a regular file nor a directory are left out.
    func entries(_ path: String, limit: Int) -> [(name: String, isDirectory: Bool)]
}

/// The machine's own file system, through plain POSIX calls.
public struct LocalFiles: FileSource {
    /// Creates the local file source.
    public init() {}

    public func read(_ path: String, limit: Int) -> FileLookup {
        var descriptor: Int32
        repeat {
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
        } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return .missing }
            return .failed(String(cString: strerror(code)))
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return .failed(String(cString: strerror(errno))) }
        if (info.st_mode & S_IFMT) == S_IFDIR { return .directory }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return .failed("not a regular file") }
        guard info.st_size <= limit else { return .failed("larger than \(limit) bytes") }
        // One byte more than the size, to notice a file that grows while it is read.
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size) + 1)
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { buffer in
                Glibc.read(descriptor, buffer.baseAddress.map { $0 + filled }, buffer.count - filled)
            }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return .failed(String(cString: strerror(errno))) }
            if count == 0 { break }
            filled += count
        }
        guard filled <= limit else { return .failed("the file grew while being read") }
        return .bytes(Array(bytes[0..<filled]))
    }

    public func isDirectory(_ path: String) -> Bool {
        Files.isDirectory(path)
    }

    public func entries(_ path: String, limit: Int) -> [(name: String, isDirectory: Bool)] {
        guard let handle = opendir(path) else { return [] }
        defer { closedir(handle) }
        var out: [(name: String, isDirectory: Bool)] = []
        var budget = limit
        while budget > 0, let entry = readdir(handle) {
            budget -= 1
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            guard name != ".", name != ".." else { continue }
            var info = stat()
            guard stat(path + "/" + name, &info) == 0 else { continue }
            let kind = info.st_mode & S_IFMT
            if kind == S_IFDIR {
                out.append((name, true))
            } else if kind == S_IFREG {
                out.append((name, false))
            }
        }
        return out
    }
}
