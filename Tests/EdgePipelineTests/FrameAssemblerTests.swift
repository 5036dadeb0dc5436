import EdgeCore
import EdgePipeline
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Frames go into the ring with `pushFrame` and come out of the assembler whole, or not at all.
struct FrameAssemblerTests {
    func sample(_ source: UInt16, _ point: UInt16, _ value: Double, ts: Int64 = 0, _ quality: SampleQuality = .good,
                _ flags: SampleFlags = []) -> Sample {
        Sample(source: source, point: point, timestamp: ts, value: value, quality: quality, flags: flags)
    }

    @Test func aPushedFrameComesOutAsOneFrameWithAllItsPoints() throws {
        let ring = try SampleRing(capacity: 64)
        let assembler = FrameAssembler(pointCounts: [5])
        // Timestamps and flags in the input are overwritten by pushFrame (a stray frameEnd in the
        // middle must not cut the frame short).
        let samples = [
            sample(0, 0, 1.5, ts: 7), sample(0, 1, 2.5, ts: 8, .good, .frameEnd), sample(0, 2, 3.5),
            sample(0, 3, 4.5, ts: 0, .timeout), sample(0, 4, 5.5),
        ]
        #expect(ring.pushFrame(samples, timestamp: 1_000))
        let frames = drainFrames(ring, into: assembler)
        try #require(frames.count == 1, "\(frames)")
        #expect(frames[0].source == 0)
        #expect(frames[0].timestamp == 1_000)
        #expect(frames[0].presentCount == 5)
        // A failed read is present (with its quality), not absent.
        #expect(frames[0].qualities == [.good, .good, .good, .timeout, .good])
        #expect(frames[0].values[0] == 1.5 && frames[0].values[4] == 5.5)
        #expect(assembler.frames == 1)
        #expect(assembler.partialFrames == 0)
        #expect(assembler.strays == 0)
    }

    @Test func aOneSampleFrameIsBothStartAndEnd() throws {
        let ring = try SampleRing(capacity: 8)
        let assembler = FrameAssembler(pointCounts: [1])
        ring.pushFrame([sample(0, 0, 42)], timestamp: 5)
        let frames = drainFrames(ring, into: assembler)
        #expect(frames.map(\.values) == [[42]])
        #expect(frames.map(\.timestamp) == [5])
    }

    @Test func pointsNotInTheFrameAreAbsent() throws {
        let ring = try SampleRing(capacity: 64)
        let assembler = FrameAssembler(pointCounts: [6])
        ring.pushFrame([sample(0, 0, 10), sample(0, 2, 0, .deviceError), sample(0, 5, 30)], timestamp: 1)
        let frames = drainFrames(ring, into: assembler)
        try #require(frames.count == 1)
        #expect(frames[0].qualities == [.good, .absent, .deviceError, .absent, .absent, .good])
        #expect(frames[0].values == [10, nil, 0, nil, nil, 30])
        #expect(frames[0].presentCount == 3)
        // The next frame reports other points: nothing of the first frame is carried over.
        ring.pushFrame([sample(0, 1, 11)], timestamp: 2)
        let next = drainFrames(ring, into: assembler)
        #expect(next.map(\.values) == [[nil, 11, nil, nil, nil, nil]])
    }

    @Test func twoSourcesInterleavedSampleBySampleComeOutAsTwoWholeFrames() throws {
        let ring = try SampleRing(capacity: 64)
        let assembler = FrameAssembler(pointCounts: [3, 2])
        // What two owner threads pushing at once can produce: their samples alternate.
        let a: [Sample] = [
            sample(0, 0, 1, ts: 100, .good, .frameStart), sample(0, 1, 2, ts: 100, .good, SampleFlags().withFrameIndex(1)),
            sample(0, 2, 3, ts: 100, .good, SampleFlags.frameEnd.withFrameIndex(2)),
        ]
        let b: [Sample] = [
            sample(1, 0, 10, ts: 90, .good, .frameStart), sample(1, 1, 20, ts: 90, .good, SampleFlags.frameEnd.withFrameIndex(1)),
        ]
        for s in [a[0], b[0], a[1], b[1], a[2]] { ring.push(s) }
        let frames = drainFrames(ring, into: assembler)
        #expect(frames.map(\.source) == [1, 0])
        #expect(frames.first?.values == [10, 20])
        #expect(frames.first?.timestamp == 90)
        #expect(frames.last?.values == [1, 2, 3])
        #expect(frames.last?.timestamp == 100)
        #expect(assembler.frames == 2)
        #expect(assembler.partialFrames == 0)
    }

    @Test func aFrameWhoseStartWasDroppedIsDiscardedAndCountedAndTheNextIsDelivered() throws {
        let ring = try SampleRing(capacity: 64)
        let assembler = FrameAssembler(pointCounts: [3])
        // The ring dropped the start of the frame at 10: only its tail arrives.
        ring.push(sample(0, 1, 2, ts: 10))
        ring.push(sample(0, 2, 3, ts: 10, .good, .frameEnd))
        #expect(drainFrames(ring, into: assembler).isEmpty)
        #expect(assembler.partialFrames == 1)
        ring.pushFrame([sample(0, 0, 4), sample(0, 1, 5), sample(0, 2, 6)], timestamp: 20)
        let frames = drainFrames(ring, into: assembler)
        #expect(frames.map(\.values) == [[4, 5, 6]])
        #expect(frames.map(\.timestamp) == [20])
        #expect(assembler.frames == 1)
        #expect(assembler.partialFrames == 1)
    }

    @Test func aFrameWhoseEndNeverCameIsDiscardedWhenTheNextStartArrives() throws {
        let ring = try SampleRing(capacity: 64)
        let assembler = FrameAssembler(pointCounts: [3])
        // A `.dropNewest` ring refused the rest of the frame at 10: start and one more arrive.
        ring.push(sample(0, 0, 1, ts: 10, .good, .frameStart))
        ring.push(sample(0, 1, 2, ts: 10, .good, SampleFlags().withFrameIndex(1)))
        #expect(drainFrames(ring, into: assembler).isEmpty)
        #expect(assembler.partialFrames == 0, "not known to be partial until the next start")
        ring.pushFrame([sample(0, 1, 20), sample(0, 2, 30)], timestamp: 20)
        let frames = drainFrames(ring, into: assembler)
        // Point 0 of the discarded frame must not leak into this one.
        #expect(frames.map(\.values) == [[nil, 20, 30]])
        #expect(assembler.partialFrames == 1)
        #expect(assembler.frames == 1)
    }

    @Test func samplesOfUnknownSourcesOrPointsAreCountedAsStraysAndDoNotDisturbAFrame() throws {
        let ring = try SampleRing(capacity: 64)
        let assembler = FrameAssembler(pointCounts: [2])
        ring.push(sample(0, 0, 1, ts: 5, .good, .frameStart))
        ring.push(sample(3, 0, 9, ts: 5, .good, [.frameStart, .frameEnd]))  // no source 3
        ring.push(sample(0, 9, 9, ts: 5, .good, .frameEnd))  // source 0 has no point 9
        ring.push(sample(0, 1, 2, ts: 5, .good, SampleFlags.frameEnd.withFrameIndex(1)))
        let frames = drainFrames(ring, into: assembler)
        #expect(frames.map(\.values) == [[1, 2]])
        #expect(assembler.strays == 2)
        #expect(assembler.partialFrames == 0)
    }

    /// `.dropOldest` takes the oldest queued samples. If the consumer has already taken a frame's
    /// start when that happens, the dropped samples are from the middle of the frame, and its
    /// end still arrives. The assembler promises that no frame with holes is ever delivered.
    @Test func aFrameThatLostSamplesInTheMiddleIsNotDeliveredWithHoles() throws {
        let ring = try SampleRing(capacity: 4, policy: .dropOldest)
        let assembler = FrameAssembler(pointCounts: [6])
        // The owner thread pushes a 6-sample frame (as pushFrame does, one sample at a time)
        // while the consumer takes the first sample between two pushes.
        let frame = (0..<6).map { p -> Sample in
            var flags = SampleFlags().withFrameIndex(p)
            if p == 0 { flags.insert(.frameStart) }
            if p == 5 { flags.insert(.frameEnd) }
            return sample(0, UInt16(p), Double(p), ts: 50, .good, flags)
        }
        var delivered: [FrameCopy] = []
        func consumeOne() {
            guard let s = ring.pop() else { return }
            if let source = assembler.add(s) {
                delivered.append(assembler.withFrame(source: source, texts: [], deadbands: nil) { FrameCopy($0) })
            }
        }
        for s in frame[0..<4] { ring.push(s) }
        consumeOne()  // takes the start
        ring.push(frame[4])  // the ring is full again
        ring.push(frame[5])  // drops the oldest queued sample: point 1
        #expect(ring.droppedCount == 1)
        for _ in 0..<8 { consumeOne() }
        #expect(delivered.allSatisfy { $0.presentCount == 6 }, "delivered with a hole: \(delivered)")
        #expect(delivered.count + Int(assembler.partialFrames) == 1)
    }
}

/// Many whole frames through the ring from a real producer thread to a slow consumer.
struct FrameAssemblerLoadTests {
    static let frames = 2_000
    static let points = 50

    /// Runs `producer` on its own thread while this thread drains `ring` in batches of `batch`
    /// (yielding between batches, to be slow); returns the frames and whether all arrived in time.
    func run(
        ring: SampleRing, batch: Int, deadlineNanoseconds: Int64 = 60_000_000_000,
        producer: @escaping @Sendable () -> Void
    ) throws -> (frames: [FrameCopy], assembler: FrameAssembler, timedOut: Bool) {
        let done = Atomic<Bool>(false)
        let thread = try OwnerThread(name: "producer") {
            producer()
            done.store(true, ordering: .releasing)
        }
        let assembler = FrameAssembler(pointCounts: [Self.points, Self.points])
        var frames: [FrameCopy] = []
        let deadline = MonotonicDeadline(after: deadlineNanoseconds)
        var timedOut = false
        while true {
            // Read `done` before draining: done and then an empty drain means nothing more comes.
            let finished = done.load(ordering: .acquiring)
            let taken = ring.drain(max: batch) { s in
                if let source = assembler.add(s) {
                    frames.append(assembler.withFrame(source: source, texts: [], deadbands: nil) { FrameCopy($0) })
                }
            }
            if finished && taken == 0 { break }
            if deadline.remaining <= 0 {
                timedOut = true
                break
            }
            sched_yield()
        }
        thread.join()
        return (frames, assembler, timedOut)
    }

    @Test func twoThousandFramesOfFiftyPointsArriveWholeThroughASlowConsumer() throws {
        let ring = try SampleRing(capacity: 65536, policy: .dropOldest)
        let capacity = ring.capacity
        let result = try run(ring: ring, batch: 16) {
            var frame = [Sample](repeating: Sample(source: 0, point: 0, timestamp: 0, value: 0), count: Self.points)
            for f in 0..<Self.frames {
                for p in 0..<Self.points {
                    frame[p] = Sample(source: 0, point: UInt16(p), timestamp: 0, value: Double(f * 1000 + p))
                }
                // 100,000 samples do not fit in 65,536: the producer keeps ahead of the consumer
                // but never overruns the ring (bounded wait: the test's deadline is on the consumer).
                var waits = 0
                while ring.count > capacity - Self.points && waits < 10_000_000 {
                    sched_yield()
                    waits += 1
                }
                ring.pushFrame(frame, timestamp: Int64(f + 1))
            }
        }
        #expect(!result.timedOut)
        // 100,000 samples went through a ring of 65,536, none dropped.
        #expect(ring.pushedCount == UInt64(Self.frames * Self.points))
        #expect(ring.droppedCount == 0)
        #expect(result.frames.count == Self.frames)
        #expect(result.assembler.partialFrames == 0)
        #expect(result.frames.allSatisfy { $0.presentCount == Self.points })
        // Each frame carries its own values: frame f has f*1000+p at point p, stamped f+1.
        var intact = 0
        for (index, frame) in result.frames.enumerated() {
            let expected: [Double?] = (0..<Self.points).map { Double(index * 1000 + $0) }
            if frame.timestamp == Int64(index + 1) && frame.values == expected { intact += 1 }
        }
        #expect(intact == Self.frames)
    }

    @Test func anOverrunRingDiscardsFramesButNeverDeliversOneWithHoles() throws {
        // dropNewest: a refused sample ends the frame's push, so its end never arrives.
        let ring = try SampleRing(capacity: 256, policy: .dropNewest)
        let result = try run(ring: ring, batch: 8) {
            var frame = [Sample](repeating: Sample(source: 1, point: 0, timestamp: 0, value: 0), count: Self.points)
            for f in 0..<Self.frames {
                for p in 0..<Self.points {
                    frame[p] = Sample(source: 1, point: UInt16(p), timestamp: 0, value: Double(p))
                }
                ring.pushFrame(frame, timestamp: Int64(f + 1))
            }
        }
        #expect(!result.timedOut)
        #expect(ring.droppedCount > 0, "the producer must overrun the ring for this test to mean anything")
        #expect(result.frames.allSatisfy { $0.presentCount == Self.points && $0.source == 1 })
        #expect(result.frames.count + Int(result.assembler.partialFrames) <= Self.frames)
        #expect(result.assembler.frames == UInt64(result.frames.count))
        // Timestamps strictly increase: no frame is delivered twice or out of order.
        let stamps = result.frames.map(\.timestamp)
        #expect(zip(stamps, stamps.dropFirst()).allSatisfy { $0 < $1 })
    }
}

/// Point deadbands decide what is recorded (`reported`), with the rule of `Deadband.moved`.
struct DeadbandFilterTests {
    /// Feeds one point through `filter` frame by frame; returns `reported` per frame.
    func feed(_ filter: DeadbandFilter, source: Int = 0, point: Int = 0, count: Int = 1,
              _ steps: [(Double, SampleQuality)]) -> [Bool] {
        var out: [Bool] = []
        for (value, quality) in steps {
            var values = [Double](repeating: .nan, count: count)
            var qualities = [SampleQuality](repeating: .absent, count: count)
            values[point] = value
            qualities[point] = quality
            var reported = [Bool](repeating: false, count: count)
            values.withUnsafeBufferPointer { v in
                qualities.withUnsafeBufferPointer { q in
                    reported.withUnsafeMutableBufferPointer { r in
                        filter.apply(source: source, values: v, qualities: q, into: r)
                    }
                }
            }
            out.append(reported[point])
        }
        return out
    }

    @Test func aBandOfHalfReportsMovesBeyondItAndEveryQualityChange() {
        let filter = DeadbandFilter(bands: [[0.5]])
        // 10.0 first: reported. 10.3: 0.3 from 10.0, held. 10.6: 0.6 from 10.0, reported.
        // 10.4: 0.2 from 10.6, held. A failed read: reported (quality changed). 10.4 good after
        // a failure: reported (quality changed back), whatever the distance.
        let reported = feed(filter, [
            (10.0, .good), (10.3, .good), (10.6, .good), (10.4, .good), (.nan, .deviceError), (10.4, .good),
        ])
        #expect(reported == [true, false, true, false, true, true])
    }

    @Test func aMoveOfExactlyTheBandIsNotReported() {
        let filter = DeadbandFilter(bands: [[0.5]])
        #expect(feed(filter, [(10, .good), (10.5, .good), (9.5, .good), (10.75, .good)]) == [true, false, false, true])
    }

    @Test func aPointWithoutABandIsAlwaysReported() {
        let filter = DeadbandFilter(bands: [[nil, 0.5]])
        #expect(feed(filter, count: 2, [(1, .good), (1, .good), (1.000001, .good), (1, .good)]) == [true, true, true, true])
    }

    @Test func absentPointsAreNotReportedAndDoNotMoveTheReference() {
        let filter = DeadbandFilter(bands: [[0.5]])
        // If the absent frame had replaced the reference (10.0) or its quality, 10.3 would be
        // reported; it is 0.3 from 10.0, so it is held. 10.6 is 0.6 from 10.0: reported.
        let reported = feed(filter, [(10.0, .good), (.nan, .absent), (10.3, .good), (.nan, .absent), (10.6, .good)])
        #expect(reported == [true, false, false, false, true])
    }

    @Test func sourcesKeepTheirOwnReferences() {
        let filter = DeadbandFilter(bands: [[1], [1]])
        #expect(feed(filter, source: 0, [(0, .good)]) == [true])
        #expect(feed(filter, source: 1, [(5, .good)]) == [true])
        #expect(feed(filter, source: 0, [(0.5, .good), (1.5, .good)]) == [false, true])
        #expect(feed(filter, source: 1, [(5.5, .good), (3.9, .good)]) == [false, true])
    }

    @Test func theAssemblerFillsReportedThroughTheFilter() throws {
        let ring = try SampleRing(capacity: 16)
        let assembler = FrameAssembler(pointCounts: [2])
        let filter = DeadbandFilter(bands: [[0.5, nil]])
        ring.pushFrame([Sample(source: 0, point: 0, timestamp: 0, value: 10)], timestamp: 1)
        ring.pushFrame(
            [Sample(source: 0, point: 0, timestamp: 0, value: 10.2), Sample(source: 0, point: 1, timestamp: 0, value: 3)],
            timestamp: 2)
        let frames = drainFrames(ring, into: assembler, deadbands: filter)
        #expect(frames.map(\.reported) == [[true, false], [false, true]])
        // Without a filter every present point is reported.
        ring.pushFrame([Sample(source: 0, point: 0, timestamp: 0, value: 10.2)], timestamp: 3)
        #expect(drainFrames(ring, into: assembler).map { $0.reported[0] } == [true])
    }
}
