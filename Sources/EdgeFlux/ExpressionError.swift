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

    /// The 1-based line and column of the error inside a multi-line `source` (a YAML block
    /// template, say), for tools that report positions per line. `column` itself counts the
    /// whole string, line breaks included.
    public func lineAndColumn(in source: String) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        for (index, scalar) in source.unicodeScalars.enumerated() where index < column - 1 && scalar == "\n" {
            line += 1
            lineStart = index + 1
        }
        return (line, column - lineStart)
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
