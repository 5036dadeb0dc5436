#if canImport(Glibc)
    import Glibc
#endif

/// Why a GPIO chip or line could not be used, phrased for the person at the cabinet: what
/// failed, on which chip or line, and what to do about it.
public struct GPIOError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What failed (`cannot open /dev/gpiochip0`, `line GPIO17 is in use`).
    public var message: String
    /// What to do about it, when there is something to do.
    public var hint: String?
    /// The errno behind it, 0 when none.
    public var errno: Int32

    /// Creates an error.
    public init(_ message: String, hint: String? = nil, errno: Int32 = 0) {
        self.message = message
        self.hint = hint
        self.errno = errno
    }

    /// `message (hint: ...)`.
    public var description: String { hint.map { "\(message) (hint: \($0))" } ?? message }

    /// An error for a failed call on `what`, with the usual remedies for the common errnos.
    static func system(_ what: String, errno code: Int32) -> GPIOError {
        let reason = String(cString: strerror(code))
        switch code {
        case EACCES, EPERM:
            return GPIOError(
                "\(what): permission denied", hint: "run edgeflow as a member of the 'gpio' group (usermod -aG gpio USER)",
                errno: code)
        case EBUSY:
            return GPIOError(
                "\(what): the line is in use", hint: "another program holds it; `edgeflow gpio list` shows its consumer",
                errno: code)
        default:
            return GPIOError("\(what): \(reason)", errno: code)
        }
    }
}
