#if canImport(Glibc)
    import Glibc
#endif
import Synchronization

/// A fresh directory under /tmp for one test (pty links, logs, layouts), removed with its
/// contents by `remove()` or when released.
public final class TemporaryDirectory: Sendable {
    /// The directory's absolute path.
    public let path: String
    private let counter = Atomic<Int>(0)

    /// Creates `/tmp/<prefix>-XXXXXX`.
    public init(prefix: String = "edgeflow-test") throws(PeerError) {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> UnsafeMutablePointer<CChar>? in
            guard let base = buffer.baseAddress else { return nil }
            return mkdtemp(base)
        }
        guard let made else {
            throw PeerError("cannot create a temporary directory: \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
    }

    deinit { remove() }

    /// A path inside the directory that no earlier call returned: `<dir>/<n>-<name>`.
    public func uniquePath(_ name: String) -> String {
        let n = counter.add(1, ordering: .relaxed).newValue
        return "\(path)/\(n)-\(name)"
    }

    /// A path inside the directory.
    public func file(_ name: String) -> String { "\(path)/\(name)" }

    /// Writes a text file into the directory and returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String) throws(PeerError) -> String {
        try put(name, text, mode: "w")
    }

    /// Appends text to a file in the directory (created if missing) and returns its path.
    @discardableResult
    public func append(_ name: String, _ text: String) throws(PeerError) -> String {
        try put(name, text, mode: "a")
    }

    private func put(_ name: String, _ text: String, mode: String) throws(PeerError) -> String {
        let target = file(name)
        guard let handle = fopen(target, mode) else {
            throw PeerError("cannot write \(target): \(String(cString: strerror(errno)))")
        }
        defer { fclose(handle) }
        guard fputs(text, handle) >= 0 else { throw PeerError("cannot write \(target)") }
        return target
    }

    /// Deletes the directory and everything in it (symlinks are removed, not followed).
    public func remove() {
        Self.removeTree(path)
    }

    private static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            if let dir = opendir(path) {
                var names: [String] = []
                while let entry = readdir(dir) {
                    let name = withUnsafePointer(to: &entry.pointee.d_name) {
                        String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
                    }
                    if name != "." && name != ".." { names.append(name) }
                }
                closedir(dir)
                for name in names { removeTree("\(path)/\(name)") }
            }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}

/// Reads a whole file as text (empty when missing).
public func readTextFile(_ path: String) -> String {
    guard let handle = fopen(path, "r") else { return "" }
    defer { fclose(handle) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = fread(&buffer, 1, buffer.count, handle)
        if n <= 0 { break }
        bytes.append(contentsOf: buffer[0..<n])
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Whether a path exists (a symlink counts only if its target exists).
public func fileExists(_ path: String) -> Bool {
    access(path, F_OK) == 0
}
