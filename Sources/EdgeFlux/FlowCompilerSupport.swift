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
        var best: (name: String, distance: Int)?
        let target = Array(word.lowercased().unicodeScalars)
        for option in options {
            let distance = editDistance(target, Array(option.lowercased().unicodeScalars))
            if distance < (best?.distance ?? Int.max) { best = (option, distance) }
        }
        guard let best, best.distance <= max(1, word.unicodeScalars.count / 3) else { return nil }
        return "did you mean '\(best.name)'?"
    }

    /// A suggestion when there is one, else the list of what exists.
    static func hint(for word: String, among options: [String], kind: String) -> String {
        if let suggestion = suggestion(for: word, among: options) { return suggestion }
        if options.isEmpty { return "there are no \(kind)s" }
        return "\(kind)s: " + options.sorted().joined(separator: ", ")
    }

    /// Edit distance counting a swap of neighbours as one edit (optimal string alignment):
    /// `tmep` is one typo away from `temp`, not two.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var beforePrevious = Array(repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], beforePrevious[j - 2] + 1)
                }
            }
            (beforePrevious, previous, current) = (previous, current, beforePrevious)
        }
        return previous[b.count]
    }

    /// The item path of a field path (`actions[2]` of `actions[2].channelId`), or `fallback`.
    static func itemPath(of fieldPath: String, field: String, fallback: String) -> String {
        let suffix = "." + field
        guard fieldPath.hasSuffix(suffix) else { return fallback }
        return String(fieldPath.dropLast(suffix.count))
    }
}
