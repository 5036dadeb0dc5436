/// Arithmetic and text shared by every benchmark's summary line: medians of interleaved
/// rounds, durations as numbers, and fixed-point text without Foundation's formatter.
public enum BenchFigures {
    /// The median (mean of the middle two for an even count); 0 for no values.
    public static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count.isMultiple(of: 2) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle]
    }

    /// `value` with exactly `digits` decimals; non-finite values as Swift prints them.
    public static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int64((value * Double(scale)).rounded())
        let whole = scaled / scale
        var fraction = String(abs(scaled % scale))
        while fraction.count < digits { fraction = "0" + fraction }
        let sign = scaled < 0 && whole == 0 ? "-" : ""
        return digits == 0 ? "\(whole)" : "\(sign)\(whole).\(fraction)"
    }

    /// A duration in nanoseconds.
    public static func nanoseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }

    /// A duration in seconds.
    public static func seconds(_ duration: Duration) -> Double { nanoseconds(duration) / 1e9 }
}
