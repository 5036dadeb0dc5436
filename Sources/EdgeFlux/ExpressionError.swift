/// Why an expression or template did not compile: the 1-based column (in Unicode scalars,
/// counted in the whole field for templates), what was expected and what was found, and a
/// hint when there is a likely fix. The config compiler adds the file and field path.
public struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based column of the offending token inside the expression or template string.
    public var column: Int
    /// What is wrong, e.g. `expected ')' to close '(' at column 3 but found end of expression`.
    public var message: String
    /// How to fix it, when there is something useful to say.
    public var hint: String?

    /// Creates an error.
    public init(column: Int, message: String, hint: String? = nil) {
        self.column = column
        self.message = message
        self.hint = hint
    }

    /// `column N: message (hint: ...)`.
    public var description: String {
        var out = "column \(column): \(message)"
        if let hint { out += " (hint: \(hint))" }
        return out
    }

    /// The source on one line with a caret under the column, then the message and hint; what
    /// the CLI prints. Tabs and line breaks are shown as spaces so the caret lines up.
    public func rendered(source: String) -> String {
        var line = ""
        for scalar in source.unicodeScalars {
            line.unicodeScalars.append(scalar.value < 0x20 ? " " : scalar)
        }
        var out = line + "\n"
        out += String(repeating: " ", count: Swift.max(0, column - 1)) + "^\n"
        out += "error: column \(column): \(message)"
        if let hint { out += "\nhint: \(hint)" }
        return out
    }
}
