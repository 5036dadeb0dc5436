import EdgeCore
import EdgeFlux
import Testing

/// Compile-time checks of apps (docs/flow-language.md §6): errors and warnings with file,
/// line:column, field path and hint.
@Suite struct FlowCompilerTests {
    /// The 1-based line and column of the first occurrence of `marker` in `text`.
    static func position(of marker: String, in text: String) -> (line: Int, column: Int)? {
        let needle = Array(marker.unicodeScalars)
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let scalars = Array(line.unicodeScalars)
            guard scalars.count >= needle.count else { continue }
            for start in 0...(scalars.count - needle.count)
            where Array(scalars[start..<(start + needle.count)]) == needle {
                return (index + 1, start + 1)
            }
        }
        return nil
    }

    static func app(condition: String) -> String {
        """
        {"appId": "a", "channels": [{"channelId": "in"}],
         "eventSources": [{"id": "m", "type": "manual", "channelId": "in"}],
         "actions": [{"actionId": "x", "channelId": "in", "type": "log",
                      "condition": "\(condition)"}]}
        """
    }

    @Test func anUnknownFunctionInAConditionIsReportedAtItsFileLineAndColumn() throws {
        let text = Self.app(condition: "payload.t > 1 && frobnicate(payload.t)")
        let app = try #require(loadApp(text, file: "flows/boiler.json"))
        let found = diagnostics([app])
        let error = try #require(found.first { $0.severity == .error })
        let expected = try #require(Self.position(of: "frobnicate", in: text))
        #expect(
            error.location == SourceLocation(file: "flows/boiler.json", line: expected.line, column: expected.column))
        #expect(error.path == "actions[0].condition")
        #expect(error.message == "unknown function 'frobnicate' (column 18 of the condition)")
        #expect(error.hint?.hasPrefix("supported functions: ") == true)
        #expect(error.description.hasPrefix("flows/boiler.json:4:\(expected.column): error: actions[0].condition: "))
    }

    @Test func escapedCharactersBeforeTheErrorAreCountedInAJSONFile() throws {
        let text = Self.app(condition: #"context.x == \"a\" && nope()"#)
        let app = try #require(loadApp(text, file: "app.json"))
        let error = try #require(diagnostics([app]).first { $0.severity == .error })
        let expected = try #require(Self.position(of: "nope", in: text))
        #expect(error.location?.line == expected.line)
        #expect(error.location?.column == expected.column)
    }

    @Test func aSyntaxErrorInATransformTemplateNamesItsField() throws {
        let text = #"""
            {"appId": "a", "channels": [{"channelId": "in"}, {"channelId": "out"}],
             "eventSources": [{"id": "m", "type": "manual", "channelId": "in"}],
             "actions": [{"actionId": "x", "channelId": "in", "type": "republish",
                          "output": {"enabled": true, "channelId": "out",
                                     "transform": {"content": "{\"v\": ${result +}}"}}},
                         {"actionId": "y", "channelId": "out", "type": "log"}]}
            """#
        let app = try #require(loadApp(text))
        let errors = diagnostics([app]).filter { $0.severity == .error }
        #expect(errors.count == 1)
        #expect(errors.first?.path == "actions[0].output.transform.content")
        #expect(errors.first?.message.hasSuffix("but found '}' (column 17 of the template)") == true)
        let plus = try #require(Self.position(of: "+}}", in: text))
        #expect(errors.first?.location == SourceLocation(file: "app.json", line: plus.line, column: plus.column + 1))
    }

    @Test func configTemplateErrorsNameTheFieldAndTheColumnInTheString() throws {
        let text = #"""
            {"appId": "a", "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "m", "type": "manual", "channelId": "in"}],
             "actions": [{"actionId": "x", "channelId": "in", "type": "log",
                          "config": {"message": "temp ${payload.temp +} C"}}]}
            """#
        let app = try #require(loadApp(text))
        let error = try #require(diagnostics([app]).first)
        #expect(error.severity == .error)
        #expect(error.path == "actions[0].config.message")
        #expect(error.message.hasSuffix("(column 22 of the string)"))
        #expect(error.location?.line == 4)
    }

    @Test func aChannelThatDoesNotExistIsAnErrorWithASuggestion() throws {
        // Built by hand: the loader already refuses dangling references; the compiler must too.
        let at = SourceLocation(file: "hand.json", line: 3, column: 9)
        let app = AppDocument(
            appId: "a", name: "a", dialect: 1, channels: [AppChannel(channelId: "alerts", name: "Alerts")],
            eventSources: [
                AppEventSource(
                    id: "m", kind: .manual, payload: .null,
                    channelId: LocatedText("alerts", at: at, path: "eventSources[0].channelId"))
            ],
            actions: [
                AppAction(
                    actionId: "x", channelId: LocatedText("alert", at: at, path: "actions[0].channelId"), name: "x",
                    enabled: true, condition: nil, type: "log", config: [:], configLocation: nil,
                    output: AppActionOutput(
                        enabled: true, channelId: LocatedText("alerts", at: at, path: "actions[0].output.channelId"),
                        splitArray: false, transformContentType: nil, transformContent: nil, delaySeconds: 901,
                        errorChannelId: nil))
            ])
        let errors = diagnostics([app]).filter { $0.severity == .error }
        #expect(
            errors.contains {
                $0.path == "actions[0].channelId" && $0.message == "no channel with id 'alert'"
                    && $0.hint == "did you mean 'alerts'?" && $0.location == at
            })
        #expect(errors.contains { $0.path == "actions[0].output.delaySeconds" })
        let (flows, _) = FlowCompiler.compile(apps: [app], sources: [], handlers: registry())
        #expect(flows == nil)
    }

    @Test func loopsAreWarningsThatSpellTheCycle() throws {
        let text = #"""
            {"appId": "a", "channels": [{"channelId": "ch-a"}, {"channelId": "ch-b"}],
             "eventSources": [{"id": "m", "type": "manual", "channelId": "ch-a"}],
             "actions": [{"actionId": "forth", "channelId": "ch-a", "type": "republish",
                          "output": {"enabled": true, "channelId": "ch-b"}},
                         {"actionId": "back", "channelId": "ch-b", "type": "republish",
                          "output": {"enabled": true, "channelId": "ch-a"}}]}
            """#
        let app = try #require(loadApp(text))
        let (flows, found) = FlowCompiler.compile(apps: [app], sources: [], handlers: registry())
        #expect(flows != nil)
        #expect(found.count == 1)
        let warning = try #require(found.first)
        #expect(warning.severity == .warning)
        #expect(warning.message == "loop: ch-a -> ch-b -> ch-a (closed by action 'back')")
        #expect(warning.path == "actions[1].output.channelId")
        #expect(warning.location?.line == 6)
        #expect(warning.hint?.contains("10 hops") == true)
    }

    @Test func anActionNothingReachesIsAWarning() throws {
        let text = #"""
            {"appId": "a", "channels": [{"channelId": "in"}, {"channelId": "orphan"}, {"channelId": "after"}],
             "eventSources": [{"id": "m", "type": "manual", "channelId": "in"}],
             "actions": [{"actionId": "ok", "channelId": "in", "type": "log"},
                         {"actionId": "lost", "channelId": "orphan", "type": "republish",
                          "output": {"enabled": true, "channelId": "after"}},
                         {"actionId": "lost-too", "channelId": "after", "type": "log"}]}
            """#
        let app = try #require(loadApp(text))
        let (flows, found) = FlowCompiler.compile(apps: [app], sources: [], handlers: registry())
        #expect(flows != nil)
        #expect(
            found.map(\.message) == [
                "action 'lost' never runs: no event source reaches channel 'orphan'",
                "action 'lost-too' never runs: no event source reaches channel 'after'",
            ])
        #expect(found.allSatisfy { $0.severity == .warning })
        #expect(found.first?.path == "actions[1].channelId")
        #expect(found.first?.location?.line == 4)
    }

    @Test func handlerConfigProblemsAreErrorsWithTheirPaths() throws {
        let text = #"""
            {"appId": "a", "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "m", "type": "manual", "channelId": "in"}],
             "actions": [{"actionId": "x", "channelId": "in", "type": "log",
                          "config": {"level": "loud", "mesage": "hi"}},
                         {"actionId": "y", "channelId": "in", "type": "republish",
                          "config": {"transform": {"contentType": 5}}}]}
            """#
        let app = try #require(loadApp(text))
        let errors = diagnostics([app])
        #expect(errors.allSatisfy { $0.severity == .error })
        #expect(
            Set(errors.map { "\($0.path): \($0.message)" }) == [
                "actions[0].config.mesage: unknown field 'mesage'",
                "actions[0].config.level: level must be one of trace, debug, info, notice, warning, error, critical",
                "actions[1].config.transform.content: missing required field",
                "actions[1].config.transform.contentType: expected a string",
            ])
        #expect(errors.first { $0.path == "actions[0].config.mesage" }?.hint == "allowed: level, message")
        #expect(errors.first?.location?.line == 4)
    }

    @Test func anActionTypeWithoutAHandlerIsNotAvailableInThisBuild() throws {
        let text = #"""
            {"appId": "a", "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "m", "type": "manual", "channelId": "in"}],
             "actions": [{"actionId": "x", "channelId": "in", "type": "modbus-write"}]}
            """#
        let app = try #require(loadApp(text))
        let error = try #require(diagnostics([app]).first)
        #expect(error.path == "actions[0].type")
        #expect(error.message == "action type 'modbus-write' is not available in this build")
        #expect(error.hint == "this agent runs: log, republish")
    }

    @Test func aMisspeltPointNameIsAWarningWithTheLikelyName() throws {
        let text = #"""
            {"appId": "a", "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "boiler", "type": "device", "source": "boiler", "channelId": "in"}],
             "actions": [{"actionId": "x", "channelId": "in", "type": "log",
                          "condition": "payload.tmep > 80 && payload.pressure < 2",
                          "config": {"message": "at ${event.payload.presure}"}}]}
            """#
        let app = try #require(loadApp(text))
        let (flows, found) = FlowCompiler.compile(
            apps: [app], sources: [modbusSource("boiler", ["temp", "pressure"])], handlers: registry())
        #expect(flows != nil)
        #expect(found.count == 2)
        let condition = try #require(found.first)
        #expect(condition.severity == .warning)
        #expect(condition.message == "payload.tmep names no point of device source 'boiler'")
        #expect(condition.hint == "did you mean 'temp'?")
        #expect(condition.path == "actions[0].condition")
        let expected = try #require(Self.position(of: "tmep", in: text))
        #expect(condition.location?.line == expected.line)
        #expect(condition.location?.column == expected.column)
        let config = try #require(found.last)
        #expect(
            config.message
                == "event.payload.presure names no point of device source 'boiler' (column 20 of the string)")
        #expect(config.hint == "did you mean 'pressure'?")
        #expect(config.path == "actions[0].config.message")
    }

    @Test func pointNamesAreNotCheckedOnChannelsThatAlsoGetOtherMessages() throws {
        let text = #"""
            {"appId": "a", "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "boiler", "type": "device", "source": "boiler", "channelId": "in"},
                              {"id": "m", "type": "manual", "channelId": "in"}],
             "actions": [{"actionId": "x", "channelId": "in", "type": "log", "condition": "payload.kind == 1"}]}
            """#
        let app = try #require(loadApp(text))
        let found = diagnostics([app], sources: [modbusSource("boiler", ["temp"])])
        #expect(found.isEmpty)
    }

    @Test func aDeviceSourceMustNameAConfiguredSource() throws {
        let text = #"""
            {"appId": "a", "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "b", "type": "device", "source": "boilr", "channelId": "in"}],
             "actions": [{"actionId": "x", "channelId": "in", "type": "log"}]}
            """#
        let app = try #require(loadApp(text))
        let found = diagnostics([app], sources: [modbusSource("boiler", ["temp"]), modbusSource("pump", ["rpm"])])
        let error = try #require(found.first { $0.severity == .error })
        #expect(error.path == "eventSources[0].source")
        #expect(error.message == "no configured source named 'boilr'")
        #expect(error.hint == "did you mean 'boiler'?")
    }

    @Test func cronErrorsPointIntoTheExpressionOrAtTheTimeZone() throws {
        let text = #"""
            {"appId": "a", "channels": [{"channelId": "in"}],
             "eventSources": [{"id": "bad", "type": "cron", "cron": "0 25 * * *", "channelId": "in"},
                              {"id": "zone", "type": "cron", "cron": "0 3 * * *", "timezone": "Mars/Olympus",
                               "channelId": "in"}],
             "actions": [{"actionId": "x", "channelId": "in", "type": "log"}]}
            """#
        let app = try #require(loadApp(text))
        let errors = diagnostics([app]).filter { $0.severity == .error }
        #expect(errors.count == 2)
        let hour = try #require(errors.first)
        #expect(hour.path == "eventSources[0].cron")
        #expect(hour.message.hasSuffix("(column 3 of the cron expression)"))
        let expected = try #require(Self.position(of: "25 * * *", in: text))
        #expect(hour.location == SourceLocation(file: "app.json", line: expected.line, column: expected.column))
        let zone = try #require(errors.last)
        #expect(zone.path == "eventSources[1].timezone")
        #expect(zone.location?.line == 3)
        #expect(zone.message.contains("Mars/Olympus"))
    }

    @Test func handBuiltDocumentsGetTheStructuralChecksToo() throws {
        // Loaders check these already; a document built in code must not slip past the compiler.
        let at = SourceLocation(file: "hand.yaml", line: 5, column: 7)
        func text(_ value: String, _ path: String) -> LocatedText { LocatedText(value, at: at, path: path) }
        let app = AppDocument(
            appId: "h", name: "h", dialect: 1,
            channels: [AppChannel(channelId: "in", name: "in"), AppChannel(channelId: "in", name: "again")],
            eventSources: [
                AppEventSource(id: "fast", kind: .interval(everySeconds: 0), payload: .null,
                    channelId: text("in", "eventSources[0].channelId")),
                AppEventSource(id: "hook", kind: .webhook(path: "boiler"), payload: .null,
                    channelId: text("in", "eventSources[1].channelId")),
                AppEventSource(id: "dev", kind: .device(source: "boiler", report: .deadband(-1, maxSilenceSeconds: 0)),
                    payload: .null, channelId: text("in", "eventSources[2].channelId")),
            ],
            actions: [
                AppAction(
                    actionId: "x", channelId: text("in", "actions[0].channelId"), name: "x", enabled: true,
                    condition: text("   ", "actions[0].condition"), type: "log", config: [:], configLocation: nil,
                    output: AppActionOutput(
                        enabled: true, channelId: nil, splitArray: false, transformContentType: nil,
                        transformContent: nil, delaySeconds: 0,
                        errorChannelId: text("nowhere", "actions[0].output.errorChannelId")))
            ])
        let errors = diagnostics([app], sources: [modbusSource("boiler", ["temp"])]).filter { $0.severity == .error }
        #expect(
            errors.map { "\($0.path): \($0.message)" } == [
                "channels[1].channelId: duplicate channel id 'in'",
                "eventSources[0].everySeconds: everySeconds must be between 1 and 31536000, found 0",
                "eventSources[1].path: a webhook path must start with '/'",
                "eventSources[2].report: a deadband needs a non-negative band and a positive, finite maxSilence",
                "actions[0].output.errorChannelId: no channel with id 'nowhere'",
                "actions[0].output: an enabled output needs a channelId",
            ])
    }

    @Test func anUnknownDialectIsAnError() throws {
        let at = SourceLocation(file: "d.json", line: 2, column: 3)
        let app = AppDocument(
            appId: "a", name: "a", dialect: 2, channels: [AppChannel(channelId: "in", name: "in")],
            eventSources: [
                AppEventSource(
                    id: "m", kind: .manual, payload: .null,
                    channelId: LocatedText("in", at: at, path: "eventSources[0].channelId"))
            ], actions: [])
        let error = try #require(diagnostics([app]).first)
        #expect(error.severity == .error)
        #expect(error.path == "dialect")
        #expect(error.message == "dialect 2 is not supported")
        #expect(error.location == SourceLocation(file: "d.json", line: 1, column: 1))
    }
}
