public import EdgeCore

/// Where the agent keeps what it has read and what flows archive: one ordered record stream
/// with durable sequence numbers. Every frame goes in (`record`), and `harvest` actions append
/// messages (`append`). The uplink's segmented spool will implement this same interface.
public protocol Recorder: AnyObject, Sendable {
    /// Queues one frame's record. Called on the pipeline's consumer thread; written by the next
    /// `flush` (or the next `append`). Points a deadband held back are left out; a frame with
    /// nothing to report is not recorded.
    func record(_ frame: FrameView)
    /// Appends one message and makes it durable (fsync) before returning its sequence number.
    /// Called from action worker threads.
    func append(_ message: RecordedMessage) throws(RecorderError) -> UInt64
    /// Writes queued frame records; with `durable`, also makes them survive power loss.
    func flush(durable: Bool) throws(RecorderError)
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

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
