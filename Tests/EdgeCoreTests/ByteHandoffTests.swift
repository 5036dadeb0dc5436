import EdgeCore
import Testing

/// The pipeline → record writer hand-off: records come out whole and in order wherever they
/// wrap, a full hand-off refuses (and counts) instead of waiting, and one producer and one
/// consumer on two threads lose nothing that was accepted.
@Suite struct ByteHandoffTests {
    /// A record whose bytes are derived from its tag and length, so a torn or shifted record shows.
    func record(_ tag: Int, length: Int) -> [UInt8] {
        (0..<length).map { UInt8(truncatingIfNeeded: tag &* 31 &+ $0) }
    }

    func take(_ handoff: ByteHandoff) -> [UInt8]? {
        let bytes = handoff.withOldest { Array($0) }
        if bytes != nil { handoff.consume() }
        return bytes
    }

    @Test func everyStartOffsetAndLengthComesOutWholeWhereverItWraps() {
        let capacity = 64
        for start in 0..<capacity {
            for length in 0...(capacity - 4) {
                let handoff = ByteHandoff(capacity: capacity)
                // Move both positions to `start` (mod capacity) with consumed filler records;
                // a record takes at least its 4-byte prefix, so short moves go once around.
                let move = start == 0 ? [] : start >= 4 ? [start] : [34, start + capacity - 34]
                for bytes in move {
                    let filler = record(-1, length: bytes - 4)
                    #expect(filler.withUnsafeBytes { handoff.offer($0) })
                    #expect(take(handoff) == filler)
                }
                let expected = record(start, length: length)
                let accepted = expected.withUnsafeBytes { handoff.offer($0) }
                #expect(accepted, "start \(start) length \(length)")
                #expect(take(handoff) == expected, "start \(start) length \(length)")
                #expect(take(handoff) == nil)
                #expect(handoff.occupancy == 0)
            }
        }
    }

    @Test func aFullHandoffRefusesCountsAndKeepsWhatItHas() {
        let handoff = ByteHandoff(capacity: 64)
        let a = record(1, length: 26)
        let b = record(2, length: 26)
        #expect(a.withUnsafeBytes { handoff.offer($0) })
        #expect(b.withUnsafeBytes { handoff.offer($0) })
        // 60 bytes used: 4 + 10 more does not fit.
        let c = record(3, length: 10)
        #expect(!c.withUnsafeBytes { handoff.offer($0) })
        #expect(handoff.dropped == 1)
        #expect(handoff.droppedBytes == 10)
        #expect(handoff.offered == 2)
        #expect(handoff.highWater == 60)
        #expect(take(handoff) == a)
        // Room again once the consumer moved on.
        #expect(c.withUnsafeBytes { handoff.offer($0) })
        #expect(take(handoff) == b)
        #expect(take(handoff) == c)
        #expect(handoff.dropped == 1)
    }

    @Test func aRecordIsShownAgainUntilConsumed() {
        let handoff = ByteHandoff(capacity: 128)
        let a = record(5, length: 9)
        #expect(a.withUnsafeBytes { handoff.offer($0) })
        #expect(handoff.withOldest { Array($0) } == a)
        #expect(handoff.withOldest { Array($0) } == a, "not consumed: still first")
        handoff.consume()
        #expect(handoff.withOldest { Array($0) } == nil)
    }

    @Test func oneProducerAndOneConsumerThreadLoseNothingAccepted() throws {
        let handoff = ByteHandoff(capacity: 4096)
        let total = 200_000
        let producer = try OwnerThread(name: "producer") {
            for tag in 0..<total {
                let bytes = record(tag, length: 1 + tag % 97)
                bytes.withUnsafeBytes { _ = handoff.offer($0) }
            }
        }
        var seen = 0
        var expectedTag = 0
        var mismatches = 0
        let deadline = MonotonicDeadline(after: 60_000_000_000)
        while deadline.remaining > 0 {
            if let bytes = take(handoff) {
                // Dropped records leave gaps; the next accepted one must be whole and later.
                while expectedTag < total && bytes != record(expectedTag, length: 1 + expectedTag % 97) {
                    expectedTag += 1
                }
                if expectedTag == total { mismatches += 1 }
                expectedTag += 1
                seen += 1
            } else if UInt64(seen) + handoff.dropped == UInt64(total) {
                break
            }
        }
        producer.join()
        #expect(mismatches == 0)
        #expect(UInt64(seen) == handoff.offered)
        #expect(handoff.offered + handoff.dropped == UInt64(total))
    }
}
