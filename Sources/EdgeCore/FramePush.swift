/// Producers hand the ring whole frames: one frame is everything one source reported at one
/// instant. The marks let the consumer rebuild each frame exactly, whatever other threads push
/// between its samples.
extension SampleRing {
    /// Pushes `samples` as one frame taken at `timestamp` (stamped on every sample): the first
    /// is marked `frameStart`, the last `frameEnd` (one sample carries both). Call from the
    /// source's owner thread only, so a source's frames never interleave. Allocation-free.
    ///
    /// Returns whether the whole frame was queued. With `.dropNewest` a full ring refuses a
    /// sample; the rest of the frame is then not pushed, so its end never arrives and the
    /// consumer discards the partial frame (and counts it) instead of delivering one with holes.
    @inlinable
    @discardableResult
    public func pushFrame(_ samples: UnsafeBufferPointer<Sample>, timestamp: Int64) -> Bool {
        let count = samples.count
        guard count > 0 else { return true }
        for index in 0..<count {
            var sample = samples[index]
            var flags = SampleFlags().withFrameIndex(index)
            if index == 0 { flags.insert(.frameStart) }
            if index == count - 1 { flags.insert(.frameEnd) }
            sample.flags = flags
            sample.timestamp = timestamp
            if !push(sample) { return false }
        }
        return true
    }

    /// `pushFrame` over an array the owner thread keeps and reuses.
    @inlinable
    @discardableResult
    public func pushFrame(_ samples: [Sample], timestamp: Int64) -> Bool {
        samples.withUnsafeBufferPointer { pushFrame($0, timestamp: timestamp) }
    }
}
