public import EdgeCore
import Synchronization

/// Rebuilds frames from the ring on the consumer thread. Each source has storage sized once
/// for its points; a sample marked `frameStart` opens a frame, `frameEnd` completes it. A
/// frame whose start or end was lost (the ring's drop policy took it) is discarded and counted:
/// consumers never see a frame with holes where the source reported values.
///
/// Single-threaded (the pipeline's consumer); allocation-free per sample.
public final class FrameAssembler {
    private struct Storage {
        var values: UnsafeMutableBufferPointer<Double>
        var qualities: UnsafeMutableBufferPointer<SampleQuality>
        var reported: UnsafeMutableBufferPointer<Bool>
        var open = false
        var timestamp: Int64 = 0
        /// Samples taken into the open frame, to check each sample's `frameIndex`.
        var received = 0
        /// The ring's drop count when the frame opened.
        var dropsAtOpen: UInt64 = 0
        /// The timestamp of a frame being discarded, so it is counted once.
        var discarding: Int64?
    }

    private var storage: [Storage]
    /// Frames completed.
    public private(set) var frames: UInt64 = 0
    /// Frames discarded because part of them was dropped by the ring.
    public private(set) var partialFrames: UInt64 = 0
    /// Samples for a source or point the config does not have (never expected; counted).
    public private(set) var strays: UInt64 = 0

    private let dropCount: () -> UInt64

    /// Creates storage for sources with the given point counts. `dropCount` reads the ring's
    /// drop counter (`SampleRing.droppedCount`): a frame during which the ring dropped samples
    /// and whose positions no longer line up is discarded.
    public init(pointCounts: [Int], dropCount: @escaping () -> UInt64 = { 0 }) {
        self.dropCount = dropCount
        storage = pointCounts.map { count in
            let n = max(count, 0)
            let values = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
            values.initialize(repeating: .nan)
            let qualities = UnsafeMutableBufferPointer<SampleQuality>.allocate(capacity: n)
            qualities.initialize(repeating: .absent)
            let reported = UnsafeMutableBufferPointer<Bool>.allocate(capacity: n)
            reported.initialize(repeating: false)
            return Storage(values: values, qualities: qualities, reported: reported)
        }
    }

    deinit {
        for s in storage {
            s.values.deallocate()
            s.qualities.deallocate()
            s.reported.deallocate()
        }
    }

    /// Adds one sample; returns the source index when it completed that source's frame (read
    /// it with `withFrame` before adding the next sample of the same source).
    public func add(_ sample: Sample) -> Int? {
        let s = Int(sample.source)
        let p = Int(sample.point)
        guard s < storage.count, p < storage[s].values.count else {
            strays &+= 1
            return nil
        }
        if sample.flags.contains(.frameStart) {
            if storage[s].open { partialFrames &+= 1 }
            storage[s].values.update(repeating: .nan)
            storage[s].qualities.update(repeating: .absent)
            storage[s].open = true
            storage[s].timestamp = sample.timestamp
            storage[s].received = 0
            storage[s].dropsAtOpen = dropCount()
        } else if !storage[s].open || storage[s].timestamp != sample.timestamp
            || sample.flags.frameIndex != storage[s].received & 63
        {
            // The start of this frame, or samples inside it, were dropped (or this is a stray
            // from an older frame): discard the frame up to its end so none with holes is
            // delivered, and count it once.
            if storage[s].open || storage[s].discarding != sample.timestamp {
                partialFrames &+= 1
                storage[s].discarding = storage[s].open ? storage[s].timestamp : sample.timestamp
            }
            storage[s].open = false
            return nil
        }
        storage[s].values[p] = sample.value
        storage[s].qualities[p] = sample.quality
        storage[s].received &+= 1
        guard sample.flags.contains(.frameEnd) else { return nil }
        storage[s].open = false
        // A whole run of 64 lost samples keeps the positions lined up; the ring's drop counter
        // catches that case (and costs one relaxed load per frame, not per sample).
        if storage[s].received > 64 && dropCount() != storage[s].dropsAtOpen {
            partialFrames &+= 1
            return nil
        }
        frames &+= 1
        return s
    }

    /// Calls `body` with the completed frame of `source`. `reported` is filled by `deadbands`.
    public func withFrame<R>(
        source: Int, texts: [String?], deadbands: DeadbandFilter?, _ body: (FrameView) -> R
    ) -> R {
        let s = storage[source]
        deadbands?.apply(
            source: source, values: UnsafeBufferPointer(s.values), qualities: UnsafeBufferPointer(s.qualities),
            into: s.reported)
        if deadbands == nil { s.reported.update(repeating: true) }
        return body(
            FrameView(
                source: source, timestamp: s.timestamp, values: UnsafeBufferPointer(s.values),
                qualities: UnsafeBufferPointer(s.qualities), reported: UnsafeBufferPointer(s.reported), texts: texts))
    }
}

/// Point deadbands (a source point's `deadband`): a point is reported (recorded) when its
/// quality changed or its value moved past the band since it was last reported. Absent points
/// are not reported and do not move the reference. The rule itself is `Deadband.moved`.
public final class DeadbandFilter {
    private var bands: [[Double?]]
    private var lastValues: [[Double]]
    private var lastQualities: [[SampleQuality]]

    /// Creates a filter; `bands[source][point]` is the point's deadband, nil for none.
    public init(bands: [[Double?]]) {
        self.bands = bands
        lastValues = bands.map { Array(repeating: .nan, count: $0.count) }
        lastQualities = bands.map { Array(repeating: .absent, count: $0.count) }
    }

    /// Fills `reported` for one frame of `source` and remembers what was reported.
    public func apply(
        source: Int, values: UnsafeBufferPointer<Double>, qualities: UnsafeBufferPointer<SampleQuality>,
        into reported: UnsafeMutableBufferPointer<Bool>
    ) {
        guard source < bands.count else {
            reported.update(repeating: true)
            return
        }
        for p in 0..<min(values.count, reported.count) {
            let quality = qualities[p]
            if quality == .absent {
                reported[p] = false
                continue
            }
            let band = p < bands[source].count ? bands[source][p] : nil
            var report = true
            if let band, quality == .good, lastQualities[source][p] == .good {
                report = Deadband.moved(values[p], from: lastValues[source][p], band: band)
            }
            reported[p] = report
            if report {
                lastValues[source][p] = values[p]
                lastQualities[source][p] = quality
            }
        }
    }
}
