public import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A bounded queue of byte records between exactly one producer thread and one consumer thread,
/// in storage allocated once: the pipeline hands encoded frame records to the spool writer here
/// and goes on. A record that does not fit is refused and counted (the `drop-newest` policy: the
/// producer must never wait for the consumer, and only the consumer may move the read position),
/// so a slow disk costs records at worst, never time on the producer's thread.
///
/// Layout: a byte ring of `capacity` bytes; each record is a 4-byte little-endian length and its
/// bytes, and may wrap around the end of the storage. `head` (bytes ever written) belongs to the
/// producer, `tail` (bytes ever consumed) to the consumer. The producer publishes a record by
/// storing `head` with `releasing` after copying the bytes; the consumer loads it with
/// `acquiring` before reading them, and releases `tail` after it is done, so the producer never
/// overwrites bytes still being read.
///
/// Memory: the storage is its own anonymous mapping, and the consumer gives the pages it has
/// read back to the kernel (`MADV_DONTNEED`) before it publishes the new `tail`. So the hand-off
/// costs resident memory only for what waits in it: a megabyte reserved for a slow SD card is
/// not a megabyte of RSS while the card keeps up. The producer may use all but one page: it
/// then never writes into a page the consumer is still giving back.
public final class ByteHandoff: @unchecked Sendable {
    // @unchecked: the storage is touched by the producer only in [head, tail + capacity) and by
    // the consumer only in [tail, head), which the two atomics keep apart.

    /// Storage size in bytes, length prefixes included (a whole number of pages).
    public let capacity: Int
    /// Bytes the producer may fill: all but one page (see above).
    private let usable: Int
    private let pageSize: Int
    /// What a full hand-off does with a record: it is dropped and counted.
    public static let policy = "drop-newest"

    private let storage: UnsafeMutableRawPointer
    private let head = Atomic<Int>(0)
    private let tail = Atomic<Int>(0)
    private let offeredCount = Atomic<UInt64>(0)
    private let droppedCount = Atomic<UInt64>(0)
    private let droppedBytesCount = Atomic<UInt64>(0)
    private let highWaterMark = Atomic<Int>(0)
    /// The consumer's copy of a record that wraps around the end of the storage.
    private var scratch: [UInt8] = []
    /// The consumer's: storage below this position (page-aligned, ever-increasing like `tail`)
    /// was given back to the kernel.
    private var released = 0

    /// The length prefix of every record.
    static let prefixBytes = 4

    /// Creates a hand-off of `capacity` bytes, rounded up to whole pages (two at least). The
    /// storage is mapped here, once.
    public init(capacity: Int) throws(FileError) {
        let page = max(4096, Int(sysconf(Int32(_SC_PAGESIZE))))
        let pages = max(2, (capacity + page - 1) / page)
        pageSize = page
        self.capacity = pages * page
        usable = self.capacity - page
        guard let mapped = mmap(nil, self.capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            mapped != MAP_FAILED
        else { throw FileError(operation: "map", path: "the record hand-off", errno: errno) }
        storage = mapped
    }

    deinit {
        munmap(storage, capacity)
    }

    // MARK: Producer (one thread)

    /// Queues a copy of `bytes`; false when it does not fit (counted as dropped). Never blocks.
    @discardableResult
    public func offer(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let needed = Self.prefixBytes + bytes.count
        let position = head.load(ordering: .relaxed)
        let used = position - tail.load(ordering: .acquiring)
        guard bytes.count <= Int(UInt32.max), used + needed <= usable else {
            droppedCount.add(1, ordering: .relaxed)
            droppedBytesCount.add(UInt64(bytes.count), ordering: .relaxed)
            return false
        }
        var length = UInt32(bytes.count).littleEndian
        withUnsafeBytes(of: &length) { copyIn($0, at: position) }
        copyIn(bytes, at: position + Self.prefixBytes)
        head.store(position + needed, ordering: .releasing)
        offeredCount.add(1, ordering: .relaxed)
        if used + needed > highWaterMark.load(ordering: .relaxed) {
            highWaterMark.store(used + needed, ordering: .relaxed)
        }
        return true
    }

    private func copyIn(_ bytes: UnsafeRawBufferPointer, at position: Int) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        let start = position % capacity
        let first = min(bytes.count, capacity - start)
        (storage + start).copyMemory(from: base, byteCount: first)
        if first < bytes.count {
            storage.copyMemory(from: base + first, byteCount: bytes.count - first)
        }
    }

    // MARK: Consumer (one thread)

    /// Hands the oldest queued record to `body` without removing it; nil when the hand-off is
    /// empty. The buffer is valid only during the call. `consume()` then removes it, so a
    /// record the consumer could not store can be offered to it again later.
    public func withOldest<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T? {
        let position = tail.load(ordering: .relaxed)
        guard head.load(ordering: .acquiring) > position else { return nil }
        var length: UInt32 = 0
        withUnsafeMutableBytes(of: &length) { copyOut(into: $0, from: position) }
        let count = Int(UInt32(littleEndian: length))
        let start = (position + Self.prefixBytes) % capacity
        if start + count <= capacity {
            return try body(UnsafeRawBufferPointer(start: storage + start, count: count))
        }
        if scratch.count < count { scratch = [UInt8](repeating: 0, count: count) }
        return try scratch.withUnsafeMutableBytes { raw in
            let target = UnsafeMutableRawBufferPointer(rebasing: raw[0..<count])
            copyOut(into: target, from: position + Self.prefixBytes)
            return try body(UnsafeRawBufferPointer(target))
        }
    }

    /// Removes the oldest record (the one `withOldest` showed).
    public func consume() {
        let position = tail.load(ordering: .relaxed)
        guard head.load(ordering: .acquiring) > position else { return }
        var length: UInt32 = 0
        withUnsafeMutableBytes(of: &length) { copyOut(into: $0, from: position) }
        let next = position + Self.prefixBytes + Int(UInt32(littleEndian: length))
        // Before publishing: the producer, held one page short of the old tail, cannot be
        // writing into the pages given back here.
        releasePages(below: next)
        tail.store(next, ordering: .releasing)
    }

    /// Gives the whole pages between `released` and `position` back to the kernel.
    private func releasePages(below position: Int) {
        let end = position - position % pageSize
        guard end > released else { return }
        var start = released
        released = end
        // A range of a capacity or more covers every page: the hand-off was filled and emptied
        // in one step.
        if end - start >= capacity { start = end - capacity }
        let from = start % capacity
        let count = end - start
        if from + count <= capacity {
            _ = madvise(storage + from, count, MADV_DONTNEED)
        } else {
            _ = madvise(storage + from, capacity - from, MADV_DONTNEED)
            _ = madvise(storage, count - (capacity - from), MADV_DONTNEED)
        }
    }

    private func copyOut(into target: UnsafeMutableRawBufferPointer, from position: Int) {
        guard let base = target.baseAddress, !target.isEmpty else { return }
        let start = position % capacity
        let first = min(target.count, capacity - start)
        base.copyMemory(from: storage + start, byteCount: first)
        if first < target.count {
            (base + first).copyMemory(from: storage, byteCount: target.count - first)
        }
    }

    // MARK: Counters (any thread)

    /// Bytes the producer may fill: `capacity` less one page.
    public var usableCapacity: Int { usable }
    /// Bytes queued now, length prefixes included.
    public var occupancy: Int { max(0, head.load(ordering: .relaxed) - tail.load(ordering: .relaxed)) }
    /// The most bytes ever queued at once: how close a slow disk came to dropping.
    public var highWater: Int { highWaterMark.load(ordering: .relaxed) }
    /// Records accepted so far.
    public var offered: UInt64 { offeredCount.load(ordering: .relaxed) }
    /// Records refused because they did not fit.
    public var dropped: UInt64 { droppedCount.load(ordering: .relaxed) }
    /// Payload bytes of the refused records.
    public var droppedBytes: UInt64 { droppedBytesCount.load(ordering: .relaxed) }
}
