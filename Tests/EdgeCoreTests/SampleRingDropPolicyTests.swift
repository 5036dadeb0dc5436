import EdgeCore
import Testing

@Suite struct SampleRingDropPolicyTests {
    @Test func defaultPolicyIsDropOldest() throws {
        #expect(try SampleRing(capacity: 4).policy == .dropOldest)
    }

    @Test(arguments: [2, 4, 8, 16])
    func dropNewestRejectsPushesIntoAFullRingAndCountsEachOne(capacity: Int) throws {
        for start in 0..<capacity {
            let ring = try SampleRing(capacity: capacity, policy: .dropNewest)
            for tag in 0..<start {
                ring.push(tagged(-1 - tag))
                _ = ring.pop()
            }
            for tag in 0..<capacity { #expect(ring.push(tagged(tag))) }
            let extra = 3
            for tag in capacity..<capacity + extra { #expect(!ring.push(tagged(tag))) }
            #expect(ring.droppedCount == UInt64(extra))
            #expect(ring.pushedCount == UInt64(start + capacity))
            #expect(ring.count == capacity)
            // The backlog is intact: the first `capacity` samples, in order.
            var seen: [Sample] = []
            ring.drain(max: capacity * 2) { seen.append($0) }
            #expect(seen == (0..<capacity).map { tagged($0) })
            // Room again after draining.
            #expect(ring.push(tagged(99)))
            #expect(ring.pop() == tagged(99))
            #expect(ring.droppedCount == UInt64(extra))
        }
    }

    @Test(arguments: [2, 4, 8, 16])
    func dropOldestDiscardsTheOldestSamplesAndCountsEachOne(capacity: Int) throws {
        for start in 0..<capacity {
            let ring = try SampleRing(capacity: capacity, policy: .dropOldest)
            for tag in 0..<start {
                ring.push(tagged(-1 - tag))
                _ = ring.pop()
            }
            let total = capacity * 2 + 3
            for tag in 0..<total { #expect(ring.push(tagged(tag))) }
            #expect(ring.droppedCount == UInt64(total - capacity))
            #expect(ring.pushedCount == UInt64(start + total))
            #expect(ring.count == capacity)
            // The newest `capacity` samples survive, oldest first.
            var seen: [Sample] = []
            ring.drain(max: capacity * 2) { seen.append($0) }
            #expect(seen == (total - capacity..<total).map { tagged($0) })
        }
    }

    @Test func dropOldestAfterPartialConsumptionDropsOnlyWhatDoesNotFit() throws {
        let ring = try SampleRing(capacity: 4)
        for tag in 0..<4 { ring.push(tagged(tag)) }
        #expect(ring.pop() == tagged(0))
        #expect(ring.pop() == tagged(1))
        for tag in 4..<7 { #expect(ring.push(tagged(tag))) }
        #expect(ring.droppedCount == 1)
        var seen: [Sample] = []
        ring.drain(max: 8) { seen.append($0) }
        #expect(seen == [tagged(3), tagged(4), tagged(5), tagged(6)])
    }

    @Test func dropPolicyNamesAreTheConfigSpellings() {
        #expect(DropPolicy(rawValue: "drop-oldest") == .dropOldest)
        #expect(DropPolicy(rawValue: "drop-newest") == .dropNewest)
        #expect(DropPolicy(rawValue: "oldest") == nil)
    }
}
