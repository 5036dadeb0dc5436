public import EdgeCore

/// One generation's recorder: it knows that config's sources, encodes each frame on the
/// pipeline's thread as a typed record (`FrameRecord`, names left to its `RecordSchema`) into
/// storage it reuses, and hands the bytes to the process's `RecordWriter`, which outlives
/// reloads, so numbering and the spool carry on. It never touches a file and, once its buffer
/// has grown to the largest frame, allocates nothing per frame.
public final class HandoffRecorder: Recorder, @unchecked Sendable {
    // @unchecked: `buffer` is used by `record` alone, which only the pipeline's thread calls.
    private let writer: RecordWriter
    private let sources: [(id: String, points: [String])]
    /// The names this generation's records leave out.
    public let schema: RecordSchema
    private var buffer: [UInt8] = []
    private let recordFrames: Bool
    /// Per source, per point: left out of the records (docs/safety.md S8).
    private let omit: [[Bool]]
    /// Member names masked in harvested messages.
    private let redacted: Set<String>

    /// A recorder for `sources` (ids and point names, in config order) over `writer`. With
    /// `recordFrames` false only harvested messages are recorded (`record: flows`). Points named
    /// in `redacted` never reach the store: frames leave them out, harvested messages carry
    /// `"[redacted]"` in their place (the uplink's redaction). The schema is registered with the
    /// writer's store here, so call this off the pipeline's thread.
    public init(
        writer: RecordWriter, sources: [(id: String, points: [String])], recordFrames: Bool = true,
        redacted: Set<String> = []
    ) throws(RecorderError) {
        schema = RecordSchema(sources)
        try writer.store.register(schema)
        self.writer = writer
        self.sources = sources
        self.recordFrames = recordFrames
        self.redacted = redacted
        omit = sources.map { source in source.points.map { redacted.contains($0) } }
    }

    public var lastSequence: UInt64 { writer.lastSequence }

    public func record(_ frame: FrameView) {
        guard recordFrames, frame.source < sources.count,
            RecordEncoding.typedFrame(
                frame, schema: schema.id, pointCount: sources[frame.source].points.count, omit: omit[frame.source],
                into: &buffer)
        else { return }
        buffer.withUnsafeBytes { writer.offer($0) }
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
