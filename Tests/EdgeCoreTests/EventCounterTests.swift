import EdgeTestSupport
import EdgeCore
import Testing

@Suite struct EventCounterTests {
    @Test func incrementAddsAndTakeResets() {
        let counter = EventCounter()
        #expect(counter.value == 0)
        counter.increment()
        counter.increment(by: 41)
        #expect(counter.value == 42)
        #expect(counter.take() == 42)
        #expect(counter.value == 0)
    }

    @Test func counterWrapsInsteadOfTrapping() {
        let counter = EventCounter(UInt64.max)
        counter.increment(by: 2)
        #expect(counter.value == 1)
    }

    @Test func incrementsFromFourThreadsAreAllCounted() {
        let counter = EventCounter()
        let threads = (0..<4).compactMap { _ in
            TestThread.start {
                for _ in 0..<50_000 { counter.increment() }
            }
        }
        #expect(threads.count == 4)
        for thread in threads { thread.join() }
        #expect(counter.value == UInt64(threads.count * 50_000))
    }
}
