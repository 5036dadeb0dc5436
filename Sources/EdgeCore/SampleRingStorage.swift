#if canImport(Glibc)
    import Glibc
#endif
public import Synchronization

/// One slot of a `SampleRing`: the turn-keeping sequence number next to the sample, so one
/// push or pop touches one cache line (32 bytes a slot, two slots a line).
@usableFromInline
struct RingSlot: ~Copyable {
    @usableFromInline let sequence: Atomic<Int>
    @usableFromInline var sample: Sample

    init(sequence: Int) {
        self.sequence = Atomic(sequence)
        sample = Sample(source: 0, point: 0, timestamp: 0, value: 0)
    }
}

/// An atomic integer alone on its cache line (128 bytes, which also covers the adjacent-line
/// prefetch of x86 and the 128-byte lines of some ARM cores).
@usableFromInline
struct PaddedAtomic: ~Copyable {
    @usableFromInline let value: Atomic<Int>
    // Never read: only keeps the next PaddedAtomic off this line.
    let padding: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int)

    static let lineSize = 128

    init() {
        value = Atomic(0)
        padding = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    }
}

/// Gives the CPU to another thread while a producer waits for a slot that another thread has
/// claimed and is about to release (see `SampleRing.makeRoom`).
func yieldProcessor() {
    #if canImport(Glibc)
        sched_yield()
    #endif
}

/// Why a ring could not be created; raised when the configured capacity is unusable.
public struct SampleRingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which rule the capacity broke; extensible, compare against the static members.
    public struct Code: RawRepresentable, Hashable, Sendable {
        public var rawValue: String
        /// Creates a code from its name.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// Below the minimum of 2 slots.
        public static let capacityTooSmall = Code(rawValue: "capacity-too-small")
        /// Not a power of two (the ring indexes slots with a mask).
        public static let capacityNotPowerOfTwo = Code(rawValue: "capacity-not-power-of-two")
        /// Above `SampleRing.maximumCapacity`.
        public static let capacityTooLarge = Code(rawValue: "capacity-too-large")
    }

    /// Which rule was broken.
    public var code: Code
    /// The capacity that was asked for.
    public var capacity: Int
    /// What is wrong and what would work, for logs and config diagnostics.
    public var message: String

    /// Creates an error.
    public init(code: Code, capacity: Int, message: String) {
        self.code = code
        self.capacity = capacity
        self.message = message
    }

    /// The message.
    public var description: String { message }
}

extension SampleRing {
    /// The largest capacity accepted: 16 Mi slots, 512 MiB of slots, far above any gateway's needs.
    public static let maximumCapacity = 1 << 24

    /// Why `capacity` cannot be used for a ring, or `nil` when it can. Config validation calls
    /// this to report a bad value as a diagnostic before any ring is built.
    public static func capacityProblem(_ capacity: Int) -> SampleRingError? {
        if capacity < 2 {
            return SampleRingError(
                code: .capacityTooSmall, capacity: capacity,
                message: "ring capacity \(capacity) is too small: it must be a power of two of at least 2"
            )
        }
        if capacity > maximumCapacity {
            return SampleRingError(
                code: .capacityTooLarge, capacity: capacity,
                message: "ring capacity \(capacity) is too large: the maximum is \(maximumCapacity)"
            )
        }
        if capacity & (capacity - 1) != 0 {
            let below = 1 << (Int.bitWidth - 1 - capacity.leadingZeroBitCount)
            return SampleRingError(
                code: .capacityNotPowerOfTwo, capacity: capacity,
                message: "ring capacity \(capacity) is not a power of two: use \(below) or \(below << 1)"
            )
        }
        return nil
    }

    /// Throws the reason `capacity` cannot be used for a ring; returns when it can.
    public static func validateCapacity(_ capacity: Int) throws(SampleRingError) {
        if let problem = capacityProblem(capacity) { throw problem }
    }
}
