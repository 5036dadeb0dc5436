import EdgeCore
import Testing

@Suite struct SampleRingCapacityTests {
    @Test(arguments: [2, 4, 8, 1024, 65_536])
    func powerOfTwoCapacitiesAreAccepted(capacity: Int) throws {
        #expect(SampleRing.capacityProblem(capacity) == nil)
        let ring = try SampleRing(capacity: capacity)
        #expect(ring.capacity == capacity)
        #expect(ring.policy == .dropOldest)
        #expect(ring.count == 0)
    }

    @Test(arguments: [Int.min, -4, -1, 0, 1])
    func capacityBelowTwoIsRejected(capacity: Int) {
        #expect(throws: SampleRingError.self) { try SampleRing(capacity: capacity) }
        let problem = SampleRing.capacityProblem(capacity)
        #expect(problem?.code == .capacityTooSmall)
        #expect(problem?.capacity == capacity)
        #expect(problem?.message == "ring capacity \(capacity) is too small: it must be a power of two of at least 2")
    }

    @Test func nonPowerOfTwoIsRejectedWithTheNearestPowersSuggested() {
        let problem = SampleRing.capacityProblem(1000)
        #expect(problem?.code == .capacityNotPowerOfTwo)
        #expect(problem?.message == "ring capacity 1000 is not a power of two: use 512 or 1024")
        #expect(SampleRing.capacityProblem(3)?.message == "ring capacity 3 is not a power of two: use 2 or 4")
        #expect(SampleRing.capacityProblem(65_535)?.code == .capacityNotPowerOfTwo)
    }

    @Test(arguments: [SampleRing.maximumCapacity + 1, SampleRing.maximumCapacity * 2, Int.max])
    func capacityAboveTheMaximumIsRejected(capacity: Int) {
        let problem = SampleRing.capacityProblem(capacity)
        #expect(problem?.code == .capacityTooLarge)
        #expect(problem?.message == "ring capacity \(capacity) is too large: the maximum is 16777216")
    }

    @Test func initThrowsTheSameErrorAsTheValidator() {
        for capacity in [0, 6, 100, Int.max] {
            var thrown: SampleRingError?
            do {
                _ = try SampleRing(capacity: capacity, policy: .dropNewest)
            } catch {
                thrown = error
            }
            #expect(thrown != nil)
            #expect(thrown == SampleRing.capacityProblem(capacity))
            #expect(throws: SampleRingError.self) { try SampleRing.validateCapacity(capacity) }
        }
        #expect(throws: Never.self) { try SampleRing.validateCapacity(64) }
        // Validated only: building it would take 512 MiB.
        #expect(SampleRing.capacityProblem(SampleRing.maximumCapacity) == nil)
    }

    @Test func errorDescriptionIsItsMessage() {
        let problem = SampleRing.capacityProblem(5)
        #expect(problem.map { "\($0)" } == "ring capacity 5 is not a power of two: use 4 or 8")
    }
}
