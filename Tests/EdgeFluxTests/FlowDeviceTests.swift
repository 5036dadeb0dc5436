import EdgeCore
import EdgeFlux
import Testing

/// Device readings into flows: slot conditions, contexts and report policies.
@Suite struct FlowDeviceTests {
    static let second: Int64 = 1_000_000_000
    static let start: Int64 = 1_767_225_600_000_000_000

    @Test func aReadingRunsActionsWhoseSlotConditionHolds() throws {
        let app = try #require(loadApp(
            #"""
            {"appId": "boiler-room", "channels": [{"channelId": "ch-in"}],
             "eventSources": [{"id": "boiler", "type": "device", "source": "boiler", "channelId": "ch-in"}],
             "actions": [{"actionId": "hot", "channelId": "ch-in", "type": "harvest",
                          "condition": "payload.temp > 80 && context.resource.resourceId == \"boiler\""},
                         {"actionId": "whole", "channelId": "ch-in", "type": "webhook",
                          "condition": "len(payload) == 2 && event.payload.pressure < 2"}]}
            """#))
        let hot = RecordingHandler()
        let whole = RecordingHandler()
        let flows = try #require(
            compileFlows(
                [app], sources: [modbusSource("pump", ["rpm"]), modbusSource("boiler", ["temp", "pressure"])],
                handlers: registry(["harvest": hot, "webhook": whole])))
        let (engine, _) = makeEngine(flows)
        feed(engine, source: 1, at: Self.start, [79.5, 1.2])
        #expect(hot.invocations.isEmpty)
        #expect(whole.payloads.first == ["temp": 79.5, "pressure": 1.2])
        feed(engine, source: 1, at: Self.start + Self.second, [81.5, 1.2])
        #expect(hot.payloads == [["temp": 81.5, "pressure": 1.2]])
        #expect(whole.payloads.count == 2)
        let context = try #require(hot.invocations.first?.context)
        #expect(
            context
                == [
                    "eventType": "device", "resource": ["resourceId": "boiler", "resourceType": "modbus"],
                    "timestamp": .number(clockStartMilliseconds + 1000),
                ])
        #expect(hot.invocations.first?.event == FlowEvent(payload: ["temp": 81.5, "pressure": 1.2], context: context))
        #expect(engine.stats.action("hot")?.evaluated == 2)
        #expect(engine.stats.action("hot")?.skipped == 1)

        // A reading of a source no app uses, or out of range, is counted and ignored.
        feed(engine, source: 0, [1500])
        feed(engine, source: 7, [1])
        #expect(engine.stats.readingsIgnored == 2)
    }

    @Test func aFailedReadLeavesThePointOutAndPutsItsQualityInTheContext() throws {
        let app = try #require(loadApp(
            #"""
            {"appId": "q", "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "boiler", "type": "device", "source": "boiler", "channelId": "in"}],
             "actions": [{"actionId": "sink", "channelId": "in", "type": "harvest",
                          "condition": "payload.temp == null"}]}
            """#))
        let sink = RecordingHandler()
        let flows = try #require(
            compileFlows(
                [app], sources: [modbusSource("boiler", ["temp", "pressure"])],
                handlers: registry(["harvest": sink])))
        let (engine, _) = makeEngine(flows)
        feed(engine, [81, 1.2], qualities: [.timeout, .good])
        #expect(sink.payloads == [["pressure": 1.2]])
        #expect(sink.invocations.first?.context["quality"] == ["temp": "timeout"])
        // A good read afterwards carries no quality.
        feed(engine, [81, 1.2], qualities: [.good, .good])
        feed(engine, [.nan, 1.3], qualities: [.good, .good])
        #expect(sink.invocations.count == 2)
        #expect(sink.invocations.last?.context["quality"] == .null)
        #expect(sink.payloads.last == ["pressure": 1.3])
    }

    @Test func aShortReadingReadsItsMissingPointsAsAbsent() throws {
        let app = try #require(loadApp(
            #"""
            {"appId": "short", "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "b", "type": "device", "source": "boiler", "report": "on-change",
                               "channelId": "in"}],
             "actions": [{"actionId": "sink", "channelId": "in", "type": "harvest",
                          "condition": "payload.pressure == null && payload.temp > 1"}]}
            """#))
        let sink = RecordingHandler()
        let flows = try #require(
            compileFlows(
                [app], sources: [modbusSource("boiler", ["temp", "pressure"])], handlers: registry(["harvest": sink])))
        let (engine, _) = makeEngine(flows)
        feed(engine, [5])
        feed(engine, [], qualities: [])
        #expect(sink.payloads == [["temp": 5]])
    }

    @Test func reportPoliciesLetThroughEveryChangeOrDeadbandAndSilence() throws {
        let app = try #require(loadApp(
            #"""
            {"appId": "policies", "channels": [{"channelId": "every"}, {"channelId": "change"}, {"channelId": "band"}],
             "eventSources": [
               {"id": "e", "type": "device", "source": "boiler", "channelId": "every"},
               {"id": "c", "type": "device", "source": "boiler", "report": "on-change", "channelId": "change"},
               {"id": "d", "type": "device", "source": "boiler", "report": {"deadband": 0.5, "maxSilence": "60s"},
                "channelId": "band"}],
             "actions": [{"actionId": "every", "channelId": "every", "type": "harvest"},
                         {"actionId": "change", "channelId": "change", "type": "harvest"},
                         {"actionId": "band", "channelId": "band", "type": "harvest"}]}
            """#))
        let sink = RecordingHandler()
        let flows = try #require(
            compileFlows(
                [app], sources: [modbusSource("boiler", ["temp", "pressure"])],
                handlers: registry(["harvest": sink])))
        let (engine, _) = makeEngine(flows)
        let readings: [(seconds: Int64, values: [Double], qualities: [SampleQuality])] = [
            (0, [20, 1], [.good, .good]),  // first: all report
            (1, [20, 1], [.good, .good]),  // same: every only
            (2, [20.3, 1], [.good, .good]),  // changed inside the band
            (3, [20.6, 1], [.good, .good]),  // 0.6 past the last reported 20
            (64, [20.6, 1], [.good, .good]),  // unchanged, but 61 s of silence
            (65, [20.6, 1], [.good, .timeout]),  // a quality change is a change
        ]
        for reading in readings {
            feed(engine, at: Self.start + reading.seconds * Self.second, reading.values, qualities: reading.qualities)
        }
        let stats = engine.stats
        #expect(stats.action("every")?.ran == 6)
        #expect(stats.action("change")?.ran == 4)
        #expect(stats.action("band")?.ran == 4)
        #expect(stats.readingsSuppressed == 4)
        let seconds = { (action: String) in
            sink.invocations.filter { $0.actionId == action }.map {
                (($0.context["timestamp"].numberValue ?? 0) - clockStartMilliseconds) / 1000
            }
        }
        #expect(seconds("change") == [0, 2, 3, 65])
        #expect(seconds("band") == [0, 3, 64, 65])
    }

    @Test func gpioEventsTakeTheJSONPathWithTheirPolicy() throws {
        let app = try #require(loadApp(
            #"""
            {"appId": "door", "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "door", "type": "device", "source": "door", "report": "on-change",
                               "channelId": "in"}],
             "actions": [{"actionId": "open", "channelId": "in", "type": "harvest",
                          "condition": "payload.edge == \"rising\""}]}
            """#))
        let sink = RecordingHandler()
        let door = FlowSourceInfo(id: "door", resourceType: "gpio", pointNames: ["line", "value", "edge"])
        let flows = try #require(
            compileFlows([app], sources: [door], handlers: registry(["harvest": sink])))
        let (engine, _) = makeEngine(flows)
        let rising: JSONValue = ["line": "GPIO17", "value": 1, "edge": "rising"]
        engine.handleDeviceEvent(source: 0, timestampNanoseconds: Self.start, payload: rising)
        engine.handleDeviceEvent(source: 0, timestampNanoseconds: Self.start + 1, payload: rising)
        engine.handleDeviceEvent(
            source: 0, timestampNanoseconds: Self.start + 2, payload: ["line": "GPIO17", "value": 0, "edge": "falling"])
        #expect(sink.payloads == [rising])
        #expect(sink.invocations.first?.context["resource"] == ["resourceId": "door", "resourceType": "gpio"])
        #expect(engine.stats.readingsSuppressed == 1)
        #expect(engine.stats.action("open")?.skipped == 1)
    }

    @Test func aMessageRepublishedIntoADeviceChannelUsesTheJSONCondition() throws {
        let app = try #require(loadApp(
            #"""
            {"appId": "mixed", "channels": [{"channelId": "in"}, {"channelId": "alarm"}],
             "eventSources": [{"id": "boiler", "type": "device", "source": "boiler", "channelId": "in"},
                              {"id": "m", "type": "manual", "channelId": "alarm"}],
             "actions": [{"actionId": "hot", "channelId": "in", "type": "republish", "condition": "payload.temp > 80",
                          "output": {"enabled": true, "channelId": "alarm"}},
                         {"actionId": "sink", "channelId": "alarm", "type": "harvest",
                          "condition": "payload.temp > 90"}]}
            """#))
        let sink = RecordingHandler()
        let flows = try #require(
            compileFlows(
                [app], sources: [modbusSource("boiler", ["temp"])], handlers: registry(["harvest": sink])))
        let (engine, _) = makeEngine(flows)
        feed(engine, [85])
        feed(engine, [95])
        try engine.inject(target: "m", payload: ["temp": 99])
        #expect(sink.payloads == [["temp": 95], ["temp": 99]])
        #expect(sink.invocations.first?.event.payload == ["temp": 95])
    }
}
