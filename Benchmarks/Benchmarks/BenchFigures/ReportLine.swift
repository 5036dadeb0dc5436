/// The machine-readable twin of a benchmark's human summary line: `make bench` collects these
/// from all output and `Benchmarks/report.py` prints them as one table against the targets of
/// docs/performance.md. The format (described in full in report.py) is one line per figure:
///
///     BENCH|<id>|<value>|<unit>|<reference>|<ratio>|<name>=<value>;...
///     BENCH|<id>|not measured|<why>
///
/// The human line stays as it was; this line carries the same numbers, not new measurements.
public enum ReportLine {
    /// The prefix report.py looks for at the start of a line.
    public static let prefix = "BENCH|"

    /// One measured figure of target `id` (e.g. "P1"): `value` in `unit`, the reference figure as
    /// text with its unit ("none" when the target has no reference), `ratio` (value / reference,
    /// nil when there is none), and extra named figures the target's other criteria are checked on.
    public static func measured(
        _ id: String, value: Double, digits: Int, unit: String, reference: String, ratio: Double?,
        extras: [(name: String, value: Double, digits: Int)] = []
    ) -> String {
        let ratioText = ratio.map { BenchFigures.fixed($0, 2) } ?? "-"
        let extraText = extras.map { "\(extraName($0.name))=\(BenchFigures.fixed($0.value, $0.digits))" }
            .joined(separator: ";")
        return prefix + [id, BenchFigures.fixed(value, digits), unit, reference, ratioText]
            .map(field).joined(separator: "|") + "|" + extraText
    }

    /// Target `id` was not measured in this run, and why.
    public static func notMeasured(_ id: String, _ why: String) -> String {
        prefix + field(id) + "|not measured|" + field(why)
    }

    /// `text` without the characters that separate fields, so a message cannot break the line.
    private static func field(_ text: String) -> String {
        String(text.map { $0 == "|" || $0 == "\n" ? " " : $0 })
    }

    /// An extra figure's name, also without the characters that separate extras.
    private static func extraName(_ text: String) -> String {
        String(field(text).map { $0 == ";" || $0 == "=" ? " " : $0 })
    }
}
