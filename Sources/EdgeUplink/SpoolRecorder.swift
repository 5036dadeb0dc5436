import EdgeCore
public import EdgePipeline

/// The pipeline's recorder when an uplink is configured: every frame and every harvested
/// message becomes one spool record (its `RecordEncoding` members), which the uplink sends
/// and acknowledges. Frames are written as they come and synced on the pipeline's durable
/// flushes; a harvest message is synced before the action reports success.
public final class SpoolRecorder: Recorder {
    private let spool: Spool
    private let sources: [(id: String, points: [String])]
    private let onFailure: @Sendable (String) -> Void
    private let recordFrames: Bool

    /// Records into `spool` for the given sources (ids and point names, in config order);
    /// with `recordFrames` false only harvested messages are spooled (`record: flows`).
    /// `onFailure` hears about frames that could not be written (a full disk).
    public init(
        spool: Spool, sources: [(id: String, points: [String])], recordFrames: Bool = true,
        onFailure: @escaping @Sendable (String) -> Void
    ) {
        self.recordFrames = recordFrames
        self.spool = spool
        self.sources = sources
        self.onFailure = onFailure
    }

    public var lastSequence: UInt64 { spool.stats.lastSequence }

    public func record(_ frame: FrameView) {
        guard recordFrames, frame.source < sources.count, let body = RecordEncoding.frame(frame, source: sources[frame.source]) else {
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
            let sequence = try spool.append(Array(RecordEncoding.message(message).utf8))
            try spool.sync()
            return sequence
        } catch {
            throw RecorderError("\(error)")
        }
    }

    public func flush(durable: Bool) throws(RecorderError) {
        guard durable else { return }
        do {
            try spool.sync()
        } catch {
            throw RecorderError("\(error)")
        }
    }
}
