public import EdgeCore

/// Where the agent keeps what it has read and what flows archive: one ordered record stream
/// with durable sequence numbers. Every frame goes in (`record`), and `harvest` actions append
/// messages (`append`). The agent's recorder is a `RecordWriter`'s front: nothing here makes
/// the pipeline's thread touch a file.
public protocol Recorder: AnyObject, Sendable {
    /// Hands one frame's record on. Called on the pipeline's consumer thread; never blocks and
    /// never touches a file. Points a deadband held back are left out; a frame with nothing to
    /// report is not recorded.
    func record(_ frame: FrameView)
    /// Appends one message and makes it durable (fsync) before returning its sequence number.
    /// Called from action worker threads, which wait; the pipeline never calls it.
    func append(_ message: RecordedMessage) throws(RecorderError) -> UInt64
    /// Without `durable`: lets the writer know frames are waiting (never blocks). With
    /// `durable`: waits until every frame recorded so far is on disk (a stop or a reload).
    func flush(durable: Bool) throws(RecorderError)
    /// The sequence number of the newest record (0 when none was ever written).
    var lastSequence: UInt64 { get }
}

/// The file side of recording, driven only by the `RecordWriter`'s thread: the local record
/// file or the uplink's spool. A record is a typed frame record (`FrameRecord`) or the JSON
/// members of a message (`RecordEncoding.message`), without braces.
public protocol RecordStore: AnyObject, Sendable {
    /// Writes one record with write(2) (not yet durable) and returns its sequence number. When
    /// it throws, nothing was appended and no number was used.
    func append(_ record: UnsafeRawBufferPointer) throws(RecorderError) -> UInt64
    /// Makes every appended record survive a power cut (fsync).
    func sync() throws(RecorderError)
    /// Keeps `schema`, the names typed frame records refer to, before the first record that
    /// uses it is appended (the spool keeps it in a file, so it survives restarts). Called on the
    /// thread that builds a generation, never the pipeline's.
    func register(_ schema: RecordSchema) throws(RecorderError)
    /// The sequence number of the newest record (0 when none was ever written).
    var lastSequence: UInt64 { get }
}

/// A message a flow archives (the `harvest` action).
public struct RecordedMessage: Sendable {
    /// When the action ran, wall-clock ns.
    public var timestamp: Int64
    /// The action's `category`, if set.
    public var category: String?
    /// The source id the run started from, if a device started it.
    public var source: String?
    /// The message itself.
    public var payload: JSONValue

    /// Creates a message record.
    public init(timestamp: Int64, category: String?, source: String?, payload: JSONValue) {
        self.timestamp = timestamp
        self.category = category
        self.source = source
        self.payload = payload
    }
}

/// A record could not be written: the operation and the file error behind it.
public struct RecorderError: Error, Sendable, CustomStringConvertible {
    /// What failed, with its cause (`cannot write 'data/records.jsonl': No space left on device`).
    public var message: String

    /// The record itself can never be written (it is damaged, or names an unknown schema):
    /// retrying would block every record behind it, so the writer drops it and says so.
    public var permanent = false

    /// Creates an error.
    public init(_ message: String, permanent: Bool = false) {
        self.message = message
        self.permanent = permanent
    }

    /// The message.
    public var description: String { message }
}
