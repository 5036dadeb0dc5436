@testable import EdgeActions
import EdgeCore
import Testing

/// Every mistake in an `ai` action's config gets its field path and a reason.
struct AIActionSpecTests {
    let schema = #""schema": {"type": "object", "properties": {"alarm": {"type": "boolean"}, "why": {"type": "string"}}, "required": ["alarm"]}"#

    func problems(_ json: String, endpoints: [String] = ["local"]) throws -> [String] {
        AIActionSpec.parse(try JSONValue.parse(json), endpoints: endpoints).problems.map(\.description)
    }

    @Test func aCompleteConfigCompiles() throws {
        let config = try JSONValue.parse(
            #"{"prompt": "Judge.", "data": {"t": "payload.temp"}, \#(schema), "fallback": {"expression": {"alarm": "payload.temp > 90"}}, "approval": "required", "approvalDeadlineSeconds": 60}"#)
        let spec = try #require(AIActionSpec.parse(config, endpoints: ["local"]).spec)
        #expect(spec.endpoint == "local")
        #expect(spec.approvalRequired)
        #expect(spec.approvalDeadlineMilliseconds == 60_000)
        #expect(spec.timeoutNanoseconds == 10_000_000_000)
    }

    @Test func mistakesAreNamed() throws {
        #expect(try problems(#"{"prompt": "Temp is ${payload.temp}", "data": {"t": "payload.temp"}, \#(schema)}"#)
            == ["prompt: the prompt holds instructions only; it cannot contain ${...}"])
        #expect(try problems(#"{"prompt": "x", "data": {}, \#(schema)}"#) == ["data: data must be a non-empty mapping of name: expression"])
        #expect(try problems(#"{"prompt": "x", "data": {"t": "payload.temp >"}, \#(schema)}"#).first?.hasPrefix("data.t: ") == true)
        #expect(try problems(#"{"prompt": "x", "data": {"t": "payload.t"}}"#) == ["schema: respondAsJson needs a schema of the answer"])
        #expect(try problems(#"{"prompt": "x", "data": {"t": "payload.t"}, \#(schema), "endpoint": "cloud"}"#)
            == ["endpoint: no ai endpoint 'cloud' in the config"])
        #expect(try problems(#"{"prompt": "x", "data": {"t": "payload.t"}, \#(schema)}"#, endpoints: ["a", "b"])
            == ["endpoint: name the endpoint to call"])
        #expect(try problems(#"{"prompt": "x", "data": {"t": "payload.t"}, \#(schema), "fallback": {"expression": {"why": "'x'"}}}"#)
            == ["fallback.expression: the rule gives no 'alarm', which the schema requires"])
        #expect(try problems(#"{"prompt": "x", "data": {"t": "payload.t"}, \#(schema), "fallback": {"expression": {"alarm": "true", "level": "1"}}}"#)
            == ["fallback.expression.level: 'level' is not in the schema"])
        #expect(try problems(#"{"prompt": "x", "data": {"t": "payload.t"}, \#(schema), "fallback": "later"}"#)
            == ["fallback: fallback must be hold, safe-state or {expression: ...}"])
        #expect(try problems(#"{"prompt": "x", "data": {"t": "payload.t"}, \#(schema), "approval": "maybe"}"#)
            == ["approval: approval must be required or none"])
        #expect(try problems(#"{"prompt": "x", "data": {"t": "payload.t"}, \#(schema), "approvalDeadlineSeconds": 5}"#)
            == ["approvalDeadlineSeconds: approvalDeadlineSeconds needs approval: required"])
        #expect(try problems(#"{"prompt": "x", "data": {"t": "payload.t"}, \#(schema), "timeoutSeconds": 0}"#)
            == ["timeoutSeconds: timeoutSeconds must be a number above 0 and at most 120"])
        #expect(try problems(#"{"prompt": "x", "data": {"t": "payload.t"}, \#(schema), "modle": "x"}"#).first?.hasPrefix("modle: unknown key 'modle'") == true)
    }
}
