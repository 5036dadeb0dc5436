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
