import EdgeCore
import EdgeFlux
import Testing

/// Channels, conditions and outputs (docs/flow-language.md §3).
@Suite struct FlowRoutingTests {
    @Test func everyActionOfAChannelSeesEveryMessage() throws {
        let app = try #require(loadApp(
            #"""
            {"appId": "fan", "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "m", "type": "manual", "channelId": "in"}],
             "actions": [{"actionId": "a", "channelId": "in", "type": "harvest"},
                         {"actionId": "b", "channelId": "in", "type": "webhook"},
                         {"actionId": "off", "channelId": "in", "type": "harvest", "enabled": false}]}
            """#))
        let a = RecordingHandler()
        let b = RecordingHandler()
        let flows = try #require(compileFlows([app], handlers: registry(["harvest": a, "webhook": b])))
        let (engine, _) = makeEngine(flows)
        try engine.inject(target: "m", payload: ["n": 1])
        try engine.inject(target: "m", payload: ["n": 2])
        #expect(a.payloads == [["n": 1], ["n": 2]])
        #expect(b.payloads == [["n": 1], ["n": 2]])
        #expect(engine.stats.action("off")?.evaluated == 0)
        #expect(a.invocations.first?.context == ["eventType": "manual", "timestamp": .number(clockStartMilliseconds)])
    }

    @Test func onlyABooleanTrueConditionRunsTheAction() throws {
        let app = try #require(loadApp(
            #"""
            {"appId": "cond", "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "m", "type": "manual", "channelId": "in"}],
             "actions": [
               {"actionId": "false", "channelId": "in", "type": "harvest", "condition": "payload.x > 5"},
               {"actionId": "null", "channelId": "in", "type": "harvest", "condition": "payload.missing"},
               {"actionId": "number", "channelId": "in", "type": "harvest", "condition": "payload.x"},
               {"actionId": "true", "channelId": "in", "type": "webhook", "condition": "payload.x == 1"}]}
            """#))
        let never = RecordingHandler()
        let yes = RecordingHandler()
        let flows = try #require(
            compileFlows([app], handlers: registry(["harvest": never, "webhook": yes])))
        let (engine, log) = makeEngine(flows)
        try engine.inject(target: "m", payload: ["x": 1])
        #expect(never.invocations.isEmpty)
        #expect(yes.payloads == [["x": 1]])
        let stats = engine.stats
        #expect(stats.action("false")?.skipped == 1)
        #expect(stats.action("null")?.conditionErrors == 1)
        #expect(stats.action("number")?.conditionErrors == 1)
        #expect(stats.action("number")?.lastError?.contains("payload.x") == true)
        #expect(stats.conditionErrors == 2)
        #expect(stats.action("true")?.ran == 1)
        #expect(log.entries.contains { $0.actionId == "null" && $0.outcome == .conditionError(value: .null) })
    }

    @Test func transformContentSeesTheResultPayloadContextAndEvent() throws {
        let app = try #require(loadApp(
            #"""
            {"appId": "tx", "channels": [{"channelId": "in"}, {"channelId": "out"}],
             "eventSources": [{"id": "m", "type": "manual", "channelId": "in"}],
             "actions": [
               {"actionId": "calc", "channelId": "in", "type": "republish",
                "config": {"transform": {"contentType": "application/json",
                           "content": "{\"doubled\": ${payload.temp * 2}}"}},
                "output": {"enabled": true, "channelId": "out", "transform": {"contentType": "application/json",
                           "content": "{\"r\": ${result.doubled}, \"t\": ${payload.temp},
                                       \"how\": \"${context.eventType}\", \"e\": ${event.payload.temp}}"}}},
               {"actionId": "sink", "channelId": "out", "type": "harvest"}]}
            """#))
        let sink = RecordingHandler()
        let flows = try #require(compileFlows([app], handlers: registry(["harvest": sink])))
        let (engine, log) = makeEngine(flows)
        try engine.inject(target: "m", payload: ["temp": 21])
        #expect(sink.payloads == [["r": 42, "t": 21, "how": "manual", "e": 21]])
        #expect(sink.invocations.first?.event.payload == ["temp": 21])
        #expect(sink.invocations.first?.event.context["eventType"] == "manual")
        #expect(sink.invocations.first?.context["eventType"] == "republish")
        #expect(sink.invocations.first?.context["actionId"] == "calc")
        #expect(log.entries.contains { $0.actionId == "calc" && $0.outcome == .ran(result: ["doubled": 42]) })
        #expect(log.republished(to: "out") == [["r": 42, "t": 21, "how": "manual", "e": 21]])
    }

    @Test func splitArrayRepublishesEachElementInOrder() throws {
        let app = try #require(loadApp(
            #"""
            {"appId": "split", "channels": [{"channelId": "in"}, {"channelId": "out"}],
             "eventSources": [{"id": "m", "type": "manual", "channelId": "in"}],
             "actions": [
               {"actionId": "fan", "channelId": "in", "type": "republish",
                "output": {"enabled": true, "channelId": "out", "splitArray": true,
                           "transform": {"content": "${payload.items}"}}},
               {"actionId": "whole", "channelId": "in", "type": "republish",
                "output": {"enabled": true, "channelId": "out", "transform": {"content": "${payload.items}"}}},
               {"actionId": "sink", "channelId": "out", "type": "harvest"}]}
            """#))
        let sink = RecordingHandler()
        let flows = try #require(compileFlows([app], handlers: registry(["harvest": sink])))
        let (engine, _) = makeEngine(flows)
        try engine.inject(target: "m", payload: ["items": [1, "two", ["three": 3]]])
        #expect(sink.payloads == [1, "two", ["three": 3], [1, "two", ["three": 3]]])
    }

    @Test func aTransformThatIsNotJSONIsAFailureOfTheAction() throws {
        let app = try #require(loadApp(
            #"""
            {"appId": "badjson", "channels": [{"channelId": "in"}, {"channelId": "out"}, {"channelId": "text"}],
             "eventSources": [{"id": "m", "type": "manual", "channelId": "in"}],
             "actions": [
               {"actionId": "broken", "channelId": "in", "type": "republish",
                "output": {"enabled": true, "channelId": "out", "transform": {"content": "{\"a\": ${payload.s}}"}}},
               {"actionId": "plain", "channelId": "in", "type": "republish",
                "output": {"enabled": true, "channelId": "text",
                           "transform": {"contentType": "text/plain", "content": "a=${payload.s}"}}},
               {"actionId": "sink", "channelId": "text", "type": "harvest"}]}
            """#))
        let sink = RecordingHandler()
        let flows = try #require(compileFlows([app], handlers: registry(["harvest": sink])))
        let (engine, _) = makeEngine(flows)
        try engine.inject(target: "m", payload: ["s": "not json"])
        #expect(engine.stats.action("broken")?.failed == 1)
        #expect(engine.stats.action("broken")?.lastError?.hasPrefix("transform: ") == true)
        #expect(sink.payloads == ["a=not json"])
    }

    @Test func configTemplatesAreRenderedForTheHandler() throws {
        let app = try #require(loadApp(
            #"""
            {"appId": "cfg", "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "m", "type": "manual", "channelId": "in"}],
             "actions": [{"actionId": "hook", "channelId": "in", "type": "webhook",
                          "config": {"url": "http://x/${payload.id}", "retries": 3,
                                     "headers": [{"X-Temp": "${payload.t}"}], "plain": "$5"}}]}
            """#))
        let hook = RecordingHandler()
        let flows = try #require(compileFlows([app], handlers: registry(["webhook": hook])))
        let (engine, _) = makeEngine(flows)
        try engine.inject(target: "m", payload: ["id": "b-1", "t": 21.5])
        #expect(
            hook.invocations.first?.config
                == ["url": "http://x/b-1", "retries": 3, "headers": [["X-Temp": "21.5"]], "plain": "$5"])
        #expect(hook.invocations.first?.actionId == "hook")
        #expect(hook.invocations.first?.appId == "cfg")
    }

    @Test func aSelfLoopStopsAtTheHopCapAndIsCounted() throws {
        let app = try #require(loadApp(
            #"""
            {"appId": "loop", "channels": [{"channelId": "ch-a"}],
             "eventSources": [{"id": "m", "type": "manual", "channelId": "ch-a"}],
             "actions": [{"actionId": "again", "channelId": "ch-a", "type": "republish",
                          "output": {"enabled": true, "channelId": "ch-a"}}]}
            """#))
        let document = app
        let flows = try #require(compileFlows([document]))
        let (engine, log) = makeEngine(flows)
        try engine.inject(target: "m", payload: ["n": 1])
        #expect(engine.stats.action("again")?.ran == 11)
        #expect(engine.stats.hopCapStops == 1)
        #expect(log.entries.last?.outcome == .refused(reason: "hop cap 10 reached"))
        #expect(log.entries.last?.hop == 10)

        let short = try #require(compileFlows([document], options: FlowOptions(maxHops: 3)))
        let (engine3, _) = makeEngine(short)
        try engine3.inject(target: "m", payload: ["n": 1])
        #expect(engine3.stats.action("again")?.ran == 4)
        #expect(engine3.stats.hopCapStops == 1)
    }

    @Test func anOversizeRepublishIsRefusedAndReportedOnTheErrorChannel() throws {
        let app = try #require(loadApp(
            #"""
            {"appId": "big", "channels": [{"channelId": "in"}, {"channelId": "out"}, {"channelId": "errors"}],
             "eventSources": [{"id": "m", "type": "manual", "channelId": "in"}],
             "actions": [
               {"actionId": "double", "channelId": "in", "type": "republish",
                "output": {"enabled": true, "channelId": "out", "errorChannelId": "errors",
                           "transform": {"content": "[\"${payload.s}\", \"${payload.s}\"]"}}},
               {"actionId": "out", "channelId": "out", "type": "harvest"},
               {"actionId": "errors", "channelId": "errors", "type": "webhook"}]}
            """#))
        let out = RecordingHandler()
        let errors = RecordingHandler()
        let flows = try #require(
            compileFlows([app], handlers: registry(["harvest": out, "webhook": errors])))
        let (engine, log) = makeEngine(flows)
        let s = String(repeating: "x", count: 20_000)
        try engine.inject(target: "m", payload: ["s": .string(s)])
        #expect(out.invocations.isEmpty)
        #expect(engine.stats.oversizeRefusals == 1)
        #expect(engine.stats.action("double")?.failed == 1)
        let error = try #require(errors.payloads.first)
        #expect(error["error"]["kind"] == "oversize")
        #expect(error["error"]["actionId"] == "double")
        #expect(error["input"] == ["s": .string(s)])
        #expect(log.entries.contains {
            if case .refused(let reason) = $0.outcome { reason.contains("40007 bytes exceeds the 32768-byte limit") }
            else { false }
        })

        // An input that would make the error message itself too large is left out of it.
        let huge = String(repeating: "y", count: 32_700)
        try engine.inject(target: "m", payload: ["s": .string(huge)])
        let second = try #require(errors.payloads.last)
        #expect(errors.payloads.count == 2)
        #expect(second["input"] == .null)
        #expect(second["inputOmitted"] == "larger than 32768 bytes")
    }

    @Test func aFailedActionRepublishesTheErrorWithItsInput() throws {
        let app = try #require(loadApp(
            #"""
            {"appId": "fail", "channels": [{"channelId": "in"}, {"channelId": "out"}, {"channelId": "errors"}],
             "eventSources": [{"id": "m", "type": "manual", "channelId": "in"}],
             "actions": [
               {"actionId": "hook", "channelId": "in", "type": "webhook",
                "output": {"enabled": true, "channelId": "out", "errorChannelId": "errors"}},
               {"actionId": "out", "channelId": "out", "type": "harvest"},
               {"actionId": "errors", "channelId": "errors", "type": "harvest"}]}
            """#))
        let sink = RecordingHandler()
        let failing = RecordingHandler(result: { _ in .failure(FlowActionFailure(kind: "http", message: "HTTP 500")) })
        let flows = try #require(
            compileFlows([app], handlers: registry(["webhook": failing, "harvest": sink])))
        let (engine, log) = makeEngine(flows)
        try engine.inject(target: "m", payload: ["n": 7])
        #expect(
            sink.payloads == [
                [
                    "error": ["appId": "fail", "actionId": "hook", "kind": "http", "message": "HTTP 500"],
                    "input": ["n": 7],
                ]
            ])
        #expect(engine.stats.action("hook")?.failed == 1)
        #expect(engine.stats.action("hook")?.lastError == "http: HTTP 500")
        #expect(log.entries.contains { $0.outcome == .failed(FlowActionFailure(kind: "http", message: "HTTP 500")) })
    }

    @Test func webhookRequestsFireTheSourcesOnTheirPath() throws {
        let app = try #require(loadApp(
            #"""
            {"appId": "hooks", "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "w", "type": "webhook", "path": "/boiler", "channelId": "in"}],
             "actions": [{"actionId": "sink", "channelId": "in", "type": "harvest"}]}
            """#))
        let sink = RecordingHandler()
        let flows = try #require(compileFlows([app], handlers: registry(["harvest": sink])))
        #expect(flows.webhookPaths == ["/boiler"])
        let (engine, _) = makeEngine(flows)
        #expect(engine.deliverWebhook(path: "/other", method: "POST", headers: [], body: ["a": 1]) == 0)
        let fired = engine.deliverWebhook(
            path: "/boiler", method: "POST", headers: [(name: "Content-Type", value: "application/json")],
            body: ["a": 1])
        #expect(fired == 1)
        #expect(sink.payloads == [["a": 1]])
        #expect(
            sink.invocations.first?.context
                == [
                    "eventType": "webhook",
                    "request": [
                        "httpMethod": "POST", "httpPath": "/boiler",
                        "httpHeaders": ["Content-Type": "application/json"],
                    ],
                ])
    }
}
