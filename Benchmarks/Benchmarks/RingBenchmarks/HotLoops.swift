import EdgeCore

/// The slots both rings get: small enough to stay in L1, like a ring the engine keeps up with.
let benchmarkRingCapacity = 1024

/// One sample per iteration, different each time, so nothing is hoisted out of the loop.
@inline(__always)
func loopSample(_ index: Int) -> Sample {
    Sample(source: 1, point: UInt16(truncatingIfNeeded: index), timestamp: Int64(index), value: Double(index))
}

/// The measured loop: `count` × (push one sample, pop one sample) through `SampleRing`.
/// Returns a checksum of what came out, so the optimizer cannot drop the work.
@inline(never)
func ringPushPop(_ ring: SampleRing, count: Int) -> Int64 {
    var checksum: Int64 = 0
    for index in 0..<count {
        ring.push(loopSample(index))
        if let sample = ring.pop() { checksum &+= sample.timestamp }
    }
    return checksum
}

/// The same loop through the plain array ring (reference).
@inline(never)
func plainPushPop(_ ring: inout PlainArrayRing, count: Int) -> Int64 {
    var checksum: Int64 = 0
    for index in 0..<count {
        _ = ring.push(loopSample(index))
        if let sample = ring.pop() { checksum &+= sample.timestamp }
    }
    return checksum
}
