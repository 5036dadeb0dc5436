public import EdgeCore
import Synchronization

/// What the pipeline saw of one sample source: frames, the last one with a good reading, points
/// that failed. Kept by the pipeline for every source alike (Modbus, GPIO, simulated), so
/// `edgeflow status` can tell when data stops flowing whatever the source is. Written by the
/// consumer thread once per frame (relaxed atomics, no lock, no allocation); read by any thread.
public final class SourceActivity: Sendable {
    /// Frames delivered.
    public let frames = EventCounter()
    /// Frames with at least one good point.
    public let goodFrames = EventCounter()
    /// Points that came with a failure quality (timeout, error, ...).
    public let badPoints = EventCounter()
    private let lastGoodWall = Atomic<Int64>(0)
    private let lastGoodMonotonic = Atomic<Int64>(Int64.min)

    /// Creates an empty record.
    public init() {}

    /// Wall time (ns) of the last frame with a good point; nil before the first.
    public var lastGoodAt: Int64? {
        let v = lastGoodWall.load(ordering: .relaxed)
        return v == 0 ? nil : v
    }

    /// Monotonic time (ns) of the last frame with a good point; nil before the first. Ages are
    /// measured on this clock, so an NTP step does not make a source look stale.
    public var lastGoodMonotonicAt: Int64? {
        let v = lastGoodMonotonic.load(ordering: .relaxed)
        return v == Int64.min ? nil : v
    }

    /// Counts one frame; consumer thread only.
    func note(_ frame: FrameView, monotonicNow: Int64) {
        frames.increment()
        var good = false
        var bad: UInt64 = 0
        for i in 0..<frame.count {
            switch frame.qualities[i] {
            case .good: good = true
            case .absent: continue
            default: bad += 1
            }
        }
        if bad > 0 { badPoints.increment(by: bad) }
        if good {
            goodFrames.increment()
            lastGoodWall.store(frame.timestamp, ordering: .relaxed)
            lastGoodMonotonic.store(monotonicNow, ordering: .relaxed)
        }
    }
}
