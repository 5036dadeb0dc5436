import EdgeCore
import EdgeFlux
import Testing

/// Time-driven flows on a manual clock: delays, intervals, and asynchronous handlers.
@Suite struct FlowSchedulingTests {
    static let second: Int64 = 1_000_000_000

    @Test func delayedMessagesArriveByDueTimeThenScheduleOrder() throws {
        let app = try #require(loadApp(
            #"""
            {"appId": "delays", "channels": [{"channelId": "in"}, {"channelId": "out"}],
             "eventSources": [{"id": "m", "type": "manual", "channelId": "in"}],
             "actions": [
               {"actionId": "slow", "channelId": "in", "type": "republish",
                "output": {"enabled": true, "channelId": "out", "delaySeconds": 5,
                           "transform": {"content": "{\"from\": \"slow\", \"n\": ${payload.n}}"}}},
               {"actionId": "fast", "channelId": "in", "type": "republish",
                "output": {"enabled": true, "channelId": "out", "delaySeconds": 2,
                           "transform": {"content": "{\"from\": \"fast\", \"n\": ${payload.n}}"}}},
               {"actionId": "fast2", "channelId": "in", "type": "republish",
                "output": {"enabled": true, "channelId": "out", "delaySeconds": 2,
                           "transform": {"content": "{\"from\": \"fast2\", \"n\": ${payload.n}}"}}},
               {"actionId": "sink", "channelId": "out", "type": "harvest"}]}
            """#))
        let sink = RecordingHandler()
        let clock = ManualClock()
        let flows = try #require(compileFlows([app], handlers: registry(["harvest": sink])))
        let (engine, _) = makeEngine(flows, clock: clock)
        try engine.inject(target: "m", payload: ["n": 1])
        clock.advance(nanoseconds: Self.second)
        try engine.inject(target: "m", payload: ["n": 2])
        #expect(sink.payloads.isEmpty)
        #expect(engine.stats.delayedPending == 6)
        #expect(engine.hasPendingWork)
        #expect(engine.nextDeadline(nowMonotonic: clock.monotonicNanoseconds()) == 2 * Self.second)

        clock.advance(nanoseconds: Self.second)
        #expect(engine.advance() == 3 * Self.second)
        #expect(sink.payloads == [["from": "fast", "n": 1], ["from": "fast2", "n": 1]])
        clock.advance(nanoseconds: 10 * Self.second)
        #expect(engine.advance() == nil)
        #expect(
            sink.payloads == [
                ["from": "fast", "n": 1], ["from": "fast2", "n": 1], ["from": "fast", "n": 2],
                ["from": "fast2", "n": 2], ["from": "slow", "n": 1], ["from": "slow", "n": 2],
            ])
        #expect(engine.stats.delayedPending == 0)
    }

    @Test func anIntervalSourceFiresEveryPeriodAndSkipsMissedOnes() throws {
        let app = try #require(loadApp(
            #"""
            {"appId": "tick", "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "hb", "type": "interval", "everySeconds": 10, "payload": {"kind": "hb"},
                               "channelId": "in"}],
             "actions": [{"actionId": "sink", "channelId": "in", "type": "harvest"}]}
            """#))
        let sink = RecordingHandler()
        let clock = ManualClock()
        let flows = try #require(compileFlows([app], handlers: registry(["harvest": sink])))
        let (engine, _) = makeEngine(flows, clock: clock)
        #expect(engine.advance() == 10 * Self.second)
        clock.advance(nanoseconds: 9 * Self.second)
        engine.advance()
        #expect(sink.invocations.isEmpty)
        clock.advance(nanoseconds: Self.second)
        #expect(engine.advance() == 20 * Self.second)
        #expect(sink.payloads == [["kind": "hb"]])
        #expect(
            sink.invocations.first?.context
                == ["eventType": "schedule", "scheduleId": "hb", "timestamp": .number(clockStartMilliseconds + 10_000)])
        // The owner overslept three periods: one firing, then back on the 10 s grid.
        clock.advance(nanoseconds: 35 * Self.second)
        #expect(engine.advance() == 50 * Self.second)
        #expect(sink.invocations.count == 2)
    }

    @Test func aCronSourceFiresOnTheWallClockInItsTimeZone() throws {
        let app = try #require(loadApp(
            #"""
            {"appId": "cron", "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "nightly", "type": "cron", "cron": "0 9 * * *", "timezone": "+09:00",
                               "payload": {"job": "report"}, "channelId": "in"}],
             "actions": [{"actionId": "sink", "channelId": "in", "type": "harvest"}]}
            """#))
        let sink = RecordingHandler()
        let clock = ManualClock()  // 2026-01-01T00:00:00Z is 09:00 at +09:00: the next firing is a day away
        let flows = try #require(compileFlows([app], handlers: registry(["harvest": sink])))
        let (engine, _) = makeEngine(flows, clock: clock)
        let day = 86_400 * Self.second
        #expect(engine.advance() == day)
        clock.advance(nanoseconds: day - Self.second)
        #expect(engine.advance() == day)
        #expect(sink.invocations.isEmpty)
        clock.advance(nanoseconds: Self.second)
        #expect(engine.advance() == 2 * day)
        #expect(sink.payloads == [["job": "report"]])
        #expect(
            sink.invocations.first?.context
                == [
                    "eventType": "schedule", "scheduleId": "nightly",
                    "timestamp": .number(clockStartMilliseconds + 86_400_000),
                ])
    }

    @Test func injectNamesAnEventSourceOrAChannel() throws {
        let app = try #require(loadApp(
            #"""
            {"appId": "inj", "channels": [{"channelId": "in"}, {"channelId": "side"}],
             "eventSources": [{"id": "button", "type": "manual", "channelId": "in"},
                              {"id": "tick", "type": "interval", "everySeconds": 60, "channelId": "in"}],
             "actions": [{"actionId": "main", "channelId": "in", "type": "harvest"},
                         {"actionId": "side", "channelId": "side", "type": "webhook"}]}
            """#))
        let main = RecordingHandler()
        let side = RecordingHandler()
        let flows = try #require(
            compileFlows([app], handlers: registry(["harvest": main, "webhook": side])))
        let (engine, _) = makeEngine(flows)
        try engine.inject(target: "button", payload: 1)
        try engine.inject(target: "inj/tick", payload: 2)
        try engine.inject(target: "side", payload: 3)
        #expect(main.payloads == [1, 2])
        #expect(main.invocations.last?.context["eventType"] == "schedule")
        #expect(side.payloads == [3])
        #expect(side.invocations.first?.context["eventType"] == "manual")
        let expected = FlowInjectError(
            message: "no event source or channel named 'buton'", hint: "did you mean 'button'?")
        #expect(throws: expected) {
            try engine.inject(target: "buton", payload: 1)
        }
        #expect(flows.injectTargets.contains("inj/button"))
    }

    @Test func asyncCompletionsMayInterleaveAcrossActionsButKeepOrderWithinOne() throws {
        let app = try #require(loadApp(
            #"""
            {"appId": "async", "channels": [{"channelId": "in"}, {"channelId": "out"}],
             "eventSources": [{"id": "m", "type": "manual", "channelId": "in"}],
             "actions": [
               {"actionId": "a", "channelId": "in", "type": "webhook",
                "output": {"enabled": true, "channelId": "out",
                           "transform": {"content": "{\"by\": \"a\", \"n\": ${payload.n}}"}}},
               {"actionId": "b", "channelId": "in", "type": "ai",
                "output": {"enabled": true, "channelId": "out",
                           "transform": {"content": "{\"by\": \"b\", \"n\": ${payload.n}}"}}},
               {"actionId": "sink", "channelId": "out", "type": "harvest"}]}
            """#))
        let a = HeldHandler()
        let b = HeldHandler()
        let sink = RecordingHandler()
        let wake = WakeCounter()
        let flows = try #require(
            compileFlows([app], handlers: registry(["webhook": a, "ai": b, "harvest": sink])))
        let (engine, _) = makeEngine(flows, wake: wake)
        for n in 1...3 { try engine.inject(target: "m", payload: ["n": .number(Double(n))]) }
        // One invocation in flight per action; the rest wait in order.
        #expect(a.pending.map(\.payload) == [["n": 1]])
        #expect(b.pending.map(\.payload) == [["n": 1]])
        #expect(engine.hasPendingWork)

        #expect(b.completeOldest())
        #expect(wake.value == 1)
        #expect(sink.payloads.isEmpty)  // applied only on the engine's thread
        engine.processCompletions()
        #expect(sink.payloads == [["by": "b", "n": 1]])
        #expect(b.pending.map(\.payload) == [["n": 2]])
        #expect(b.completeOldest())
        #expect(a.completeOldest())
        engine.processCompletions()
        #expect(a.pending.map(\.payload) == [["n": 2]])
        for _ in 0..<4 {
            a.completeOldest()
            b.completeOldest()
            engine.processCompletions()
        }
        let byA = sink.payloads.filter { $0["by"] == "a" }.map { $0["n"] }
        let byB = sink.payloads.filter { $0["by"] == "b" }.map { $0["n"] }
        #expect(!engine.hasPendingWork)
        #expect(byA == [1, 2, 3])
        #expect(byB == [1, 2, 3])
        #expect(sink.payloads.prefix(3) == [["by": "b", "n": 1], ["by": "b", "n": 2], ["by": "a", "n": 1]])
    }

    @Test func aFullActionQueueDropsAndCountsWithoutBlockingOtherActions() throws {
        let app = try #require(loadApp(
            #"""
            {"appId": "bp", "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "m", "type": "manual", "channelId": "in"}],
             "actions": [{"actionId": "slow", "channelId": "in", "type": "webhook"},
                         {"actionId": "fast", "channelId": "in", "type": "harvest"}]}
            """#))
        let slow = HeldHandler()
        let fast = RecordingHandler()
        let flows = try #require(
            compileFlows(
                [app], handlers: registry(["webhook": slow, "harvest": fast]),
                options: FlowOptions(actionQueueCapacity: 2)))
        let (engine, log) = makeEngine(flows)
        for n in 1...5 { try engine.inject(target: "m", payload: .number(Double(n))) }
        #expect(fast.payloads == [1, 2, 3, 4, 5])
        #expect(engine.stats.action("slow")?.dropped == 2)
        #expect(log.entries.filter { $0.outcome == .dropped }.count == 2)
        for _ in 0..<5 {
            slow.completeOldest()
            engine.processCompletions()
        }
        #expect(engine.stats.action("slow")?.ran == 3)
        #expect(slow.pending.isEmpty)
    }

    @Test func aSecondCompletionOfOneInvocationIsIgnored() throws {
        let app = try #require(loadApp(
            #"""
            {"appId": "twice", "channels": [{"channelId": "in"}, {"channelId": "out"}],
             "eventSources": [{"id": "m", "type": "manual", "channelId": "in"}],
             "actions": [{"actionId": "hook", "channelId": "in", "type": "webhook",
                          "output": {"enabled": true, "channelId": "out"}},
                         {"actionId": "sink", "channelId": "out", "type": "harvest"}]}
            """#))
        let sink = RecordingHandler()
        let flows = try #require(
            compileFlows([app], handlers: registry(["webhook": TwiceHandler(), "harvest": sink])))
        let (engine, _) = makeEngine(flows)
        try engine.inject(target: "m", payload: 1)
        #expect(sink.payloads == [1])
        #expect(engine.stats.staleCompletions == 1)
    }
}

/// A buggy handler that completes every invocation twice.
struct TwiceHandler: FlowActionHandler {
    func start(_ invocation: ActionInvocation, complete: @escaping @Sendable (ActionResult) -> Void) {
        complete(.success(invocation.payload))
        complete(.success(invocation.payload))
    }
}
