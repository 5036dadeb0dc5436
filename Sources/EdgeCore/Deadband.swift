/// The one rule for "did this value change enough to report": used by the pipeline for point
/// deadbands (what is recorded) and by the flow engine's report policies (which readings start
/// a run), so both agree on what a change is.
public enum Deadband {
    /// Whether `value` differs from `last` by more than `band` (nil band: any difference).
    /// NaN to NaN is no change; NaN to a number, or a change of infinity, always is.
    @inlinable
    public static func moved(_ value: Double, from last: Double, band: Double?) -> Bool {
        if value.isNaN || last.isNaN { return value.isNaN != last.isNaN }
        guard let band else { return value != last }
        if value.isInfinite || last.isInfinite { return value != last }
        return abs(value - last) > band
    }
}
