import EdgeCore
import Logging
import Synchronization

/// Channels, actions and outputs (docs/flow-language.md §3). Work is iterative: handlers that complete
/// inside `start` leave their result in `ready`, asynchronous ones in the inbox, and `pump`
/// applies both until nothing is left, so a chain of hops never deepens the stack.
extension FlowEngine {
    /// Fans `message` out to the enabled actions of `channel` whose condition is `true`.
    func deliver(_ message: FlowMessage, to channel: Int) {
        let actions = flows.channels[channel].actions
        guard !actions.isEmpty else { return }
        let environment = self.environment(for: message)
        for action in actions {
            let counters = self.counters.actions[action]
            counters.evaluated.bump()
            switch flows.actions[action].condition.outcome(environment) {
            case .satisfied: enqueue(action, message)
            case .unsatisfied: counters.skipped.bump()
            case .notBoolean(let value): conditionError(action: action, value: value, hop: message.hops)
            }
        }
    }

    /// Starts the action now if it is idle, else queues the message behind the running one;
    /// a full queue drops it and counts the drop.
    func enqueue(_ action: Int, _ message: FlowMessage) {
        let state = actionStates[action]
        if state.inFlight == nil && state.queue.isEmpty {
            start(action, message)
            return
        }
        if state.queue.push(message) { return }
        let counters = self.counters.actions[action]
        counters.dropped.bump()
        let plan = flows.actions[action]
        if Self.worthLogging(counters.dropped.value) {
            logger.warning(
                "flow action queue full; invocation dropped",
                metadata: [
                    "appId": "\(plan.appId)", "actionId": "\(plan.actionId)", "dropped": "\(counters.dropped.value)",
                ])
        }
        trace(action, hop: message.hops, output: nil, .dropped)
    }

    /// Renders the config and hands the invocation to the handler. A handler that completes
    /// inside `start` leaves the action idle at once, so a burst of messages for a synchronous
    /// action never fills its queue.
    func start(_ action: Int, _ message: FlowMessage) {
        let plan = flows.actions[action]
        let state = actionStates[action]
        state.token &+= 1
        let token = state.token
        state.inFlight = message
        counters.actions[action].ran.bump()
        let config = plan.config.render(environment(for: message))
        let invocation = ActionInvocation(
            appId: plan.appId, actionId: plan.actionId, type: plan.type, config: config,
            payload: message.payload, context: message.context, event: message.event)
        let slot = FlowCompletionSlot()
        let inbox = self.inbox
        let wake = self.wake
        let counters = self.counters
        plan.handler.start(invocation) { result in
            switch slot.complete(result) {
            case .keptForStart: break
            case .post:
                inbox.post(FlowCompletion(action: action, token: token, result: result))
                wake()
            case .duplicate: counters.staleCompletions.increment()
            }
        }
        if let result = slot.finishStarting() {
            state.inFlight = nil
            ready.append(FlowReadyCompletion(action: action, message: message, result: result))
        }
    }

    /// Starts queued invocations while the action is idle (several when they complete at once).
    func drainQueue(_ action: Int) {
        let state = actionStates[action]
        while state.inFlight == nil, let next = state.queue.pop() { start(action, next) }
    }

    /// Applies completions until none are left.
    func pump() {
        while true {
            if readyHead < ready.count {
                let completion = ready[readyHead]
                readyHead += 1
                if readyHead == ready.count {
                    ready.removeAll(keepingCapacity: true)
                    readyHead = 0
                }
                apply(completion.result, action: completion.action, message: completion.message)
                continue
            }
            let posted = inbox.take()
            if posted.isEmpty { return }
            for completion in posted {
                guard completion.action >= 0, completion.action < actionStates.count else {
                    counters.staleCompletions.increment()
                    continue
                }
                let state = actionStates[completion.action]
                guard let message = state.inFlight, state.token == completion.token else {
                    counters.staleCompletions.increment()
                    continue
                }
                state.inFlight = nil
                apply(completion.result, action: completion.action, message: message)
                drainQueue(completion.action)
            }
        }
    }
}

/// A result of a handler that completed inside `start`, with the message it ran on.
struct FlowReadyCompletion {
    var action: Int
    var message: FlowMessage
    var result: ActionResult
}

/// The hand-over point between a handler's `complete` and the engine's `start`: a result that
/// arrives while `start` is still running is picked up by `start` itself; one that arrives
/// later goes through the inbox; a second call is refused.
final class FlowCompletionSlot: Sendable {
    enum Decision { case keptForStart, post, duplicate }
    private enum State { case starting, completedDuringStart(ActionResult), detached, finished }
    private let state = Mutex<State>(.starting)

    func complete(_ result: ActionResult) -> Decision {
        state.withLock { state in
            switch state {
            case .starting:
                state = .completedDuringStart(result)
                return .keptForStart
            case .detached:
                state = .finished
                return .post
            case .completedDuringStart, .finished:
                return .duplicate
            }
        }
    }

    /// The result if the handler completed during `start`; otherwise later calls will post.
    func finishStarting() -> ActionResult? {
        state.withLock { state in
            if case .completedDuringStart(let result) = state {
                state = .finished
                return result
            }
            state = .detached
            return nil
        }
    }
}
