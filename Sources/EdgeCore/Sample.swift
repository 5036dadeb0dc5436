/// Whether a sample's value came from a good read, so a failed read never travels as a fake value.
public struct SampleQuality: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt8
    /// Creates a quality from its wire code.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The value was read and decoded.
    public static let good = SampleQuality(rawValue: 0)
    /// The device answered with an exception (illegal address, busy, ...).
    public static let deviceError = SampleQuality(rawValue: 1)
    /// The device did not answer in time.
    public static let timeout = SampleQuality(rawValue: 2)
    /// The connection or bus failed.
    public static let commError = SampleQuality(rawValue: 3)
    /// The raw value could not be decoded into the point's type.
    public static let invalid = SampleQuality(rawValue: 4)

    /// The name used in logs, status output and flow contexts.
    public var name: String {
        switch self {
        case .good: "good"
        case .deviceError: "device-error"
        case .timeout: "timeout"
        case .commError: "comm-error"
        case .invalid: "invalid"
        default: "unknown(\(rawValue))"
        }
    }
}

/// One reading on the hot path: a small trivial struct, so the ring can move it without
/// reference counting or allocation. Source and point are indices into the compiled config.
public struct Sample: Sendable, BitwiseCopyable, Equatable {
    /// Index of the source (device, GPIO line group) in the compiled config.
    public var source: UInt16
    /// Index of the point within its source.
    public var point: UInt16
    /// Whether `value` is trustworthy.
    public var quality: SampleQuality
    /// When the value was read, in nanoseconds since the Unix epoch.
    public var timestamp: Int64
    /// The decoded, scaled value.
    public var value: Double

    /// Creates a sample.
    @inlinable
    public init(source: UInt16, point: UInt16, timestamp: Int64, value: Double, quality: SampleQuality = .good) {
        self.source = source
        self.point = point
        self.quality = quality
        self.timestamp = timestamp
        self.value = value
    }
}
