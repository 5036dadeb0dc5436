/// What a full ring does with a new sample.
public enum DropPolicy: String, Sendable, CaseIterable {
    /// Discard the oldest queued sample to make room: fresh readings matter more (default).
    case dropOldest = "drop-oldest"
    /// Discard the new sample: keep the backlog intact.
    case dropNewest = "drop-newest"
}
