public import EdgeCore

/// One endpoint's circuit and budget use at one instant (docs/ai.md, "Status"). Holds no
/// secret: the key is never part of the runtime's state.
public struct AIEndpointStatus: Sendable, Equatable {
    /// The endpoint name.
    public var name: String
    /// The model asked for.
    public var model: String
    /// The request URL.
    public var url: String
    /// `closed`, `open` or `half-open`.
    public var circuit: String
    /// Failures since the last success.
    public var consecutiveFailures: Int
    /// How long calls are still held back (open pause or Retry-After), in ms; 0 when not.
    public var retryInMilliseconds: Int64
    /// Requests in flight.
    public var inFlight: Int
    /// The concurrency limit.
    public var concurrency: Int
    /// Requests sent in the last minute.
    public var requestsLastMinute: Int
    /// The per-minute budget.
    public var requestsPerMinute: Int
    /// Requests sent this UTC day.
    public var requestsToday: Int
    /// The per-day budget.
    public var requestsPerDay: Int
    /// Calls by outcome kind (`ok`, `timeout`, `budget`, `circuit-open`, ...).
    public var outcomes: [String: UInt64]
    /// The last failure, if any.
    public var lastFailure: String?

    /// As JSON, for a status endpoint or `--json` output.
    public var json: JSONValue {
        var counts = JSONObject()
        for key in outcomes.keys.sorted() { counts[key] = .number(Double(outcomes[key] ?? 0)) }
        return .object(JSONObject([
            ("name", .string(name)), ("model", .string(model)), ("url", .string(url)), ("circuit", .string(circuit)),
            ("consecutiveFailures", .number(Double(consecutiveFailures))),
            ("retryInMs", .number(Double(retryInMilliseconds))), ("inFlight", .number(Double(inFlight))),
            ("concurrency", .number(Double(concurrency))), ("requestsLastMinute", .number(Double(requestsLastMinute))),
            ("requestsPerMinute", .number(Double(requestsPerMinute))), ("requestsToday", .number(Double(requestsToday))),
            ("requestsPerDay", .number(Double(requestsPerDay))), ("outcomes", .object(counts)),
            ("lastFailure", lastFailure.map(JSONValue.string) ?? .null),
        ]))
    }
}

/// Every endpoint's status at one instant; what `AIEndpoints.snapshot()` returns.
public struct AIStatusSnapshot: Sendable, Equatable {
    /// One entry per configured endpoint, in config order.
    public var endpoints: [AIEndpointStatus]

    /// Creates a snapshot.
    public init(endpoints: [AIEndpointStatus]) { self.endpoints = endpoints }

    /// `{"endpoints": [...]}`.
    public var json: JSONValue { ["endpoints": .array(endpoints.map(\.json))] }
}
