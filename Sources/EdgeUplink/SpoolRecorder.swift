public import EdgeCore
public import EdgePipeline
import Synchronization

/// The pipeline's recorder when an uplink is configured: every frame and every harvested
/// message becomes one spool record (its `RecordEncoding` members), which the uplink sends
/// and acknowledges. Frames are written as they come and fsync'd at most once per
/// `syncInterval` (and on the pipeline's durable flushes at shutdown), so a power cut loses at
/// most that much; a harvest message is synced before the action reports success.
public final class SpoolRecorder: Recorder {
    private let spool: Spool
    private let sources: [(id: String, points: [String])]
    private let onFailure: @Sendable (String) -> Void
    private let recordFrames: Bool
    private let syncIntervalNanoseconds: Int64
    private let clock: any EdgeClock
    private let lastSync: Atomic<Int64>
    /// Per source, per point: left out of the records (docs/safety.md S8).
    private let omit: [[Bool]]
    /// Member names masked in harvested messages.
    private let redacted: Set<String>

    /// Records into `spool` for the given sources (ids and point names, in config order);
    /// with `recordFrames` false only harvested messages are spooled (`record: flows`).
    /// `onFailure` hears about frames that could not be written (a full disk). Points named in
    /// `redacted` never reach the spool: frames leave them out, harvested messages carry
    /// `"[redacted]"` in their place, so nothing marked `redact` is uplinked.
    public init(
        spool: Spool, sources: [(id: String, points: [String])], recordFrames: Bool = true,
        syncIntervalNanoseconds: Int64 = 1_000_000_000, clock: any EdgeClock = SystemClock(),
        redacted: Set<String> = [], onFailure: @escaping @Sendable (String) -> Void
    ) {
        omit = sources.map { source in source.points.map { redacted.contains($0) } }
        self.redacted = redacted
        self.recordFrames = recordFrames
        self.syncIntervalNanoseconds = syncIntervalNanoseconds
        self.clock = clock
        lastSync = Atomic(clock.monotonicNanoseconds())
        self.spool = spool
        self.sources = sources
        self.onFailure = onFailure
    }

    public var lastSequence: UInt64 { spool.stats.lastSequence }

    public func record(_ frame: FrameView) {
        guard recordFrames, frame.source < sources.count,
            let body = RecordEncoding.frame(frame, source: sources[frame.source], omit: omit[frame.source])
        else {
            return
        }
        do {
            _ = try spool.append(Array(body.utf8))
        } catch {
            onFailure("\(error)")
        }
    }

    public func append(_ message: RecordedMessage) throws(RecorderError) -> UInt64 {
        do {
            var masked = message
            masked.payload = message.payload.redacting(redacted)
            let sequence = try spool.append(Array(RecordEncoding.message(masked).utf8))
            try spool.sync()
            return sequence
        } catch {
            throw RecorderError("\(error)")
        }
    }

    public func flush(durable: Bool) throws(RecorderError) {
        let now = clock.monotonicNanoseconds()
        guard durable || now - lastSync.load(ordering: .relaxed) >= syncIntervalNanoseconds else { return }
        lastSync.store(now, ordering: .relaxed)
        do {
            try spool.sync()
        } catch {
            throw RecorderError("\(error)")
        }
    }
}
