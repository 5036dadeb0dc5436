/// A problem in a setting, before it has a place in a file: the field path (relative to what
/// was checked), what is wrong, and how to fix it. Every validator (Modbus settings, flow
/// actions' configs, the app compiler) reports these; the config compiler turns them into
/// `Diagnostic`s with file, line and column, which is the one form users see.
public struct ConfigProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field path (`config.url`), empty when the problem is the checked value itself.
    public var path: String
    /// What is wrong and what was expected.
    public var message: String
    /// How to fix it, when there is something useful to say.
    public var hint: String?

    /// Creates a problem at `path`.
    public init(path: String, message: String, hint: String? = nil) {
        self.path = path
        self.message = message
        self.hint = hint
    }

    /// Creates a problem with the checked value itself.
    public init(_ message: String, hint: String? = nil) {
        self.init(path: "", message: message, hint: hint)
    }

    /// The same problem with its path placed under `parent` (`actions[2].config` + `url`).
    public func under(_ parent: String) -> ConfigProblem {
        ConfigProblem(path: path.isEmpty ? parent : parent.isEmpty ? path : "\(parent).\(path)", message: message, hint: hint)
    }

    /// `path: message`, or the message alone.
    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
