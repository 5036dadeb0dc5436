import EdgeCore
import Testing

/// A sample whose every field is derived from `tag`, so a sample that arrives torn, out of
/// order or from the wrong slot is caught by comparing with `tagged(tag)`.
func tagged(_ tag: Int, source: UInt16 = 7) -> Sample {
    Sample(
        source: source, point: UInt16(truncatingIfNeeded: tag), timestamp: Int64(tag),
        value: Double(tag) + 0.5, quality: SampleQuality(rawValue: UInt8(truncatingIfNeeded: tag % 5))
    )
}

/// The three ways the consumer can take samples; each layout is checked with each of them.
enum ConsumerStyle: CaseIterable {
    case pop
    case popBatch
    case drain

    /// Takes up to `max` samples from `ring` in this style, oldest first.
    func take(_ max: Int, from ring: SampleRing) -> [Sample] {
        switch self {
        case .pop:
            var out: [Sample] = []
            while out.count < max, let sample = ring.pop() { out.append(sample) }
            return out
        case .popBatch:
            let buffer = UnsafeMutableBufferPointer<Sample>.allocate(capacity: max)
            defer { buffer.deallocate() }
            let taken = ring.popBatch(into: buffer)
            return Array(buffer[0..<taken])
        case .drain:
            var out: [Sample] = []
            ring.drain(max: max) { out.append($0) }
            return out
        }
    }
}

@Suite struct SampleRingLayoutTests {
    /// Every start offset × every fill level: the stored run begins at each slot and wraps past
    /// the end of the storage in every possible place (the approach of swift-collections'
    /// deque tests). After the check, the ring is refilled across the wrap point once more.
    @Test(arguments: [2, 4, 8, 16])
    func everyWrapAroundLayoutKeepsFIFOOrderAndValues(capacity: Int) throws {
        for policy in DropPolicy.allCases {
            for style in ConsumerStyle.allCases {
                for start in 0..<capacity {
                    for fill in 0...capacity {
                        try checkLayout(capacity: capacity, policy: policy, style: style, start: start, fill: fill)
                    }
                }
            }
        }
    }

    private func checkLayout(
        capacity: Int, policy: DropPolicy, style: ConsumerStyle, start: Int, fill: Int
    ) throws {
        let ring = try SampleRing(capacity: capacity, policy: policy)
        // Move both positions to `start` so the first stored sample sits in slot `start`.
        for tag in 0..<start {
            #expect(ring.push(tagged(-1 - tag)))
            #expect(ring.pop() == tagged(-1 - tag))
        }
        for tag in 0..<fill { #expect(ring.push(tagged(tag))) }
        #expect(ring.count == fill)

        // Take half, top up to full across the wrap point, then take everything.
        let firstHalf = style.take(fill / 2, from: ring)
        #expect(firstHalf == (0..<fill / 2).map { tagged($0) })
        let topUp = capacity - (fill - fill / 2)
        for tag in fill..<fill + topUp { #expect(ring.push(tagged(tag))) }
        #expect(ring.count == capacity)

        let rest = style.take(capacity + 1, from: ring)
        #expect(rest == (fill / 2..<fill + topUp).map { tagged($0) })
        #expect(ring.count == 0)
        #expect(ring.pop() == nil)
        #expect(ring.droppedCount == 0)
        #expect(ring.pushedCount == UInt64(start + fill + topUp))
    }

    @Test func emptyRingGivesNothingToEveryConsumerStyle() throws {
        let ring = try SampleRing(capacity: 8)
        #expect(ring.pop() == nil)
        let buffer = UnsafeMutableBufferPointer<Sample>.allocate(capacity: 4)
        defer { buffer.deallocate() }
        #expect(ring.popBatch(into: buffer) == 0)
        #expect(ring.drain(max: 4) { _ in Issue.record("drain called its body on an empty ring") } == 0)
    }

    @Test func popBatchAndDrainStopAtTheirLimit() throws {
        let ring = try SampleRing(capacity: 8)
        for tag in 0..<6 { ring.push(tagged(tag)) }
        let buffer = UnsafeMutableBufferPointer<Sample>.allocate(capacity: 2)
        defer { buffer.deallocate() }
        #expect(ring.popBatch(into: buffer) == 2)
        #expect(Array(buffer) == [tagged(0), tagged(1)])
        #expect(ring.popBatch(into: UnsafeMutableBufferPointer(start: nil, count: 0)) == 0)
        var seen: [Sample] = []
        #expect(ring.drain(max: 3) { seen.append($0) } == 3)
        #expect(seen == [tagged(2), tagged(3), tagged(4)])
        #expect(ring.drain(max: 0) { _ in Issue.record("drain(max: 0) called its body") } == 0)
        #expect(ring.count == 1)
        #expect(ring.pop() == tagged(5))
    }

    @Test func positionsKeepWorkingAfterManyLaps() throws {
        let ring = try SampleRing(capacity: 4)
        for lap in 0..<1_000 {
            #expect(ring.push(tagged(lap)))
            #expect(ring.push(tagged(lap + 1)))
            #expect(ring.pop() == tagged(lap))
            #expect(ring.pop() == tagged(lap + 1))
        }
        #expect(ring.pushedCount == 2_000)
        #expect(ring.count == 0)
    }
}
