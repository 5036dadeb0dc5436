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
    /// The point was not part of this frame (a GPIO line that did not change, a point the
    /// source does not report every time). Not a failure: flows see the point as absent.
    public static let absent = SampleQuality(rawValue: 5)

    /// The name used in logs, status output and flow contexts.
    public var name: String {
        switch self {
        case .good: "good"
        case .deviceError: "device-error"
        case .timeout: "timeout"
        case .commError: "comm-error"
        case .invalid: "invalid"
        case .absent: "absent"
        default: "unknown(\(rawValue))"
        }
    }
}

/// Where a sample sits in its frame. A frame is everything one source reported at one instant
/// (a Modbus poll cycle, a GPIO edge, a simulated tick); its samples are pushed together by one
/// owner thread, so they arrive in order and the consumer rebuilds the frame from these marks
/// without guessing from timestamps.
public struct SampleFlags: OptionSet, Sendable, BitwiseCopyable, Hashable {
    public var rawValue: UInt8
    /// Creates flags from their bits.
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The first sample of a frame.
    public static let frameStart = SampleFlags(rawValue: 1)
    /// The last sample of a frame: the frame is complete once this one is taken.
    public static let frameEnd = SampleFlags(rawValue: 2)

    /// The sample's position in its frame, modulo 64 (the upper six bits). The consumer checks
    /// it, so a frame that lost samples in the middle (a full ring dropping its oldest samples
    /// while the frame's start was already taken) is discarded instead of delivered with holes.
    @inlinable public var frameIndex: Int { Int(rawValue >> 2) }

    /// These flags with `frameIndex` set to `index` modulo 64.
    @inlinable public func withFrameIndex(_ index: Int) -> SampleFlags {
        SampleFlags(rawValue: (rawValue & 0b11) | UInt8(truncatingIfNeeded: (index & 63) << 2))
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
    /// Frame boundaries; stored in what would otherwise be padding, so `Sample` stays 24 bytes.
    public var flags: SampleFlags
    /// When the value was read, in nanoseconds since the Unix epoch.
    public var timestamp: Int64
    /// The decoded, scaled value.
    public var value: Double

    /// Creates a sample.
    @inlinable
    public init(
        source: UInt16, point: UInt16, timestamp: Int64, value: Double, quality: SampleQuality = .good,
        flags: SampleFlags = []
    ) {
        self.source = source
        self.point = point
        self.quality = quality
        self.flags = flags
        self.timestamp = timestamp
        self.value = value
    }
}
