import EdgeCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

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

    /// Moves both positions by `bytes` (mod the capacity) with filler records read at once; a
    /// record takes at least its 4-byte prefix, so a move of 1-3 bytes goes once around.
    func advance(_ handoff: ByteHandoff, by bytes: Int) {
        var remaining = bytes > 0 && bytes < 4 ? bytes + handoff.capacity : bytes
        while remaining > 0 {
            var chunk = min(remaining, 4000)
            if remaining - chunk > 0 && remaining - chunk < 4 { chunk -= 4 }
            let filler = record(-1, length: chunk - 4)
            #expect(filler.withUnsafeBytes { handoff.offer($0) })
            #expect(take(handoff) == filler)
            remaining -= chunk
        }
    }

    @Test func recordsComeOutWholeWhereverTheyWrapAndAfterTheirPagesWereGivenBack() throws {
        let capacity = try ByteHandoff(capacity: 1).capacity
        // Every layout near the end of the storage (the prefix or the bytes wrap) and near its
        // start, each with every short length and a few long ones.
        let starts = Array(0..<8) + Array((capacity - 320)..<capacity)
        let lengths = Array(0...300) + [1000, 4000]
        for start in starts {
            let handoff = try ByteHandoff(capacity: 1)
            advance(handoff, by: start)
            for (n, length) in lengths.enumerated() {
                let expected = record(start &+ n, length: length)
                #expect(expected.withUnsafeBytes { handoff.offer($0) }, "start \(start) length \(length)")
                #expect(take(handoff) == expected, "start \(start) length \(length)")
            }
            #expect(take(handoff) == nil)
            #expect(handoff.occupancy == 0)
        }
    }

    @Test func storageIsWholePagesAndTheProducerKeepsOnePageFree() throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let handoff = try ByteHandoff(capacity: 10_000)
        #expect(handoff.capacity % page == 0 && handoff.capacity >= 10_000)
        #expect(handoff.usableCapacity == handoff.capacity - page)
    }

    @Test func aFullHandoffRefusesCountsAndKeepsWhatItHas() throws {
        let handoff = try ByteHandoff(capacity: 1)
        let half = handoff.usableCapacity / 2 - 4
        let a = record(1, length: half)
        let b = record(2, length: half)
        #expect(a.withUnsafeBytes { handoff.offer($0) })
        #expect(b.withUnsafeBytes { handoff.offer($0) })
        // Full to the byte: one more record of any size does not fit.
        let c = record(3, length: 10)
        #expect(!c.withUnsafeBytes { handoff.offer($0) })
        #expect(handoff.dropped == 1)
        #expect(handoff.droppedBytes == 10)
        #expect(handoff.offered == 2)
        #expect(handoff.highWater == handoff.usableCapacity)
        #expect(take(handoff) == a)
        // Room again once the consumer moved on.
        #expect(c.withUnsafeBytes { handoff.offer($0) })
        #expect(take(handoff) == b)
        #expect(take(handoff) == c)
        #expect(handoff.dropped == 1)
    }

    @Test func aRecordIsShownAgainUntilConsumed() throws {
        let handoff = try ByteHandoff(capacity: 128)
        let a = record(5, length: 9)
        #expect(a.withUnsafeBytes { handoff.offer($0) })
        #expect(handoff.withOldest { Array($0) } == a)
        #expect(handoff.withOldest { Array($0) } == a, "not consumed: still first")
        handoff.consume()
        #expect(handoff.withOldest { Array($0) } == nil)
    }

    @Test func oneProducerAndOneConsumerThreadLoseNothingAccepted() throws {
        let handoff = try ByteHandoff(capacity: 4096)
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
