public import EdgeCore

/// How a device that stops answering is retried: exponential backoff with jitter, then parking.
/// A failing device is skipped between attempts, so it never holds the bus for the others.
public struct ModbusRetryPolicy: Sendable, Hashable {
    /// Delay before the first retry after a failed poll.
    public var initialBackoff: Duration
    /// Upper bound of the delay.
    public var maxBackoff: Duration
    /// Growth factor per consecutive failure (>= 1).
    public var multiplier: Double
    /// Random spread of each delay, as a fraction (0.2 = ±20 %), so devices that failed together
    /// do not retry in lockstep.
    public var jitter: Double
    /// After this many consecutive failures the device is parked; 0 never parks.
    public var parkAfterFailures: Int
    /// How often a parked device is probed.
    public var parkedProbeInterval: Duration

    /// Creates a policy; the defaults suit a field bus: 0.5 s doubling to 30 s, ±20 %, parked
    /// after 10 failures and probed every 60 s.
    public init(
        initialBackoff: Duration = .milliseconds(500),
        maxBackoff: Duration = .seconds(30),
        multiplier: Double = 2,
        jitter: Double = 0.2,
        parkAfterFailures: Int = 10,
        parkedProbeInterval: Duration = .seconds(60)
    ) {
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.multiplier = multiplier
        self.jitter = jitter
        self.parkAfterFailures = parkAfterFailures
        self.parkedProbeInterval = parkedProbeInterval
    }
}

/// How points are merged into read requests.
public struct ModbusPlanOptions: Sendable, Hashable {
    /// Unused registers a request may span to join two points (reading them is cheaper than a
    /// second round trip). 0 merges only adjacent points.
    public var maxRegisterGap: Int
    /// Unused bits a request may span to join two bit points.
    public var maxBitGap: Int
    /// Largest register request (the protocol allows 125; some devices accept fewer).
    public var maxRegistersPerRequest: Int
    /// Largest bit request (the protocol allows 2000).
    public var maxBitsPerRequest: Int

    /// Creates options; by default gaps up to 16 registers or 64 bits are read through.
    public init(
        maxRegisterGap: Int = 16, maxBitGap: Int = 64, maxRegistersPerRequest: Int = 125, maxBitsPerRequest: Int = 2000
    ) {
        self.maxRegisterGap = maxRegisterGap
        self.maxBitGap = maxBitGap
        self.maxRegistersPerRequest = maxRegistersPerRequest
        self.maxBitsPerRequest = maxBitsPerRequest
    }
}

/// One device (unit) on a bus and the points it is polled for.
public struct ModbusDeviceConfig: Sendable, Hashable {
    /// The name flows and uplink use for the device (unique in the config).
    public var id: String
    /// Index of this device among all sample sources of the compiled config (`Sample.source`).
    public var source: UInt16
    /// The unit id the device answers to.
    public var unit: ModbusUnitID
    /// How long to wait for an answer to one request.
    public var responseTimeout: Duration
    /// Time between the starts of two polls.
    public var pollInterval: Duration
    /// What happens when the device stops answering.
    public var retry: ModbusRetryPolicy
    /// How the points are merged into requests.
    public var planning: ModbusPlanOptions
    /// The values polled; `Sample.point` is the index in this array.
    public var points: [ModbusPoint]

    /// Creates a device.
    public init(
        id: String,
        source: UInt16 = 0,
        unit: ModbusUnitID,
        responseTimeout: Duration = .seconds(1),
        pollInterval: Duration = .seconds(1),
        retry: ModbusRetryPolicy = ModbusRetryPolicy(),
        planning: ModbusPlanOptions = ModbusPlanOptions(),
        points: [ModbusPoint]
    ) {
        self.id = id
        self.source = source
        self.unit = unit
        self.responseTimeout = responseTimeout
        self.pollInterval = pollInterval
        self.retry = retry
        self.planning = planning
        self.points = points
    }

    /// Problems with the device and its points on the given kind of bus. Paths are relative to
    /// the device (`unit`, `retry.multiplier`, `points[2].order`).
    public func validate(transport: ModbusTransportConfig) -> [Diagnostic] {
        var out: [Diagnostic] = []
        func error(_ field: String, _ message: String, hint: String? = nil) {
            out.append(Diagnostic(.error, at: nil, path: field, message, hint: hint))
        }
        if id.trimmingSpaces.isEmpty { error("id", "device id is empty") }
        if transport.isSerial && !ModbusUnitID.serialRange.contains(unit.rawValue) {
            error(
                "unit", "unit \(unit) is not a slave address on a serial line (1...247)",
                hint: unit == .broadcast ? "unit 0 is broadcast: no slave answers it" : nil)
        }
        if responseTimeout <= .zero || responseTimeout > .seconds(60) {
            error("response_timeout", "response timeout must be more than 0 and at most 60 s")
        }
        if pollInterval <= .zero { error("poll_interval", "poll interval must be more than 0") }
        validateRetry(error)
        validatePlanning(error)
        if points.isEmpty {
            out.append(Diagnostic(.warning, at: nil, path: "points", "device has no points; it will not be polled"))
        }
        var seen: [String: Int] = [:]
        for (index, point) in points.enumerated() {
            for problem in point.validate() {
                var prefixed = problem
                prefixed.path = "points[\(index)]." + problem.path
                out.append(prefixed)
            }
            if point.width > planning.maxRegistersPerRequest && !point.space.isBits {
                error(
                    "points[\(index)].type",
                    "\(point.type) needs \(point.width) registers, more than max_registers_per_request "
                        + "(\(planning.maxRegistersPerRequest))")
            }
            if let first = seen[point.name] {
                error("points[\(index)].name", "point name '\(point.name)' is already used by points[\(first)]")
            } else {
                seen[point.name] = index
            }
        }
        out += overlaps()
        return out
    }

    /// A warning per point whose registers (or bits) overlap an earlier point's in the same
    /// space: a float32 at 1-2 and a uint16 at 2 decode the same bits two ways, which is almost
    /// always a wrong address copied from a register map, and sometimes meant.
    func overlaps() -> [Diagnostic] {
        var out: [Diagnostic] = []
        let spans = points.enumerated().map { index, point in
            (
                index: index, space: point.space, first: Int(point.address.rawValue),
                end: Int(point.address.rawValue) + point.width
            )
        }
        for space in ModbusSpace.allCases {
            let inSpace = spans.filter { $0.space == space }.sorted { ($0.first, $0.index) < ($1.first, $1.index) }
            var widest: (index: Int, first: Int, end: Int)?
            for span in inSpace {
                if let earlier = widest, span.first < earlier.end {
                    let (a, b) = (points[earlier.index], points[span.index])
                    out.append(
                        Diagnostic(
                            .warning, at: nil, path: "points[\(max(span.index, earlier.index))].address",
                            "points '\(a.name)' (\(space) \(range(earlier.first, earlier.end))) and '\(b.name)' "
                                + "(\(space) \(range(span.first, span.end))) overlap",
                            hint: "check both addresses against the device's register map; if both views are meant, "
                                + "this warning can stay"))
                }
                if span.end > (widest?.end ?? Int.min) { widest = (span.index, span.first, span.end) }
            }
        }
        return out
    }

    private func range(_ first: Int, _ end: Int) -> String {
        end - first == 1 ? "\(first)" : "\(first)-\(end - 1)"
    }

    private func validateRetry(_ error: (String, String, String?) -> Void) {
        if retry.initialBackoff <= .zero { error("retry.initial_backoff", "initial backoff must be more than 0", nil) }
        if retry.maxBackoff < retry.initialBackoff {
            error("retry.max_backoff", "max backoff must be at least the initial backoff", nil)
        }
        if !(retry.multiplier.isFinite && retry.multiplier >= 1) {
            error("retry.multiplier", "backoff multiplier must be a number >= 1 (got \(retry.multiplier))", nil)
        }
        if !(retry.jitter >= 0 && retry.jitter <= 1) {
            error("retry.jitter", "jitter must be a fraction 0...1 (got \(retry.jitter))", nil)
        }
        if retry.parkAfterFailures < 0 {
            error("retry.park_after", "park_after must be >= 0 (0 never parks)", nil)
        }
        if retry.parkedProbeInterval <= .zero {
            error("retry.parked_probe_interval", "parked probe interval must be more than 0", nil)
        }
    }

    private func validatePlanning(_ error: (String, String, String?) -> Void) {
        if planning.maxRegisterGap < 0 { error("max_register_gap", "max register gap must be >= 0", nil) }
        if planning.maxBitGap < 0 { error("max_bit_gap", "max bit gap must be >= 0", nil) }
        if !(1...125).contains(planning.maxRegistersPerRequest) {
            error("max_registers_per_request", "max registers per request must be 1...125 (protocol limit)", nil)
        }
        if !(1...2000).contains(planning.maxBitsPerRequest) {
            error("max_bits_per_request", "max bits per request must be 1...2000 (protocol limit)", nil)
        }
    }
}
