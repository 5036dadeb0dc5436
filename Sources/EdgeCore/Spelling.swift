/// The one "did you mean" of the project: config keys, board lines, bus and channel names,
/// point names, cron names and time zones all suggest through here, so a typo gets the same
/// kind of answer wherever it is made.
public enum Spelling {
    /// Edit distance counting a swap of neighbours as one edit (optimal string alignment):
    /// `tmep` is one typo away from `temp`, not two.
    public static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
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

    /// `distance` of two strings, ignoring case.
    public static func distance(_ a: String, _ b: String) -> Int {
        distance(Array(a.lowercased().unicodeScalars), Array(b.lowercased().unicodeScalars))
    }

    /// How many edits still count as a typo of a word of `length` characters.
    public static func tolerance(forLength length: Int) -> Int {
        length <= 3 ? 1 : max(2, length / 3)
    }

    /// The option `word` most likely meant: one of `aliases[option]` (what other tools call
    /// it), the same word in another case, an option the word starts with (`baudrate` for
    /// `baud`), or the closest within `tolerance`. Nil when nothing is close.
    public static func closest(to word: String, among options: [String], aliases: [String: [String]] = [:]) -> String? {
        let lower = word.lowercased()
        for option in options where aliases[option]?.contains(where: { $0.lowercased() == lower }) == true {
            return option
        }
        if let same = options.first(where: { $0.lowercased() == lower }) { return same }
        let prefixed = options.filter { $0.count >= 3 && lower.count > $0.count && lower.hasPrefix($0.lowercased()) }
        if let longest = prefixed.max(by: { $0.count < $1.count }) { return longest }
        var best: (option: String, distance: Int)?
        for option in options {
            let d = distance(lower, option)
            if d < (best?.distance ?? Int.max) { best = (option, d) }
        }
        guard let best, best.distance <= tolerance(forLength: word.unicodeScalars.count) else { return nil }
        return best.option
    }

    /// `did you mean 'x'?` when an option is close, else nil.
    public static func didYouMean(_ word: String, among options: [String], aliases: [String: [String]] = [:]) -> String? {
        closest(to: word, among: options, aliases: aliases).map { "did you mean '\($0)'?" }
    }
}
