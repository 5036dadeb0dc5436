import EdgeCore

/// Where a column inside a field's text is in the file, for diagnostics.
///
/// `LocatedText.location` is where the field's value node starts: the opening quote of a
/// quoted string, the first character of a plain YAML scalar, the indicator of a YAML block
/// scalar. The text itself is the decoded value, so the mapping is a reasoned estimate:
/// - one line of text: the node's line; the column is `location.column + 1` (the opening quote,
///   which JSON always has and YAML conditions usually need) `+ column - 1`; in a `.json` file
///   each character before the column that JSON escapes (`"`, `\`, control characters) adds one
///   more, because it takes two characters in the file;
/// - several lines in a YAML file (a block scalar): the text's line counted from the line after
///   the node's, and the column within that line of the text (the block's indentation is not
///   known here).
/// Every expression message also states the column inside the expression, which is exact.
enum FlowSourcePosition {
    static func location(ofColumn column: Int, in text: LocatedText) -> SourceLocation {
        let base = text.location
        let isJSONFile = base.file.lowercased().hasSuffix(".json")
        let column = max(1, column)
        if isJSONFile || !text.text.contains("\n") {
            var escapes = 0
            if isJSONFile {
                for scalar in text.text.unicodeScalars.prefix(column - 1)
                where scalar == "\"" || scalar == "\\" || scalar.value < 0x20 {
                    escapes += 1
                }
            }
            return SourceLocation(file: base.file, line: base.line, column: base.column + column + escapes)
        }
        let error = ExpressionError(column: column, message: "")
        let (line, inLine) = error.lineAndColumn(in: text.text)
        return SourceLocation(file: base.file, line: base.line + line, column: inLine)
    }
}

/// Small helpers for naming things in diagnostics.
enum FlowNames {
    /// `did you mean 'x'?` for the closest of `options` when it is close enough.
    static func suggestion(for word: String, among options: [String]) -> String? {
        Spelling.didYouMean(word, among: options)
    }

    /// A suggestion when there is one, else the list of what exists.
    static func hint(for word: String, among options: [String], kind: String) -> String {
        if let suggestion = suggestion(for: word, among: options) { return suggestion }
        if options.isEmpty { return "there are no \(kind)s" }
        return "\(kind)s: " + options.sorted().joined(separator: ", ")
    }

    /// The item path of a field path (`actions[2]` of `actions[2].channelId`), or `fallback`.
    static func itemPath(of fieldPath: String, field: String, fallback: String) -> String {
        let suffix = "." + field
        guard fieldPath.hasSuffix(suffix) else { return fallback }
        return String(fieldPath.dropLast(suffix.count))
    }
}
