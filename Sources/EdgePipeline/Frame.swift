public import EdgeCore

/// One source's instant as every consumer sees it: a Modbus poll cycle, a GPIO edge, a
/// simulated tick. A read-only view over the pipeline's preallocated per-source storage, valid
/// only during the call it is passed to (consumers copy what they keep). Points the source did
/// not report in this frame have quality `.absent`.
public struct FrameView {
    /// Index of the source in the config.
    public let source: Int
    /// When the frame was taken (wall-clock ns since the epoch).
    public let timestamp: Int64
    /// Values by point index (NaN where the point is absent or failed).
    public let values: UnsafeBufferPointer<Double>
    /// Qualities by point index.
    public let qualities: UnsafeBufferPointer<SampleQuality>
    /// Per point: whether the point moved past its deadband since it was last recorded (always
    /// true for points without a deadband). Only the recorder reads this; flows see every point.
    public let reported: UnsafeBufferPointer<Bool>
    /// Text of string points by point index; empty when the source has none.
    public let texts: [String?]

    /// Creates a view (the pipeline does; tests build one over their own buffers).
    public init(
        source: Int, timestamp: Int64, values: UnsafeBufferPointer<Double>,
        qualities: UnsafeBufferPointer<SampleQuality>, reported: UnsafeBufferPointer<Bool>, texts: [String?] = []
    ) {
        self.source = source
        self.timestamp = timestamp
        self.values = values
        self.qualities = qualities
        self.reported = reported
        self.texts = texts
    }

    /// Number of points of the source.
    public var count: Int { values.count }

    /// Points present in this frame (good or failed, not absent).
    public var presentCount: Int {
        var n = 0
        for q in qualities where q != .absent { n &+= 1 }
        return n
    }

    /// The text of point `index`, if it is a string point with a text in this frame.
    public func text(at index: Int) -> String? {
        index < texts.count ? texts[index] : nil
    }
}
