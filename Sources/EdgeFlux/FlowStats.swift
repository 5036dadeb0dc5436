public import EdgeCore
import Synchronization

/// A count written only by the engine's thread and readable from any thread. A relaxed load
/// and store replace the locked read-modify-write of a shared counter, which matters on the
/// reading path where two counters move per action per reading.
public final class FlowCounter: Sendable {
    private let storage = Atomic<UInt64>(0)

    init() {}

    /// The current count.
    public var value: UInt64 { storage.load(ordering: .relaxed) }

    /// Adds one; engine thread only.
    @inline(__always)
    func bump() {
        storage.store(storage.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
    }
}

/// The counters of one action. Bumped by the engine's thread, readable from any thread (the
/// status socket, metrics): relaxed atomics, no lock except for the rare last-error text.
public final class FlowActionCounters: Sendable {
    /// The app the action belongs to.
    public let appId: String
    /// The action id.
    public let actionId: String
    /// The action type.
    public let type: String
    /// Conditions evaluated (each message entering the channel while the action is enabled).
    public let evaluated = FlowCounter()
    /// Invocations started.
    public let ran = FlowCounter()
    /// Runs that failed (handler failure, bad transform, refused oversize output).
    public let failed = FlowCounter()
    /// Messages whose condition was `false`.
    public let skipped = FlowCounter()
    /// Messages whose condition was not a boolean (an evaluation error; the action did not run).
    public let conditionErrors = FlowCounter()
    /// Invocations dropped because the action's queue was full (backpressure).
    public let dropped = FlowCounter()
    private let lastErrorText = Mutex<String?>(nil)

    init(appId: String, actionId: String, type: String) {
        self.appId = appId
        self.actionId = actionId
        self.type = type
    }

    /// The most recent failure or condition error, as text.
    public var lastError: String? { lastErrorText.withLock { $0 } }

    func record(error: String) { lastErrorText.withLock { $0 = error } }
}

/// Every counter of a running engine. Shareable across threads: hand it to whatever reports
/// status while the engine's owner thread keeps running the flows.
public final class FlowCounters: Sendable {
    /// Per action, in compile order.
    public let actions: [FlowActionCounters]
    /// Republishes refused because the run reached the hop cap.
    public let hopCapStops = FlowCounter()
    /// Republished messages refused for being larger than the size cap.
    public let oversizeRefusals = FlowCounter()
    /// Conditions that gave a non-boolean value, over all actions.
    public let conditionErrors = FlowCounter()
    /// Device readings a report policy held back (no change, inside the deadband).
    public let readingsSuppressed = FlowCounter()
    /// Readings for a source index no app uses or that is out of range.
    public let readingsIgnored = FlowCounter()
    /// Messages put on the delay heap.
    public let delayedScheduled = FlowCounter()
    /// Delayed messages delivered.
    public let delayedDelivered = FlowCounter()
    /// Completions reported twice, or for an invocation that is no longer running.
    public let staleCompletions = EventCounter()

    init(actions: [FlowActionCounters]) {
        self.actions = actions
    }

    /// A consistent-enough copy of every counter (each read is atomic; the set is not).
    public func snapshot() -> FlowStats {
        FlowStats(
            actions: actions.map {
                FlowActionStats(
                    appId: $0.appId, actionId: $0.actionId, type: $0.type, evaluated: $0.evaluated.value,
                    ran: $0.ran.value, failed: $0.failed.value, skipped: $0.skipped.value,
                    conditionErrors: $0.conditionErrors.value, dropped: $0.dropped.value, lastError: $0.lastError)
            },
            hopCapStops: hopCapStops.value, oversizeRefusals: oversizeRefusals.value,
            conditionErrors: conditionErrors.value, readingsSuppressed: readingsSuppressed.value,
            readingsIgnored: readingsIgnored.value, delayedPending: delayedScheduled.value &- delayedDelivered.value,
            staleCompletions: staleCompletions.value)
    }
}

/// A snapshot of one action's counters.
public struct FlowActionStats: Sendable, Equatable {
    /// The app the action belongs to.
    public var appId: String
    /// The action id.
    public var actionId: String
    /// The action type.
    public var type: String
    /// Conditions evaluated.
    public var evaluated: UInt64
    /// Invocations started.
    public var ran: UInt64
    /// Runs that failed.
    public var failed: UInt64
    /// Conditions that were `false`.
    public var skipped: UInt64
    /// Conditions that were not booleans.
    public var conditionErrors: UInt64
    /// Invocations dropped by backpressure.
    public var dropped: UInt64
    /// The most recent failure or condition error.
    public var lastError: String?
}

/// A snapshot of an engine's counters.
public struct FlowStats: Sendable, Equatable {
    /// Per action, in compile order.
    public var actions: [FlowActionStats]
    /// Runs stopped at the hop cap.
    public var hopCapStops: UInt64
    /// Republished messages refused for size.
    public var oversizeRefusals: UInt64
    /// Conditions that were not booleans, over all actions.
    public var conditionErrors: UInt64
    /// Readings a report policy held back.
    public var readingsSuppressed: UInt64
    /// Readings for sources no app uses.
    public var readingsIgnored: UInt64
    /// Messages waiting on the delay heap.
    public var delayedPending: UInt64
    /// Duplicate or late completions ignored.
    public var staleCompletions: UInt64

/// The counters of one action.
    public func action(_ actionId: String, app appId: String? = nil) -> FlowActionStats? {
        actions.first { $0.actionId == actionId && (appId == nil || $0.appId == appId) }
    }
}

/// What happened at one step of a run, for `edgeflow flow test` traces and the live view.
public struct FlowTrace: Sendable, Equatable {
    /// The kinds of step.
    public enum Outcome: Sendable, Equatable {
        /// The action ran and succeeded with this result (nil: no result).
        case ran(result: JSONValue?)
        /// The action ran and failed.
        case failed(FlowActionFailure)
        /// A message was put on the output (or error) channel, after `delaySeconds`.
        case republished(payload: JSONValue, delaySeconds: Int)
        /// A republish was refused (hop cap, size cap).
        case refused(reason: String)
        /// The invocation was dropped: the action's queue was full.
        case dropped
        /// The condition gave a value that is not a boolean; the action did not run.
        case conditionError(value: JSONValue)
    }

    /// The hop of the message the action received (0 = straight from the event source).
    public var hop: Int
    /// The app.
    public var appId: String
    /// The action.
    public var actionId: String
    /// The channel the action is attached to.
    public var inputChannelId: String
    /// Where a message went, for `republished` and `refused`.
    public var outputChannelId: String?
    /// What happened.
    public var outcome: Outcome

    /// Creates a trace entry.
    public init(
        hop: Int, appId: String, actionId: String, inputChannelId: String, outputChannelId: String?,
        outcome: Outcome
    ) {
        self.hop = hop
        self.appId = appId
        self.actionId = actionId
        self.inputChannelId = inputChannelId
        self.outputChannelId = outputChannelId
        self.outcome = outcome
    }
}
