/// Where in an input file something is: 1-based line and column, and the path of the
/// field (`sources[2].points[0].type`) so a message points at the exact spot.
public struct SourceLocation: Sendable, Equatable, Hashable {
    /// The file as the user named it.
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column.
    public var column: Int

    /// Creates a location.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }
}

/// One problem found while reading config, boards or flows. Problems are collected and
/// reported together, so a technician fixes a file in one pass.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    /// How bad it is.
    public enum Severity: String, Sendable {
        case error
        case warning
        case note
    }

    /// Error, warning or note.
    public var severity: Severity
    /// Where; nil for problems that belong to no file (a missing file is located at the referrer).
    public var location: SourceLocation?
    /// The field path, e.g. `sources[0].interval`; empty when it is the whole document.
    public var path: String
    /// What is wrong and what was expected.
    public var message: String
    /// How to fix it, when there is something useful to say.
    public var hint: String?

    /// Creates a diagnostic.
    public init(
        _ severity: Severity, at location: SourceLocation?, path: String = "", _ message: String, hint: String? = nil
    ) {
        self.severity = severity
        self.location = location
        self.path = path
        self.message = message
        self.hint = hint
    }

    /// `file:line:column: error: path: message (hint)`: the form compilers use, which editors
    /// and CI annotators understand.
    public var description: String {
        var out = ""
        if let location {
            out += "\(location.file):\(location.line):\(location.column): "
        }
        out += "\(severity.rawValue): "
        if !path.isEmpty { out += "\(path): " }
        out += message
        if let hint { out += "\n    hint: \(hint)" }
        return out
    }
}

/// Collects diagnostics while a whole input is checked.
public struct DiagnosticBag: Sendable {
    /// Everything found so far, in the order found.
    public private(set) var all: [Diagnostic] = []

    /// Creates an empty bag.
    public init() {}

    /// Adds one diagnostic.
    public mutating func add(_ diagnostic: Diagnostic) { all.append(diagnostic) }

    /// Adds an error.
    public mutating func error(_ location: SourceLocation?, _ path: String, _ message: String, hint: String? = nil) {
        all.append(Diagnostic(.error, at: location, path: path, message, hint: hint))
    }

    /// Adds a warning.
    public mutating func warning(_ location: SourceLocation?, _ path: String, _ message: String, hint: String? = nil) {
        all.append(Diagnostic(.warning, at: location, path: path, message, hint: hint))
    }

    /// Adds everything from another bag.
    public mutating func merge(_ other: DiagnosticBag) { all += other.all }

    /// Whether any error (not just warnings) was found.
    public var hasErrors: Bool { all.contains { $0.severity == .error } }
    /// The errors only.
    public var errors: [Diagnostic] { all.filter { $0.severity == .error } }
}
