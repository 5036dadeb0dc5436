public import Synchronization

/// What a full ring does with a new sample.
public enum DropPolicy: String, Sendable, CaseIterable {
    /// Discard the oldest queued sample to make room: fresh readings matter more (default).
    case dropOldest = "drop-oldest"
    /// Discard the new sample: keep the backlog intact.
    case dropNewest = "drop-newest"
}

/// The fixed-size queue between the reader threads (GPIO chips, Modbus buses, timers) and the
/// flow engine thread. Many threads push, one thread pops; nothing allocates or locks after
/// `init`, and a full ring applies its `DropPolicy` and counts the drop instead of blocking.
///
/// The design is Dmitry Vyukov's bounded queue: every slot carries a sequence number that says
/// whose turn it is. For the slot of ticket `t` (index `t & mask`):
///
/// - `sequence == t`: empty, waiting for the producer holding enqueue ticket `t`;
/// - `sequence == t + 1`: holds the sample of ticket `t`, waiting for the consumer of dequeue ticket `t`;
/// - `sequence == t + capacity`: read and released; empty for enqueue ticket `t + capacity`.
///
/// A thread first wins a ticket with a compare-and-swap on the enqueue or dequeue position, then
/// owns that slot alone until it stores the next sequence number. So a producer never exposes a
/// half-written slot, and a producer never overwrites a slot a consumer is still copying out.
///
/// Memory ordering: the sample travels through plain (non-atomic) memory; the slot's sequence
/// is what publishes it. The writer of a slot stores the new sequence with `releasing` after
/// touching the sample; the next owner loads the sequence with `acquiring` before touching the
/// sample, which orders the sample write before the read (and the read before the next
/// overwrite). The positions only hand out tickets, never guard data, so their loads and
/// compare-and-swaps are `relaxed`.
///
/// Progress: a thread that won a ticket and is preempted before storing the sequence holds up
/// the threads that need that one slot next (Vyukov's queue is not strictly lock-free). The
/// window is a copy of 24 bytes; other slots keep moving meanwhile.
public final class SampleRing: @unchecked Sendable {
    // @unchecked: the only mutable state is the slot storage and the atomics below; which
    // thread may touch a slot's sample is decided by the slot's sequence (see above).

    /// How many samples the ring holds; a power of two.
    public let capacity: Int
    /// What a push into a full ring does.
    public let policy: DropPolicy

    @usableFromInline let mask: Int
    @usableFromInline let slots: UnsafeMutablePointer<RingSlot>
    /// Enqueue position, dequeue position and drop count, each on its own cache line so
    /// producers and the consumer do not invalidate each other's lines on every operation.
    @usableFromInline let positions: UnsafeMutablePointer<PaddedAtomic>

    @usableFromInline static let enqueueIndex = 0
    @usableFromInline static let dequeueIndex = 1
    @usableFromInline static let droppedIndex = 2
    @usableFromInline static let positionCount = 3

    /// Creates a ring. Storage for all samples is allocated here, once.
    /// - Throws: `SampleRingError` when `capacity` is below 2, not a power of two or too large.
    public init(capacity: Int, policy: DropPolicy = .dropOldest) throws(SampleRingError) {
        if let problem = SampleRing.capacityProblem(capacity) { throw problem }
        self.capacity = capacity
        self.policy = policy
        mask = capacity - 1
        slots = UnsafeMutablePointer<RingSlot>.allocate(capacity: capacity)
        for index in 0..<capacity {
            (slots + index).initialize(to: RingSlot(sequence: index))
        }
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: MemoryLayout<PaddedAtomic>.stride * SampleRing.positionCount,
            alignment: PaddedAtomic.lineSize
        )
        positions = raw.bindMemory(to: PaddedAtomic.self, capacity: SampleRing.positionCount)
        for index in 0..<SampleRing.positionCount {
            (positions + index).initialize(to: PaddedAtomic())
        }
    }

    deinit {
        slots.deinitialize(count: capacity)
        slots.deallocate()
        positions.deinitialize(count: SampleRing.positionCount)
        UnsafeMutableRawPointer(positions).deallocate()
    }

    // MARK: Producers (any number of threads)

    /// Queues a sample. Safe to call from any number of threads at once.
    /// - Returns: `true` when the sample was queued. With `.dropNewest` a full ring returns
    ///   `false` and counts the sample as dropped; with `.dropOldest` the oldest queued sample is
    ///   discarded and counted instead, and the push returns `true`.
    @inlinable
    @discardableResult
    public func push(_ sample: Sample) -> Bool {
        var spins = 0
        var position = positions[SampleRing.enqueueIndex].value.load(ordering: .relaxed)
        while true {
            let slot = slots + (position & mask)
            // Acquiring: pairs with the consumer's releasing store, so its copy-out of the
            // previous sample in this slot happens before our write below.
            let sequence = slot.pointee.sequence.load(ordering: .acquiring)
            let lag = sequence &- position
            if lag == 0 {
                let won = positions[SampleRing.enqueueIndex].value.weakCompareExchange(
                    expected: position, desired: position &+ 1, ordering: .relaxed
                )
                if won.exchanged {
                    slot.pointee.sample = sample
                    // Releasing: publishes the sample write to the consumer that acquires this.
                    slot.pointee.sequence.store(position &+ 1, ordering: .releasing)
                    return true
                }
                position = won.original
            } else if lag < 0 {
                // The slot still holds the sample of ticket `position - capacity`.
                if policy == .dropNewest {
                    positions[SampleRing.droppedIndex].value.add(1, ordering: .relaxed)
                    return false
                }
                makeRoom(forTicket: position, spins: &spins)
                position = positions[SampleRing.enqueueIndex].value.load(ordering: .relaxed)
            } else {
                // Another producer took this ticket first; start again from the current position.
                position = positions[SampleRing.enqueueIndex].value.load(ordering: .relaxed)
            }
        }
    }

    /// `.dropOldest` on a full ring: discard the oldest queued sample so a push can proceed.
    /// Kept out of line: it only runs when the ring is full.
    @usableFromInline
    func makeRoom(forTicket position: Int, spins: inout Int) {
        let head = positions[SampleRing.dequeueIndex].value.load(ordering: .relaxed)
        if position &- head >= capacity {
            // Every slot holds a sample nobody has claimed: take the oldest as a consumer
            // would (the compare-and-swap keeps this safe against the real consumer popping
            // at the same moment). It can come back empty when the oldest slot is still being
            // written by a producer that won its ticket earlier; then there is nothing to drop yet.
            if dequeue() != nil {
                positions[SampleRing.droppedIndex].value.add(1, ordering: .relaxed)
                spins = 0
                return
            }
        }
        // Otherwise a consumer (or another producer making room) has claimed the oldest sample
        // and is copying it out; the slot is free as soon as that copy ends, so wait for it
        // instead of dropping more samples.
        spins &+= 1
        if spins >= SampleRing.spinsBeforeYield {
            spins = 0
            yieldProcessor()
        }
    }

    @usableFromInline static let spinsBeforeYield = 64

    // MARK: Consumer (one thread)

    /// Takes the oldest sample, or `nil` when the ring is empty (or its oldest sample is still
    /// being written). Call from the single consumer thread.
    @inlinable
    public func pop() -> Sample? {
        dequeue()
    }

    /// Moves up to `buffer.count` samples, oldest first, into `buffer`; returns how many.
    @inlinable
    public func popBatch(into buffer: UnsafeMutableBufferPointer<Sample>) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var taken = 0
        while taken < buffer.count, let sample = dequeue() {
            (base + taken).initialize(to: sample)
            taken &+= 1
        }
        return taken
    }

    /// Calls `body` with up to `max` samples, oldest first; returns how many were taken.
    /// Stops early when the ring is empty.
    @inlinable
    @discardableResult
    public func drain(max: Int, _ body: (Sample) -> Void) -> Int {
        var taken = 0
        while taken < max, let sample = dequeue() {
            body(sample)
            taken &+= 1
        }
        return taken
    }

    /// Vyukov dequeue. Safe against concurrent callers: the consumer, and producers making room.
    @inlinable
    func dequeue() -> Sample? {
        var position = positions[SampleRing.dequeueIndex].value.load(ordering: .relaxed)
        while true {
            let slot = slots + (position & mask)
            // Acquiring: pairs with the producer's releasing store of `position + 1`, so the
            // sample it wrote is visible to the read below.
            let sequence = slot.pointee.sequence.load(ordering: .acquiring)
            let lag = sequence &- (position &+ 1)
            if lag == 0 {
                let won = positions[SampleRing.dequeueIndex].value.weakCompareExchange(
                    expected: position, desired: position &+ 1, ordering: .relaxed
                )
                if won.exchanged {
                    let sample = slot.pointee.sample
                    // Releasing: our read of the sample happens before the producer of ticket
                    // `position + capacity` acquires this and overwrites it.
                    slot.pointee.sequence.store(position &+ mask &+ 1, ordering: .releasing)
                    return sample
                }
                position = won.original
            } else if lag < 0 {
                return nil
            } else {
                position = positions[SampleRing.dequeueIndex].value.load(ordering: .relaxed)
            }
        }
    }

    // MARK: Observation (any thread)

    /// Samples currently queued; approximate while other threads push or pop.
    public var count: Int {
        let head = positions[SampleRing.dequeueIndex].value.load(ordering: .relaxed)
        let tail = positions[SampleRing.enqueueIndex].value.load(ordering: .relaxed)
        return Swift.min(Swift.max(tail &- head, 0), capacity)
    }

    /// Samples discarded by the drop policy since the ring was created.
    public var droppedCount: UInt64 {
        UInt64(truncatingIfNeeded: positions[SampleRing.droppedIndex].value.load(ordering: .relaxed))
    }

    /// Samples accepted into the ring since it was created (each accepted push takes one ticket).
    public var pushedCount: UInt64 {
        UInt64(truncatingIfNeeded: positions[SampleRing.enqueueIndex].value.load(ordering: .relaxed))
    }
}
