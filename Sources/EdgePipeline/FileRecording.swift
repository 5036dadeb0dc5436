public import EdgeCore
public import Logging

/// `records.jsonl` with its writer thread running and a recorder for one set of sources: what
/// `flow test --live` records into, where no agent owns the data directory.
public final class FileRecording: Sendable {
    /// The file.
    public let file: RecordFile
    /// Its writer thread.
    public let writer: RecordWriter
    /// The recorder to hand to the pipeline and the actions.
    public let recorder: HandoffRecorder

    /// Opens `directory/name`, starts its writer, and makes a recorder for `sources` (ids and
    /// point names, in config order).
    public init(
        directory: String, sources: [(id: String, points: [String])], name: String = "records.jsonl",
        logger: Logger
    ) throws {
        file = try RecordFile(directory: directory, name: name)
        writer = try RecordWriter(store: file, logger: logger)
        recorder = try HandoffRecorder(writer: writer, sources: sources)
        try writer.start()
    }

    /// Writes and fsyncs what was handed over, then stops the writer.
    public func stop() {
        writer.stop()
    }
}
