/// Parsing and printing of durations and sizes with units, as config files write them.
public enum Quantity {
    /// `500ms`, `10s`, `1.5s`, `5m`, `2h`, `1d`, `250us`, `100ns` → nanoseconds; nil if malformed.
    /// A bare number is refused: a unitless "10" is the classic seconds-or-milliseconds trap.
    public static func parseDuration(_ text: String) -> Int64? {
        let units: [(String, Double)] = [
            ("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9), ("d", 86400e9),
        ]
        return parse(text, units: units)
    }

    /// `512B`, `64KiB`, `16MiB`, `1GiB`, `10kB`, `5MB`, `1GB` → bytes; nil if malformed.
    public static func parseSize(_ text: String) -> Int64? {
        let units: [(String, Double)] = [
            ("B", 1), ("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824),
            ("kB", 1000), ("KB", 1000), ("MB", 1e6), ("GB", 1e9),
        ]
        return parse(text, units: units)
    }

    private static func parse(_ text: String, units: [(String, Double)]) -> Int64? {
        let trimmed = text.trimmingSpaces()
        let digits = trimmed.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let unit = trimmed.dropFirst(digits.count).trimmingSpaces()
        guard !digits.isEmpty, digits.filter({ $0 == "." }).count <= 1, digits.last != ".",
            let number = Double(digits),
            let scale = units.first(where: { $0.0 == unit })?.1
        else { return nil }
        let value = number * scale
        guard value.isFinite, value < 9.2e18 else { return nil }
        return Int64(value.rounded())
    }

    /// A `Duration` in whole nanoseconds (saturating), for formatting and clocks.
    public static func nanoseconds(_ d: Duration) -> Int64 {
        let (seconds, attoseconds) = d.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? (seconds < 0 ? Int64.min : Int64.max) : whole &+ attoseconds / 1_000_000_000
    }

    /// The shortest readable form of a duration: `500ms`, `10s`, `2m`, `1h`.
    public static func formatDuration(_ ns: Int64) -> String {
        let units: [(String, Int64)] = [("d", 86_400_000_000_000), ("h", 3_600_000_000_000), ("m", 60_000_000_000),
            ("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1000)]
        for (name, scale) in units where ns >= scale && ns % scale == 0 { return "\(ns / scale)\(name)" }
        for (name, scale) in units where ns >= scale {
            return "\(JSONValue.formatNumber(Double(ns) / Double(scale)))\(name)"
        }
        return "\(ns)ns"
    }

    /// A span of time for people, rounded to what matters for a wait: `480 ms`, `3.6 s`, `42 s`,
    /// `5 min 3 s`, `2 h 5 min`. Unlike `formatDuration`, which prints config values exactly
    /// (`3573478us`), this is for messages such as "next change allowed in 3.6 s".
    public static func formatSpan(_ ns: Int64) -> String {
        let ms = (max(ns, 0) + 500_000) / 1_000_000
        if ms < 1000 { return "\(max(ms, 1)) ms" }
        let tenths = (ms + 50) / 100
        if tenths < 100 { return tenths % 10 == 0 ? "\(tenths / 10) s" : "\(tenths / 10).\(tenths % 10) s" }
        let seconds = (ms + 500) / 1000
        if seconds < 60 { return "\(seconds) s" }
        if seconds < 3600 { return seconds % 60 == 0 ? "\(seconds / 60) min" : "\(seconds / 60) min \(seconds % 60) s" }
        let minutes = (seconds + 30) / 60
        return minutes % 60 == 0 ? "\(minutes / 60) h" : "\(minutes / 60) h \(minutes % 60) min"
    }

    /// The shortest readable form of a size in binary units: `64MiB`, `512B`.
    public static func formatSize(_ bytes: Int64) -> String {
        let units: [(String, Int64)] = [("GiB", 1_073_741_824), ("MiB", 1_048_576), ("KiB", 1024)]
        for (name, scale) in units where bytes >= scale && bytes % scale == 0 { return "\(bytes / scale)\(name)" }
        return "\(bytes)B"
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    public func trimmingSpaces() -> String {
        let scalars = unicodeScalars.drop { $0 == " " || $0 == "\t" }
        var end = scalars.endIndex
        while end > scalars.startIndex {
            let prev = scalars.index(before: end)
            if scalars[prev] == " " || scalars[prev] == "\t" { end = prev } else { break }
        }
        return String(String.UnicodeScalarView(scalars[scalars.startIndex..<end]))
    }
}
