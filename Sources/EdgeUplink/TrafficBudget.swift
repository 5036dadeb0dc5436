/// The uplink's hourly traffic allowance (docs/safety.md S10): bytes and requests in any
/// sliding hour, kept in 60 one-minute buckets so its memory is fixed. When a send would exceed
/// the allowance the data waits in the spool; nothing is dropped for budget reasons.
public struct TrafficBudget: Sendable, Equatable {
    /// Bytes allowed per hour; nil = unlimited.
    public let bytesPerHour: Int64?
    /// Requests allowed per hour; nil = unlimited.
    public let requestsPerHour: Int?

    private static let bucketNanoseconds: Int64 = 60_000_000_000
    private static let buckets = 60
    private var minute = [Int64](repeating: .min, count: TrafficBudget.buckets)
    private var bytes = [Int64](repeating: 0, count: TrafficBudget.buckets)
    private var requests = [Int](repeating: 0, count: TrafficBudget.buckets)

    /// Creates an allowance; both nil means every send is admitted.
    public init(bytesPerHour: Int64? = nil, requestsPerHour: Int? = nil) {
        self.bytesPerHour = bytesPerHour
        self.requestsPerHour = requestsPerHour
    }

    /// Whether a send of `size` bytes fits at monotonic time `now`: nil when it does, else how
    /// long (ns) until enough of the hour has passed for it to fit. A single send larger than the
    /// whole hourly allowance is admitted once the hour is otherwise empty, so it cannot block
    /// the spool forever.
    public func wait(forSending size: Int, at now: Int64) -> Int64? {
        let current = now / Self.bucketNanoseconds
        var usedBytes: Int64 = 0
        var usedRequests = 0
        for i in 0..<Self.buckets where minute[i] > current - Int64(Self.buckets) {
            usedBytes += bytes[i]
            usedRequests += requests[i]
        }
        let bytesFit = bytesPerHour.map { usedBytes == 0 || usedBytes + Int64(size) <= $0 } ?? true
        let requestsFit = requestsPerHour.map { usedRequests < $0 } ?? true
        if bytesFit && requestsFit { return nil }
        // The oldest counted minute leaves the window first: wait for it, then look again.
        let oldest = minute.filter { $0 > current - Int64(Self.buckets) }.min() ?? current
        let freedAt = (oldest + Int64(Self.buckets)) * Self.bucketNanoseconds
        return max(freedAt - now, 1_000_000)
    }

    /// Counts a send of `size` bytes at monotonic time `now`.
    public mutating func record(sending size: Int, at now: Int64) {
        let current = now / Self.bucketNanoseconds
        let slot = Int(((current % Int64(Self.buckets)) + Int64(Self.buckets)) % Int64(Self.buckets))
        if minute[slot] != current {
            minute[slot] = current
            bytes[slot] = 0
            requests[slot] = 0
        }
        bytes[slot] += Int64(size)
        requests[slot] += 1
    }
}
