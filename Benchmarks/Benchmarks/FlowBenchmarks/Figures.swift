import BenchFigures
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

    static func nanoseconds(_ duration: Duration) -> Double { BenchFigures.nanoseconds(duration) }
    static func median(_ values: [Double]) -> Double { BenchFigures.median(values) }
    static func fixed(_ value: Double, _ digits: Int) -> String { BenchFigures.fixed(value, digits) }

    /// `part` of `whole` as a whole percentage.
    static func percent(_ part: Int, of whole: Int) -> String {
        whole > 0 ? "\(Int((Double(part) * 100 / Double(whole)).rounded()))%" : "n/a"
    }
}
