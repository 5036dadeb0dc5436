public import EdgeCore

/// One generation's recorder: it knows that config's sources, encodes each frame on the
/// pipeline's thread (`RecordEncoding`) and hands the bytes to the process's `RecordWriter`,
/// which outlives reloads, so numbering and the spool carry on. It never touches a file.
public final class HandoffRecorder: Recorder {
    private let writer: RecordWriter
    private let sources: [(id: String, points: [String])]
    private let recordFrames: Bool
    /// Per source, per point: left out of the records (docs/safety.md S8).
    private let omit: [[Bool]]
    /// Member names masked in harvested messages.
    private let redacted: Set<String>

    /// A recorder for `sources` (ids and point names, in config order) over `writer`. With
    /// `recordFrames` false only harvested messages are recorded (`record: flows`). Points named
    /// in `redacted` never reach the store: frames leave them out, harvested messages carry
    /// `"[redacted]"` in their place (the uplink's redaction).
    public init(
        writer: RecordWriter, sources: [(id: String, points: [String])], recordFrames: Bool = true,
        redacted: Set<String> = []
    ) {
        self.writer = writer
        self.sources = sources
        self.recordFrames = recordFrames
        self.redacted = redacted
        omit = sources.map { source in source.points.map { redacted.contains($0) } }
    }

    public var lastSequence: UInt64 { writer.lastSequence }

    public func record(_ frame: FrameView) {
        guard recordFrames, frame.source < sources.count,
            var body = RecordEncoding.frame(frame, source: sources[frame.source], omit: omit[frame.source])
        else { return }
        body.withUTF8 { writer.offer(UnsafeRawBufferPointer($0)) }
    }

    public func append(_ message: RecordedMessage) throws(RecorderError) -> UInt64 {
        var masked = message
        if !redacted.isEmpty { masked.payload = message.payload.redacting(redacted) }
        return try writer.appendDurably(Array(RecordEncoding.message(masked).utf8))
    }

    public func flush(durable: Bool) throws(RecorderError) {
        if durable {
            try writer.flushDurably()
        } else {
            writer.kick()
        }
    }
}
