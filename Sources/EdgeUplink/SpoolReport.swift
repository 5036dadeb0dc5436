public import EdgeCore

/// How full the spool is and how long it can hold on: what `edgeflow spool stats` prints and
/// what the status socket reports while the agent runs. Reads two records at most (the oldest
/// pending and the newest), so it is cheap enough to compute on every status request.
public struct SpoolReport: Sendable {
    /// The spool's counters.
    public var stats: SpoolStats
    /// The cap in bytes.
    public var capBytes: Int64
    /// Timestamp (ms since the epoch) of the oldest record not yet acknowledged.
    public var oldestPendingMilliseconds: Int64?
    /// Timestamp (ms) of the newest record.
    public var newestMilliseconds: Int64?
    /// Dead-letter batches kept on disk.
    public var deadLetters: Int

    /// Reads the report of `spool` (whose cap is `capBytes`), counting dead letters in
    /// `deadLetterDirectory`.
    public init(spool: Spool, capBytes: Int64, deadLetterDirectory: String) {
        stats = spool.stats
        self.capBytes = capBytes
        let pending = (try? spool.read(after: stats.ackedSequence, maxRecords: 1, maxBytes: 1)) ?? []
        let newest =
            stats.lastSequence > 0
            ? ((try? spool.read(after: stats.lastSequence - 1, maxRecords: 1, maxBytes: 1)) ?? []) : []
        oldestPendingMilliseconds = stats.records > 0 ? pending.first.flatMap(Self.timestamp(of:)) : nil
        newestMilliseconds = newest.first.flatMap(Self.timestamp(of:))
        deadLetters = DeadLetters.list(in: deadLetterDirectory).count
    }

    /// Spooled bytes over the cap (0...1).
    public var fillRatio: Double { capBytes > 0 ? min(1, Double(stats.bytes) / Double(capBytes)) : 0 }

    /// Hours until the cap at the rate the pending data came in (free bytes / bytes per hour);
    /// nil while too little is pending to tell a rate.
    public var headroomHours: Double? {
        guard let oldest = oldestPendingMilliseconds, let newest = newestMilliseconds, newest > oldest, stats.bytes > 0
        else { return nil }
        let bytesPerHour = Double(stats.bytes) / (Double(newest - oldest) / 3_600_000)
        return max(0, Double(capBytes - stats.bytes)) / bytesPerHour
    }

    /// A record's time (ms since the epoch).
    private static func timestamp(of record: SpoolRecord) -> Int64? { record.timestampMilliseconds }
}
