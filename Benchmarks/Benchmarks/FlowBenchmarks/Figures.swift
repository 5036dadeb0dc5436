import MallocInterposerSwift

/// Small helpers for the summary lines: timing a round, counting its mallocs, medians and
/// fixed-point text without Foundation.
enum Figures {
    /// Runs `body` once and returns its wall time in nanoseconds divided by `per`, and the
    /// mallocs it made (counted only when `countMallocs`, so the hook is off for references).
    @inline(__always)
    static func round(per: Int, countMallocs: Bool, _ body: () -> Void) -> (nanoseconds: Double, mallocs: Int) {
        let clock = ContinuousClock()
        let before = MallocInterposerSwift.getStatistics().mallocCount
        if countMallocs { MallocInterposerSwift.hook() }
        let start = clock.now
        body()
        let elapsed = start.duration(to: clock.now)
        if countMallocs { MallocInterposerSwift.unhook() }
        let mallocs = countMallocs ? MallocInterposerSwift.getStatistics().mallocCount - before : 0
        return (nanoseconds(elapsed) / Double(per), mallocs)
    }

    static func nanoseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count.isMultiple(of: 2) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle]
    }

    /// `value` with exactly `digits` decimals.
    static func fixed(_ value: Double, _ digits: Int) -> String {
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

    /// `part` of `whole` as a whole percentage.
    static func percent(_ part: Int, of whole: Int) -> String {
        whole > 0 ? "\(Int((Double(part) * 100 / Double(whole)).rounded()))%" : "n/a"
    }
}
