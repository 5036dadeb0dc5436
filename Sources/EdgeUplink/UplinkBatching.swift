import EdgeCore

/// Whether the `count`th occurrence of a recurring problem is logged: the 1st, 2nd, 4th, 8th...
/// so an outage is logged at its start and then sparsely, not once per attempt for hours.
func isSparseLogPoint<T: FixedWidthInteger>(_ count: T) -> Bool {
    count > 0 && count.nonzeroBitCount == 1
}

/// The refused batches kept under a dead-letter directory (`<first>-<last>.json`), oldest first.
public enum DeadLetters {
    /// File names of the kept batches, ordered by their first sequence number.
    public static func list(in directory: String) -> [String] {
        Files.list(directory).filter { $0.hasSuffix(".json") }.sorted {
            (UInt64($0.prefix { $0.isNumber }) ?? 0) < (UInt64($1.prefix { $0.isNumber }) ?? 0)
        }
    }
}
