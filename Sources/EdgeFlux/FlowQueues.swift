/// A first-in first-out queue with a fixed capacity: the pending invocations of one action.
/// A full queue refuses instead of growing, which is how a slow handler's backlog stays bounded.
struct FlowBoundedQueue<Element> {
    private var storage: [Element?]
    private var head = 0
    private(set) var count = 0

    /// Creates an empty queue holding at most `capacity` elements (at least 1).
    init(capacity: Int) {
        storage = Array(repeating: nil, count: Swift.max(1, capacity))
    }

    var capacity: Int { storage.count }
    var isEmpty: Bool { count == 0 }

    /// Appends `element`; false (and nothing stored) when full.
    mutating func push(_ element: Element) -> Bool {
        guard count < storage.count else { return false }
        storage[(head + count) % storage.count] = element
        count += 1
        return true
    }

    /// Removes and returns the oldest element.
    mutating func pop() -> Element? {
        guard count > 0 else { return nil }
        let element = storage[head]
        storage[head] = nil
        head = (head + 1) % storage.count
        count -= 1
        return element
    }
}

/// Delayed messages ordered by due time, then by the order they were scheduled (so two
/// messages due at the same instant keep their order): a binary min-heap, one entry per
/// message, no task or timer per message.
struct FlowDelayHeap<Element> {
    struct Entry {
        var due: Int64
        var sequence: UInt64
        var element: Element
    }

    private var entries: [Entry] = []
    private var nextSequence: UInt64 = 0

    var count: Int { entries.count }
    /// The earliest due time, if any.
    var nextDue: Int64? { entries.first?.due }

    /// Schedules `element` at `due`.
    mutating func push(_ element: Element, due: Int64) {
        entries.append(Entry(due: due, sequence: nextSequence, element: element))
        nextSequence &+= 1
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.before(entries[child], entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest element if it is due at `now`.
    mutating func popDue(now: Int64) -> Element? {
        guard let first = entries.first, first.due <= now else { return nil }
        let last = entries.removeLast()
        guard !entries.isEmpty else { return last.element }
        entries[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < entries.count, Self.before(entries[left], entries[smallest]) { smallest = left }
            if right < entries.count, Self.before(entries[right], entries[smallest]) { smallest = right }
            if smallest == parent { break }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
        return first.element
    }

    private static func before(_ a: Entry, _ b: Entry) -> Bool {
        a.due != b.due ? a.due < b.due : a.sequence < b.sequence
    }
}
