import EdgeTestSupport
import EdgeCore
import Synchronization
import Testing

/// What the producer threads report back: how many pushes each had refused.
private final class ProducerTally: Sendable {
    let refused: [EventCounter]
    let finished = Atomic<Int>(0)

    init(producers: Int) {
        refused = (0..<producers).map { _ in EventCounter() }
    }
}

@Suite(.serialized) struct SampleRingConcurrencyTests {
    static let producers = 4
    static let perProducer = 1_000_000
    static let deadlineNanoseconds: Int64 = 60_000_000_000

    /// Four producer threads push tagged samples while this thread consumes. Every sample that
    /// arrives must be intact (all fields agree with its tag), arrive once, and arrive in its
    /// producer's order; every sample that does not arrive must be counted as dropped.
    @Test(arguments: [(DropPolicy.dropOldest, 64), (.dropOldest, 4096), (.dropNewest, 64), (.dropNewest, 4096)])
    func fourProducersOneConsumerLoseNothingUncountedAndKeepPerProducerOrder(
        policy: DropPolicy, capacity: Int
    ) throws {
        let ring = try SampleRing(capacity: capacity, policy: policy)
        let tally = ProducerTally(producers: Self.producers)
        var threads: [TestThread] = []
        for producer in 0..<Self.producers {
            let thread = TestThread.start {
                var refused = 0
                for tag in 0..<Self.perProducer where !ring.push(tagged(tag, source: UInt16(producer))) {
                    refused += 1
                }
                tally.refused[producer].increment(by: UInt64(refused))
                tally.finished.add(1, ordering: .releasing)
            }
            guard let thread else {
                Issue.record("could not start producer thread \(producer)")
                return
            }
            threads.append(thread)
        }

        var received = Array(repeating: 0, count: Self.producers)
        var lastTag = Array(repeating: -1, count: Self.producers)
        var corrupt = 0
        var outOfOrder = 0
        let deadline = monotonicNow() + Self.deadlineNanoseconds
        var timedOut = false
        while true {
            // Read `finished` before draining: if all producers were done before the drain,
            // an empty drain means the ring is empty for good.
            let allDone = tally.finished.load(ordering: .acquiring) == Self.producers
            let taken = ring.drain(max: 32) { sample in
                let producer = Int(sample.source)
                let tag = Int(sample.timestamp)
                guard producer < Self.producers, sample == tagged(tag, source: sample.source) else {
                    corrupt += 1
                    return
                }
                if tag <= lastTag[producer] { outOfOrder += 1 }
                lastTag[producer] = tag
                received[producer] += 1
            }
            if taken == 0 && allDone { break }
            if monotonicNow() > deadline {
                timedOut = true
                break
            }
        }
        guard !timedOut else {
            // A broken ring can leave a producer spinning inside `push`; joining would hang the
            // run, so the threads are abandoned to the end of the process instead.
            Issue.record("consumer gave up after 60 s; received \(received), dropped \(ring.droppedCount)")
            return
        }
        for thread in threads { thread.join() }

        #expect(corrupt == 0)
        #expect(outOfOrder == 0)
        let total = Self.producers * Self.perProducer
        #expect(received.reduce(0, +) + Int(ring.droppedCount) == total)
        #expect(ring.count == 0)
        switch policy {
        case .dropNewest:
            // Each producer knows exactly which of its pushes were refused.
            for producer in 0..<Self.producers {
                let refused = Int(tally.refused[producer].value)
                #expect(received[producer] + refused == Self.perProducer)
            }
            #expect(ring.pushedCount == UInt64(received.reduce(0, +)))
        case .dropOldest:
            for producer in 0..<Self.producers {
                #expect(tally.refused[producer].value == 0)
            }
            #expect(ring.pushedCount == UInt64(total))
        }
    }
}
