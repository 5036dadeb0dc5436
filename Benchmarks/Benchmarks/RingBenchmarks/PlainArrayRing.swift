import EdgeCore

/// The reference the ring is measured against: the same push/pop written the obvious way, a
/// Swift array with two plain integer indices, no atomics and no thread safety. Kept in a local
/// variable by the loop, so there are no dynamic exclusivity checks either. This is the floor a
/// single-threaded ring could reach; the gap to `SampleRing` is the price of being safe for
/// many producers.
struct PlainArrayRing {
    private var storage: [Sample]
    private var head = 0
    private var tail = 0
    private let mask: Int

    /// `capacity` must be a power of two (the benchmark passes a constant).
    init(capacity: Int) {
        storage = Array(repeating: Sample(source: 0, point: 0, timestamp: 0, value: 0), count: capacity)
        mask = capacity - 1
    }

    /// Queues a sample; false when full (drop-newest, the cheapest policy).
    mutating func push(_ sample: Sample) -> Bool {
        guard tail &- head < storage.count else { return false }
        storage[tail & mask] = sample
        tail &+= 1
        return true
    }

    /// Takes the oldest sample, nil when empty.
    mutating func pop() -> Sample? {
        guard head != tail else { return nil }
        let sample = storage[head & mask]
        head &+= 1
        return sample
    }
}
