/// Why a cron schedule was refused: the 1-based column (in Unicode scalars) of the offending
/// character in the expression, or 0 when the time zone is at fault; what is wrong; and how
/// to fix it when there is something useful to say. The config compiler adds file and path.
public struct CronError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, e.g. `minute 60 is out of range 0-59`.
    public var message: String
    /// 1-based column inside the expression; 0 for errors about the time zone.
    public var column: Int
    /// How to fix it, e.g. `did you mean 'JUN'?`.
    public var hint: String?

    /// Creates an error.
    public init(message: String, column: Int, hint: String? = nil) {
        self.message = message
        self.column = column
        self.hint = hint
    }

    /// `column N: message (hint: ...)`, without the column for time zone errors.
    public var description: String {
        var out = column > 0 ? "column \(column): \(message)" : message
        if let hint { out += " (hint: \(hint))" }
        return out
    }
}
