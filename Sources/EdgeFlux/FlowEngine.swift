public import EdgeCore
public import Logging
import Synchronization

/// Runs compiled apps (docs/flow-language.md §3): event sources start runs, channels fan messages out
/// to their actions, results are republished with transform, `splitArray`, delay, the size cap
/// and the hop cap.
///
/// Threading: an engine is owned by ONE thread, the ring consumer, and every method must be
/// called from it. Nothing inside takes a lock on the reading path. Asynchronous handlers
/// complete from their own threads into a locked inbox; the engine calls `wake` when something
/// arrives there, and the owner then calls `processCompletions()`. The owner's loop is:
/// drain the ring into `handleReading`, call `advance(nowMonotonic:)`, and sleep until the
/// deadline it returns, a new sample, or `wake`.
///
/// Callbacks (`onTrace`, handlers' `start`) must not call back into the engine.
public final class FlowEngine {
    /// The apps this engine runs.
    public let flows: CompiledFlows
    /// Counters, readable from any thread.
    public let counters: FlowCounters
    /// Called for every action run, failure, condition error, drop and republish; for
    /// `edgeflow flow test` and the live view. Runs on the engine's thread.
    public var onTrace: ((FlowTrace) -> Void)?

    let clock: any EdgeClock
    let logger: Logger
    let inbox = FlowInbox()
    /// Where other threads leave messages for the engine (`FlowPostBox.post`); they are entered
    /// by `processCompletions`. Hand this, not the engine, to other threads.
    public let postBox: FlowPostBox
    let wake: @Sendable () -> Void
    let actionStates: [FlowActionState]
    /// Device event sources by sample source index.
    let devicesBySource: [[FlowDeviceState]]
    /// The same states without reference counting, for the reading path (a retain and release
    /// per state per reading cost as much as a small condition). `devicesBySource` keeps them
    /// alive for the engine's lifetime.
    let deviceRefs: [[Unmanaged<FlowDeviceState>]]
    var intervals: [FlowIntervalState] = []
    var crons: [FlowCronState] = []
    var delays = FlowDelayHeap<FlowDelayedMessage>()
    /// Completions of handlers that completed inside `start`, applied in order by `pump`.
    var ready: [FlowReadyCompletion] = []
    var readyHead = 0

    /// Creates an engine for `flows`. `clock` drives `now()`, intervals (monotonic time) and
    /// cron (wall time); `logger` receives condition errors, failures and hop-cap stops; `wake`
    /// is called (from any thread) when an asynchronous handler posted a completion.
    public init(
        flows: CompiledFlows, clock: any EdgeClock, logger: Logger, wake: @escaping @Sendable () -> Void = {}
    ) {
        self.flows = flows
        self.clock = clock
        self.logger = logger
        self.wake = wake
        postBox = FlowPostBox(wake: wake)
        counters = FlowCounters(
            actions: flows.actions.map { FlowActionCounters(appId: $0.appId, actionId: $0.actionId, type: $0.type) })
        actionStates = flows.actions.map { _ in FlowActionState(capacity: flows.options.actionQueueCapacity) }
        var devicesBySource: [[FlowDeviceState]] = Array(repeating: [], count: flows.sources.count)
        let nowMonotonic = clock.monotonicNanoseconds()
        let nowWallMilliseconds = clock.wallNanoseconds() / 1_000_000
        for (index, source) in flows.eventSources.enumerated() {
            switch source.kind {
            case .device(let sourceIndex, let report):
                let info = flows.sources[sourceIndex]
                devicesBySource[sourceIndex].append(FlowDeviceState(
                    eventSource: index, plan: source, table: flows.tables[sourceIndex], report: report,
                    context: Self.deviceContext(info, milliseconds: nowWallMilliseconds), counters: counters.actions, clock: clock))
            case .interval(let every):
                intervals.append(FlowIntervalState(source: index, every: every, next: nowMonotonic + every))
            case .cron(let schedule):
                crons.append(FlowCronState(
                    source: index, schedule: schedule, next: schedule.next(afterUnixMilliseconds: nowWallMilliseconds)))
            case .webhook, .manual:
                break
            }
        }
        self.devicesBySource = devicesBySource
        deviceRefs = devicesBySource.map { $0.map { Unmanaged.passUnretained($0) } }
    }

    /// A snapshot of the counters (same as `counters.snapshot()`).
    public var stats: FlowStats { counters.snapshot() }

    /// Whether an invocation is running or queued, or a message is waiting on the delay heap:
    /// `flow test --live` keeps calling `processCompletions()` / `advance` until this clears.
    public var hasPendingWork: Bool {
        delays.count > 0 || readyHead < ready.count
            || actionStates.contains { $0.inFlight != nil || !$0.queue.isEmpty }
    }

    /// Applies results posted by asynchronous handlers and routes their output, and enters the
    /// messages given to `post`. Call it from the owner thread after `wake`.
    public func processCompletions() {
        for message in postBox.take() {
            do throws(FlowInjectError) {
                try inject(target: message.target, payload: message.payload)
            } catch {
                logger.error("a posted message has no target", metadata: ["target": "\(message.target)", "error": "\(error)"])
            }
        }
        pump()
    }


    /// Starts a run by hand (`edgeflow flow inject`, `flow test`): `target` is an event source
    /// id or a channel id, optionally as `appId/id`. Event sources come first: each matching one
    /// fires with `payload` and the context of its kind (bypassing device report policies); else
    /// the payload enters each matching channel with context `{"eventType": "manual"}`.
    public func inject(target: String, payload: JSONValue) throws(FlowInjectError) {
        var app: String?
        var id = target
        if let slash = target.firstIndex(of: "/"), flows.appIds.contains(String(target[..<slash])) {
            app = String(target[..<slash])
            id = String(target[target.index(after: slash)...])
        }
        let wallMilliseconds = clock.wallNanoseconds() / 1_000_000
        let sources = flows.eventSources.indices.filter {
            flows.eventSources[$0].id == id && (app == nil || flows.eventSources[$0].appId == app)
        }
        if !sources.isEmpty {
            for index in sources {
                let context = injectedContext(of: flows.eventSources[index], milliseconds: wallMilliseconds)
                fire(eventSource: index, payload: payload, context: context)
            }
            pump()
            return
        }
        let channels = flows.channels.indices.filter {
            flows.channels[$0].id == id && (app == nil || flows.appIds[flows.channels[$0].app] == app)
        }
        guard !channels.isEmpty else {
            let names = flows.eventSources.map(\.id) + flows.channels.map(\.id)
            throw FlowInjectError(
                message: "no event source or channel named '\(target)'",
                hint: FlowNames.hint(for: id, among: names, kind: "event source or channel"))
        }
        let context: JSONValue = ["eventType": "manual", "timestamp": .number(Double(wallMilliseconds))]
        for channel in channels {
            deliver(FlowMessage(trigger: payload, context: context), to: channel)
        }
        pump()
    }

    /// Delivers a request to the `webhook` event sources listening on `path`; returns how many
    /// fired (0 lets the listener answer 404). Payload is `body`; context is
    /// `{"eventType": "webhook", "request": {"httpMethod", "httpPath", "httpHeaders"}}`.
    @discardableResult
    public func deliverWebhook(
        path: String, method: String, headers: [(name: String, value: String)], body: JSONValue
    ) -> Int {
        var fired = 0
        for (index, source) in flows.eventSources.enumerated() {
            guard case .webhook(let listenPath) = source.kind, listenPath == path else { continue }
            let headerObject = JSONObject(headers.map { (key: $0.name, value: JSONValue.string($0.value)) })
            let request: JSONValue = [
                "httpMethod": .string(method), "httpPath": .string(path), "httpHeaders": .object(headerObject),
            ]
            fire(eventSource: index, payload: body, context: ["eventType": "webhook", "request": request])
            fired += 1
        }
        pump()
        return fired
    }

    /// Starts a run from an event source.
    func fire(eventSource index: Int, payload: JSONValue, context: JSONValue) {
        deliver(FlowMessage(trigger: payload, context: context), to: flows.eventSources[index].channel)
    }

    /// The context of a device event (docs/flow-language.md §2).
    static func deviceContext(_ source: FlowSourceInfo, milliseconds: Int64) -> JSONValue {
        let resource: JSONValue = ["resourceId": .string(source.id), "resourceType": .string(source.resourceType)]
        return ["eventType": "device", "resource": resource, "timestamp": .number(Double(milliseconds))]
    }

    /// The context of a scheduled event.
    static func scheduleContext(_ id: String, milliseconds: Int64) -> JSONValue {
        ["eventType": "schedule", "scheduleId": .string(id), "timestamp": .number(Double(milliseconds))]
    }

    private func injectedContext(of source: EventSourcePlan, milliseconds: Int64) -> JSONValue {
        switch source.kind {
        case .device(let index, _): return Self.deviceContext(flows.sources[index], milliseconds: milliseconds)
        case .interval, .cron: return Self.scheduleContext(source.id, milliseconds: milliseconds)
        case .webhook(let path):
            let request: JSONValue = ["httpMethod": "POST", "httpPath": .string(path), "httpHeaders": [:]]
            return ["eventType": "webhook", "request": request]
        case .manual: return ["eventType": "manual", "timestamp": .number(Double(milliseconds))]
        }
    }
}

/// Why `FlowEngine.inject` could not start a run.
public struct FlowInjectError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// What exists, or the likely name.
    public var hint: String?

    /// Creates an error.
    public init(message: String, hint: String?) {
        self.message = message
        self.hint = hint
    }

    /// The message and hint on one line.
    public var description: String { hint.map { "\(message) (\($0))" } ?? message }
}

/// A message travelling through channels (docs/flow-language.md §2).
struct FlowMessage {
    var payload: JSONValue
    var context: JSONValue
    var event: FlowEvent
    /// Republishes so far in this run.
    var hops: Int

    /// The first message of a run: it is its own trigger.
    init(trigger payload: JSONValue, context: JSONValue) {
        self.payload = payload
        self.context = context
        event = FlowEvent(payload: payload, context: context)
        hops = 0
    }

    init(payload: JSONValue, context: JSONValue, event: FlowEvent, hops: Int) {
        self.payload = payload
        self.context = context
        self.event = event
        self.hops = hops
    }
}

/// A handler's result for one invocation.
struct FlowCompletion: Sendable {
    var action: Int
    var token: UInt64
    var result: ActionResult
}

/// Messages for the engine from other threads: `post` enters `payload` into the channel (or
/// event source) `target`, like `FlowEngine.inject`, when the engine's thread next calls
/// `processCompletions` (woken at once). For results decided outside a run, such as an `ai`
/// output a person approved.
public final class FlowPostBox: Sendable {
    private let items = Mutex<[(target: String, payload: JSONValue)]>([])
    private let wake: @Sendable () -> Void

    init(wake: @escaping @Sendable () -> Void) {
        self.wake = wake
    }

    /// Queues the message and wakes the engine's thread.
    public func post(target: String, payload: JSONValue) {
        items.withLock { $0.append((target, payload)) }
        wake()
    }

    func take() -> [(target: String, payload: JSONValue)] {
        items.withLock { list in
            defer { list = [] }
            return list
        }
    }
}

/// Where asynchronous handlers leave results for the engine's thread.
final class FlowInbox: Sendable {
    private let items = Mutex<[FlowCompletion]>([])

    func post(_ completion: FlowCompletion) {
        items.withLock { $0.append(completion) }
    }

    func take() -> [FlowCompletion] {
        items.withLock { items in
            guard !items.isEmpty else { return [] }
            defer { items = [] }
            return items
        }
    }
}

/// The run state of one action: what it is running and what waits behind it.
final class FlowActionState {
    var queue: FlowBoundedQueue<FlowMessage>
    var inFlight: FlowMessage?
    var token: UInt64 = 0

    init(capacity: Int) {
        queue = FlowBoundedQueue(capacity: capacity)
    }
}

/// A message waiting on the delay heap.
struct FlowDelayedMessage {
    var channel: Int
    var message: FlowMessage
}

/// An interval source's next due time (monotonic).
struct FlowIntervalState {
    var source: Int
    var every: Int64
    var next: Int64
}

/// A cron source's next due time (wall clock, unix ms); nil when the schedule never fires again.
struct FlowCronState {
    var source: Int
    var schedule: CronSchedule
    var next: Int64?
}
