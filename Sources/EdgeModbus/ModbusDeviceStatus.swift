public import EdgeCore

/// Where a device stands in the poll loop's failure handling.
public enum ModbusDeviceState: Sendable, Hashable, CustomStringConvertible {
    /// Not polled yet.
    case pending
    /// The last poll got answers (exception answers included).
    case ok
    /// The last polls failed; retried with exponential backoff and jitter.
    case failing(consecutiveFailures: Int)
    /// Failed so often that it is only probed now and then (`ModbusRetryPolicy.parkedProbeInterval`).
    case parked(consecutiveFailures: Int)

    /// `pending`, `ok`, `failing`, `parked`: for status output and flow contexts.
    public var name: String {
        switch self {
        case .pending: "pending"
        case .ok: "ok"
        case .failing: "failing"
        case .parked: "parked"
        }
    }

    /// Consecutive failed polls (0 unless failing or parked).
    public var consecutiveFailures: Int {
        switch self {
        case .failing(let n), .parked(let n): n
        default: 0
        }
    }

    /// `failing (3 consecutive failures)`.
    public var description: String {
        switch self {
        case .failing(let n), .parked(let n): "\(name) (\(n) consecutive failure\(n == 1 ? "" : "s"))"
        default: name
        }
    }
}

/// Counters of one device, for `edgeflow status`, metrics and tests.
public struct ModbusDeviceStats: Sendable, Equatable {
    /// The device's config id.
    public var deviceID: String
    /// Current state.
    public var state: ModbusDeviceState = .pending
    /// Poll cycles attempted.
    public var polls = 0
    /// Cycles in which every request got an answer (exception answers included).
    public var goodPolls = 0
    /// Cycles cut short by a timeout or link failure.
    public var failedPolls = 0
    /// Read requests sent (failed ones included).
    public var requests = 0
    /// Exception answers (illegal address, busy, ...).
    public var exceptions = 0
    /// Requests that got no answer in time.
    public var timeouts = 0
    /// Requests lost to link failures or garbled answers.
    public var commErrors = 0
    /// Polls that started more than one interval late (the bus is too slow for the schedule).
    public var overruns = 0
    /// Writes completed.
    public var writes = 0
    /// Writes that failed (verification mismatches included).
    public var writeFailures = 0
    /// The last failure, e.g. `read holding 0...9 from unit 3: no answer within the response timeout`.
    public var lastError: String?
    /// When the last failure happened (wall-clock nanoseconds).
    public var lastErrorAt: Int64?
    /// When the last fully good poll ended (wall-clock nanoseconds).
    public var lastGoodAt: Int64?
    /// Length of the last outage: from the last good poll before it to the first good poll after it.
    public var lastOutageNanoseconds: Int64?

    /// Creates zeroed counters.
    public init(deviceID: String) { self.deviceID = deviceID }
}

/// Counters of the link itself.
public struct ModbusBusStats: Sendable, Equatable {
    /// Successful opens of the link (the first one included).
    public var connects = 0
    /// Failed attempts to open the link.
    public var connectFailures = 0
    /// Times the link was closed after a failure (a reconnect follows).
    public var disconnects = 0
    /// The last link failure.
    public var lastError: String?

    /// Creates zeroed counters.
    public init() {}
}

/// One poll cycle of one device, handed to the sink on the bus owner thread. `samples` has one
/// sample per point (`samples[i].point == i`), each stamped with the time its response arrived
/// (or the failure was seen) and its quality; failed points carry NaN, never a stale value.
/// The arrays are the owner's reusable buffers: reading them costs nothing, keeping them past
/// the call makes the next cycle copy them.
public struct ModbusCycle: Sendable {
    /// Index of the device in the owner's device list.
    public var device: Int
    /// The device's config id.
    public var deviceID: String
    /// `Sample.source` of the device.
    public var source: UInt16
    /// When the cycle ended (wall-clock nanoseconds).
    public var timestamp: Int64
    /// One sample per point.
    public var samples: [Sample]
    /// Per point: the text of string points (their sample value is NaN); empty when the device
    /// has no string points.
    public var texts: [String?]
    /// The device's state after this cycle.
    public var state: ModbusDeviceState
    /// What went wrong, if anything: the failure that cut the cycle short, else the first exception.
    public var error: ModbusError?
    /// Exception answers in this cycle.
    public var exceptions: Int

    /// Whether every point was read and decoded.
    public var allGood: Bool { samples.allSatisfy { $0.quality == .good } }
}

extension ModbusBusOwner: FrameSourceStatusReporting {
    /// Each device's state, failed polls and last failure, from the owner's last snapshot.
    public func sourceStatuses() -> [FrameSourceStatus] {
        let stats = deviceStats
        return zip(devices, stats).map { device, s in
            FrameSourceStatus(
                source: Int(device.source), state: s.state.name, errors: UInt64(s.failedPolls), lastError: s.lastError,
                lastErrorAt: s.lastErrorAt)
        }
    }
}
