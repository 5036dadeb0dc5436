/// Something that reads the world and pushes frames into the ring from its own owner
/// thread(s): the simulated board, a Modbus bus owner, a GPIO chip owner. The agent starts
/// acquisition after outputs are safe and the pipeline runs, and stops it first on shutdown;
/// a source that also drives outputs (a Modbus bus) keeps its link open for them until
/// `close()`.
public protocol FrameSource: AnyObject, Sendable {
    /// A short name for logs (`modbus bus rs485`, `simulated board`).
    var sourceName: String { get }
    /// Opens what the source needs (owner thread, link) without producing frames yet, so
    /// outputs behind it can be driven safe before acquisition starts.
    func open() throws
    /// Starts producing frames.
    func startAcquisition()
    /// Stops producing frames; returns once no more will be pushed.
    func stopAcquisition()
    /// Closes the link and the owner thread; writes after this fail.
    func close()
}

/// What a source says about one of its sample sources (a Modbus device, a GPIO chip's lines)
/// beyond the frames the pipeline sees: its own state and last failure. Sources that have
/// nothing to add (the simulated board) do not adopt `FrameSourceStatusReporting`; their status
/// comes from the frames alone.
public struct FrameSourceStatus: Sendable, Equatable {
    /// Index of the sample source in the config (`Sample.source`).
    public var source: Int
    /// The source's own state word (`ok`, `failing`, `parked`, `pending`).
    public var state: String
    /// Failures counted by the source (failed polls, read errors).
    public var errors: UInt64
    /// The last failure, as text.
    public var lastError: String?
    /// When the last failure happened (wall-clock nanoseconds).
    public var lastErrorAt: Int64?

    /// Creates a status entry.
    public init(source: Int, state: String, errors: UInt64, lastError: String? = nil, lastErrorAt: Int64? = nil) {
        self.source = source
        self.state = state
        self.errors = errors
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
    }
}

/// A frame source that can describe each of its sample sources for `edgeflow status`. Called
/// from the status thread: answer from a snapshot, never by touching the link.
public protocol FrameSourceStatusReporting: FrameSource {
    /// One entry per sample source this source feeds.
    func sourceStatuses() -> [FrameSourceStatus]
}
