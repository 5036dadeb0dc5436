import Synchronization

/// The text of string points (a Modbus `string(n)` nameplate), which cannot travel in a
/// `Sample`: the owner thread posts a frame's texts here under the frame's timestamp before it
/// pushes the frame's samples, and the consumer takes them when it assembles that frame. Only
/// sources with string points use it, so numeric frames never touch the lock.
public final class FrameTexts: Sendable {
    private struct Entry {
        var source: Int
        var timestamp: Int64
        var texts: [String?]
    }

    private let entries = Mutex<[Entry]>([])
    private let limit: Int

    /// Creates an empty board keeping at most `limit` frames' texts (older ones are dropped,
    /// as the ring would have dropped their samples by then).
    public init(limit: Int = 256) {
        self.limit = max(1, limit)
    }

    /// Posts the texts of `source`'s frame at `timestamp` (index = point; nil = no text).
    public func post(source: Int, timestamp: Int64, texts: [String?]) {
        entries.withLock { all in
            if all.count >= limit { all.removeFirst(all.count - limit + 1) }
            all.append(Entry(source: source, timestamp: timestamp, texts: texts))
        }
    }

    /// Takes the texts of `source`'s frame at `timestamp`, discarding that source's older
    /// entries (frames the ring dropped); nil when none were posted.
    public func take(source: Int, timestamp: Int64) -> [String?]? {
        entries.withLock { all in
            var found: [String?]?
            all.removeAll { entry in
                guard entry.source == source, entry.timestamp <= timestamp else { return false }
                if entry.timestamp == timestamp { found = entry.texts }
                return true
            }
            return found
        }
    }
}
