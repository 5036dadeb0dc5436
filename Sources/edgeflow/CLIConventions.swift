import ArgumentParser
import EdgeConfig
import EdgeCore

// Conventions every edgeflow command follows (docs/cli.md):
// - a value that may begin with '-' (numbers, expressions, JSON) is parsed `.unconditional`,
//   so `--value -5` is a value, not an unknown option;
// - durations carry a unit, exactly as in the config (`500ms`, `2s`), through `CLIDuration`;
// - every command that prints data takes `--json` and then prints one JSON document (or JSON
//   lines, said in its help) on standard output, through `printJSON`;
// - every command's `discussion` ends with at least one `Example:` line.

/// Parses a duration option with the config's grammar (EdgeCore `Quantity`), so the command line
/// and the config read `500ms` and `2s` the same way and a bare number is refused with a hint.
enum CLIDuration {
    /// `500ms` → 0.5 s; a unitless, negative or malformed value is a usage error (exit 2).
    static func parse(_ text: String) throws -> Duration {
        guard let nanoseconds = Quantity.parseDuration(text) else {
            let bare = !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") }
            let hint =
                bare
                ? "add a unit, e.g. \(text)ms or \(text)s"
                : "write a number and a unit: ns, us, ms, s, m, h, d (e.g. 500ms, 2s)"
            throw ValidationError("'\(text)' is not a duration; \(hint)")
        }
        return .nanoseconds(nanoseconds)
    }

    /// `duration` checked against `range`, with the option's name in the message.
    static func check(_ duration: Duration, option: String, within range: ClosedRange<Duration>) throws -> Duration {
        guard range.contains(duration) else {
            let show = { Quantity.formatDuration(Quantity.nanoseconds($0)) }
            throw ValidationError(
                "\(option) \(show(duration)) must be \(show(range.lowerBound))...\(show(range.upperBound))")
        }
        return duration
    }
}

/// Prints one JSON document on standard output, compact, on one line.
func printJSON(_ value: JSONValue) {
    print(value.compactJSON)
}

/// Prints `object` built from ordered members (the order is the order of the keys on output).
func printJSON(_ members: [(String, JSONValue)]) {
    printJSON(.object(JSONObject(members.map { (key: $0.0, value: $0.1) })))
}

extension Diagnostic {
    /// The diagnostic as a JSON object: severity, file, line, column, path, message, hint.
    var json: JSONValue {
        var object = JSONObject([
            (key: "severity", value: .string(severity.rawValue)), (key: "path", value: .string(path)),
            (key: "message", value: .string(message)),
        ])
        if let location {
            object["file"] = .string(location.file)
            object["line"] = .number(Double(location.line))
            object["column"] = .number(Double(location.column))
        }
        object["hint"] = hint.map { .string($0) } ?? .null
        return .object(object)
    }
}

/// Compiles the config a command works on; with errors, prints every diagnostic and exits 2
/// (a config error), so each command reports a broken file the same way.
func compiledConfig(_ file: String) throws -> AgentConfig {
    let compilation = ConfigCompiler.compile(file: file)
    guard let config = compilation.config else {
        for d in compilation.diagnostics { printError(d.description) }
        throw ExitCode(2)
    }
    return config
}
