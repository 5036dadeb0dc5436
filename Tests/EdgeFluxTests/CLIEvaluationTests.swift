import EdgeCore
import EdgeFlux
import Testing

/// `edgeflow flow eval` behaviour, through the function the command prints.
@Suite struct CLIEvaluationTests {
    private func run(
        _ expression: String, payload: String? = nil, context: String? = nil, event: String? = nil
    ) -> CLIEvaluationResult {
        evaluateForCLI(expression: expression, payload: payload, context: context, event: event, clock: ManualClock())
    }

    @Test func printsTheValueAsCompactJSON() {
        #expect(
            run("payload.temp > 80", payload: #"{"temp": 81.5}"#)
                == CLIEvaluationResult(
                    standardOutput: "true", standardError: "", exitCode: 0))
        #expect(run("payload.name", payload: #"{"name": "boiler"}"#).standardOutput == #""boiler""#)
        #expect(run("payload", payload: #"{"a": [1, {"b": null}]}"#).standardOutput == #"{"a":[1,{"b":null}]}"#)
        #expect(run("payload").standardOutput == "null")
        #expect(run("context").standardOutput == "{}")
        #expect(run("now()").standardOutput == "1767225600000")
        #expect(run("'line\\nbreak'").standardOutput == #""line\nbreak""#)
    }

    @Test func eventDefaultsToTheMessage() {
        #expect(run("event.payload.a", payload: #"{"a": 1}"#).standardOutput == "1")
        #expect(run("event.context.c", context: #"{"c": 2}"#).standardOutput == "2")
    }

    @Test func explicitEventFillsMissingMembersFromTheMessage() {
        let event = #"{"payload": {"a": 9}}"#
        #expect(run("event.payload.a", payload: #"{"a": 1}"#, event: event).standardOutput == "9")
        #expect(run("event.context.c", context: #"{"c": 2}"#, event: event).standardOutput == "2")
        #expect(run("event.payload.a", payload: #"{"a": 1}"#, event: #"{"context": {}}"#).standardOutput == "1")
        #expect(run("payload.a", payload: #"{"a": 1}"#, event: event).standardOutput == "1")
    }

    @Test func compileErrorShowsTheExpressionWithACaret() {
        let result = run("payload.temp >> 3")
        #expect(result.exitCode == 2)
        #expect(result.standardOutput.isEmpty)
        let lines = result.standardError.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines.first == "payload.temp >> 3")
        #expect(lines.dropFirst().first == String(repeating: " ", count: 14) + "^")
        #expect(lines.last?.hasPrefix("error: column 15: expected a value") == true)
        #expect(run("foo()").standardError.contains("hint: supported functions: abs"))
    }

    @Test(
        arguments: [
            (
                #"{"temp": }"#, nil, nil,
                "error: --payload is not valid JSON: expected a JSON value but found '}' at 1:10"
            ),
            (nil, "{", nil, "error: --context is not valid JSON: expected a string key but found end of input at 1:2"),
            (nil, nil, "[", "error: --event is not valid JSON"),
            (nil, nil, "[]", "error: --event must be a JSON object"),
            (nil, nil, #"{"payload": 1, "ctx": 2}"#, "error: --event has unknown member 'ctx'"),
        ] as [(String?, String?, String?, String)])
    func malformedOptionsAreNamed(_ payload: String?, _ context: String?, _ event: String?, _ message: String) {
        let result = run("payload", payload: payload, context: context, event: event)
        #expect(result.exitCode == 2)
        #expect(result.standardOutput.isEmpty)
        #expect(result.standardError.hasPrefix(message), "\(result.standardError)")
    }
}
