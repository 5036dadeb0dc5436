public import EdgeConfig
public import EdgeCore
import EdgeUplink
public import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One AI endpoint at run time: its bounds (concurrency, budgets, circuit breaker) and the
/// blocking call. `call` runs on the caller's thread, which must be an AI worker thread, never
/// the engine's (docs/safety.md S1).
public final class AIEndpoint: Sendable {
    /// The endpoint's settings.
    public let config: AIEndpointConfig
    private let state: Mutex<State>
    private let clock: any EdgeClock
    private let logger: Logger

    struct State {
        var breaker: CircuitBreaker
        var budget: RequestBudget
        var inFlight = 0
        var counts: [String: UInt64] = [:]
        var lastFailure: String?
    }

    /// Creates the runtime of `config`.
    public init(config: AIEndpointConfig, clock: any EdgeClock, logger: Logger) {
        self.config = config
        self.clock = clock
        self.logger = logger
        state = Mutex(State(
            breaker: CircuitBreaker(
                threshold: config.breakerFailures, pauseNanoseconds: config.breakerBackoffNanoseconds,
                maxPauseNanoseconds: config.breakerMaxBackoffNanoseconds),
            budget: RequestBudget(perMinute: config.requestsPerMinute, perDay: config.requestsPerDay)))
    }

    /// Sends one request unless a local bound refuses it, and reads the answer: `check` turns
    /// the content into the output (JSON parsing is done before; schema checks are the caller's)
    /// and its failure counts against the endpoint like any other.
    public func call(
        system: String, user: String, json: Bool, timeoutNanoseconds: Int64,
        check: (JSONValue) -> Result<JSONValue, AIFailure>
    ) -> Result<JSONValue, AIFailure> {
        if let refusal = admit() { return .failure(refusal) }
        let outcome = send(system: system, user: user, json: json, timeoutNanoseconds: timeoutNanoseconds)
            .flatMap(check)
        finish(outcome)
        return outcome
    }

    /// Takes a slot (concurrency, budget, breaker), or says why not.
    private func admit() -> AIFailure? {
        let now = clock.monotonicNanoseconds()
        let wall = clock.wallNanoseconds()
        let (refusal, transition) = state.withLock { s -> (AIFailure?, CircuitBreaker.Transition?) in
            if s.inFlight >= config.concurrency {
                return (AIFailure(.concurrency, "\(config.concurrency) request(s) already in flight"), nil)
            }
            if let reason = s.budget.refusal(monotonic: now, wall: wall) { return (AIFailure(.budget, reason), nil) }
            let (admission, transition) = s.breaker.admit(now: now)
            if case .refused(let wait) = admission {
                let after = wait > 0 ? "next try in \(max(1, (wait + 999_999_999) / 1_000_000_000)) s" : "a probe is in flight"
                let why = s.breaker.state == .closed ? "held back by Retry-After" : "the circuit is \(s.breaker.state.rawValue)"
                return (AIFailure(.circuitOpen, "\(why); \(after)"), transition)
            }
            s.inFlight += 1
            s.budget.take(monotonic: now, wall: wall)
            return (nil, transition)
        }
        if let transition { log(transition, reason: nil) }
        if let refusal {
            state.withLock { $0.counts[refusal.kind.rawValue, default: 0] += 1 }
        }
        return refusal
    }

    private func finish(_ outcome: Result<JSONValue, AIFailure>) {
        let now = clock.monotonicNanoseconds()
        let transition = state.withLock { s -> CircuitBreaker.Transition? in
            s.inFlight -= 1
            switch outcome {
            case .success:
                s.counts["ok", default: 0] += 1
                return s.breaker.recordSuccess(now: now)
            case .failure(let failure):
                s.counts[failure.kind.rawValue, default: 0] += 1
                s.lastFailure = failure.description
                return s.breaker.recordFailure(now: now, retryAfterNanoseconds: failure.retryAfterNanoseconds)
            }
        }
        if let transition {
            if case .failure(let failure) = outcome { log(transition, reason: failure.description) } else { log(transition, reason: nil) }
        }
    }

    private func log(_ transition: CircuitBreaker.Transition, reason: String?) {
        var metadata: Logger.Metadata = [
            "endpoint": "\(config.name)", "from": "\(transition.from.rawValue)", "to": "\(transition.to.rawValue)",
        ]
        if let reason { metadata["reason"] = "\(reason)" }
        let level: Logger.Level = transition.to == .open ? .warning : .notice
        logger.log(level: level, "ai circuit \(transition.to.rawValue)", metadata: metadata)
    }

    private func send(system: String, user: String, json: Bool, timeoutNanoseconds: Int64) -> Result<JSONValue, AIFailure> {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json"), ("Accept", "application/json")]
        switch readKey() {
        case .success(let key?):
            // OpenAI and most gateways read Authorization; Azure OpenAI reads api-key.
            headers.append(("Authorization", "Bearer \(key)"))
            headers.append(("api-key", key))
        case .success(nil): break
        case .failure(let failure): return .failure(failure)
        }
        let timeout = min(timeoutNanoseconds, config.timeoutNanoseconds)
        let request = HTTPRequest(
            method: "POST", url: config.url, headers: headers,
            body: ChatCompletions.requestBody(model: config.model, system: system, user: user, maxTokens: config.maxTokens, json: json),
            timeoutMilliseconds: Int(max(1, timeout / 1_000_000)), maxResponseBytes: 1 << 20, caFile: config.caFile)
        let response: HTTPResponse
        do {
            response = try HTTPClient().perform(request)
        } catch {
            let kind: AIFailure.Kind
            switch error.kind {
            case .timeout: kind = .timeout
            case .connection: kind = .connection
            default: kind = .other
            }
            return .failure(AIFailure(kind, error.message))
        }
        return ChatCompletions.content(of: response, json: json)
    }

    /// The key, read at each request so a rotated key file takes effect at once.
    private func readKey() -> Result<String?, AIFailure> {
        switch config.key {
        case .none:
            return .success(nil)
        case .environment(let name):
            guard let value = getenv(name) else { return .failure(AIFailure(.key, "the environment variable \(name) is not set")) }
            return .success(String(cString: value))
        case .file(let path):
            do {
                var text = try Files.readText(path, limit: 16384)
                while let last = text.last, last.isWhitespace { text.removeLast() }
                return .success(text)
            } catch {
                return .failure(AIFailure(.key, "cannot read the key file \(path) (errno \(error.errno))"))
            }
        }
    }

    /// The endpoint's state now, for status displays.
    public func snapshot() -> AIEndpointStatus {
        let now = clock.monotonicNanoseconds()
        let wall = clock.wallNanoseconds()
        return state.withLock { s in
            _ = s.budget.refusal(monotonic: now, wall: wall)  // rolls the day over
            let retry = s.breaker.blockedUntil > now ? (s.breaker.blockedUntil - now) / 1_000_000 : 0
            return AIEndpointStatus(
                name: config.name, model: config.model, url: config.url, circuit: s.breaker.state.rawValue,
                consecutiveFailures: s.breaker.consecutiveFailures, retryInMilliseconds: retry, inFlight: s.inFlight,
                concurrency: config.concurrency, requestsLastMinute: s.budget.usedInLastMinute(now: now),
                requestsPerMinute: config.requestsPerMinute, requestsToday: s.budget.usedToday,
                requestsPerDay: config.requestsPerDay, outcomes: s.counts, lastFailure: s.lastFailure)
        }
    }
}
