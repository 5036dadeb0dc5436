/// The circuit breaker of one AI endpoint (docs/safety.md S3): it opens after `threshold`
/// consecutive failures of any kind, refuses calls while open, lets one probe through after a
/// pause (half-open), closes on the probe's success, and reopens with a doubled pause on its
/// failure. A `Retry-After` from the endpoint also holds calls back until it has passed. Plain
/// value driven with explicit monotonic times, so tests step it with a manual clock.
public struct CircuitBreaker: Sendable, Equatable {
    /// The breaker's states.
    public enum State: String, Sendable {
        /// Calls go through.
        case closed
        /// Calls are refused until the pause is over.
        case open
        /// One probe is on its way; other calls are refused.
        case halfOpen = "half-open"
    }

    /// What a call may do.
    public enum Admission: Sendable, Equatable {
        /// Go ahead.
        case allowed
        /// Go ahead as the half-open probe.
        case probe
        /// Refused; calls may pass again after this many nanoseconds (0: when the probe returns).
        case refused(retryInNanoseconds: Int64)
    }

    /// A change of state, for the log.
    public struct Transition: Sendable, Equatable {
        /// Before.
        public var from: State
        /// After.
        public var to: State

        /// Creates a transition.
        public init(from: State, to: State) {
            self.from = from
            self.to = to
        }
    }

    /// The current state.
    public private(set) var state: State = .closed
    /// Failures since the last success.
    public private(set) var consecutiveFailures = 0
    /// Until when (monotonic ns) calls are held back: the open pause or a `Retry-After`.
    public private(set) var blockedUntil: Int64 = .min
    /// The pause after the next failed probe.
    public private(set) var pause: Int64
    let threshold: Int
    let basePause: Int64
    let maxPause: Int64

    /// A closed breaker that opens after `threshold` consecutive failures and first probes
    /// `pauseNanoseconds` later, doubling up to `maxPauseNanoseconds`.
    public init(threshold: Int, pauseNanoseconds: Int64, maxPauseNanoseconds: Int64) {
        self.threshold = max(1, threshold)
        basePause = max(1, pauseNanoseconds)
        maxPause = max(basePause, maxPauseNanoseconds)
        pause = basePause
    }

    /// Asks to make a call at `now`; a `.probe` must be followed by `record...`.
    public mutating func admit(now: Int64) -> (Admission, Transition?) {
        if now < blockedUntil, state != .halfOpen { return (.refused(retryInNanoseconds: blockedUntil - now), nil) }
        switch state {
        case .closed:
            return (.allowed, nil)
        case .open:
            state = .halfOpen
            return (.probe, Transition(from: .open, to: .halfOpen))
        case .halfOpen:
            return (.refused(retryInNanoseconds: 0), nil)
        }
    }

    /// The call answered usefully.
    public mutating func recordSuccess(now: Int64) -> Transition? {
        consecutiveFailures = 0
        pause = basePause
        guard state != .closed else { return nil }
        let from = state
        state = .closed
        return Transition(from: from, to: .closed)
    }

    /// The call failed; `retryAfter` (from a 429 or 503) holds calls back at least that long.
    public mutating func recordFailure(now: Int64, retryAfterNanoseconds retryAfter: Int64? = nil) -> Transition? {
        consecutiveFailures += 1
        if let retryAfter { blockedUntil = max(blockedUntil, now + retryAfter) }
        switch state {
        case .closed:
            guard consecutiveFailures >= threshold else { return nil }
            state = .open
            blockedUntil = max(blockedUntil, now + pause)
            return Transition(from: .closed, to: .open)
        case .halfOpen:
            pause = min(pause * 2, maxPause)
            state = .open
            blockedUntil = max(blockedUntil, now + pause)
            return Transition(from: .halfOpen, to: .open)
        case .open:
            return nil
        }
    }

    /// A probe that was admitted but never sent (refused locally afterwards) gives its turn back.
    public mutating func cancelProbe() {
        if state == .halfOpen { state = .open }
    }
}
