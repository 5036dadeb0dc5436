import EdgeCore
import EdgeFlux
import Testing

@Suite struct TemplateTests {
    @Test func specificationExampleRendersCount() throws {
        let template = try Template("${len(payload.objects)} people")
        #expect(template.render(environment(payload: json(#"{"objects": [1, 2, 3]}"#))) == "3 people")
    }

    @Test func jsonTemplateRendersValidJSON() throws {
        let template = try Template(#"{"temp": ${payload.temp}, "name": "${payload.name}", "ok": ${payload.ok}}"#)
        let text = template.render(environment(payload: json(#"{"temp": 81.5, "name": "boiler", "ok": true}"#)))
        #expect(text == #"{"temp": 81.5, "name": "boiler", "ok": true}"#)
        #expect(try JSONValue.parse(text) == json(#"{"temp": 81.5, "name": "boiler", "ok": true}"#))
    }

    @Test(
        arguments: [
            ("${payload.s}", "hello"), ("${payload.t}", "21.5"), ("${payload.a}", "2"),
            ("${0.1 + 0.2}", "0.30000000000000004"),
            ("${payload.flag}", "true"), ("${payload.off}", "false"), ("${payload.nul}", "null"),
            ("${payload.missing}", "null"),
            ("${payload.arr}", "[1,2,3]"), ("${payload.o1}", #"{"x":1,"y":[1,2]}"#),
            ("${payload.double}", #"say "hi""#),
            ("${1e21}", "1e+21"), ("${-0.5}", "-0.5"), ("${payload.a / 0}", "null"), ("cost $5", "cost $5"),
            ("$$", "$$"),
            ("a$", "a$"), ("$ {x}", "$ {x}"), ("${'$'}", "$"), (#"${"}"}"#, "}"), ("${'${'}", "${"), ("", ""),
            ("plain text", "plain text"), ("${payload.a}-${payload.b}", "2-5"), ("${payload.a}${payload.b}", "25"),
            ("日本 ${payload.uni} 語", "日本 日本語 語"), ("${ payload.a + 1 }", "3"), ("{${payload.a}}", "{2}"),
            ("${formatISOString(now())}", "2026-01-01T00:00:00.000Z"),
            ("${payload.s + '!'} ${len(payload.s)}", "hello! 5"),
            ("${payload.a > 1 && payload.b > 1}", "true"), ("${toUpperCase(event.payload.s)}", "HELLO"),
            ("${context.resource.resourceId}/${payload.a}", "boiler/2"), ("${payload.emoji}", "😀"),
        ] as [(String, String)])
    func rendersEachValueKind(_ source: String, _ expected: String) throws {
        let template = try Template(source)
        #expect(template.render(environment(payload: json(richPayload), context: json(deviceContext))) == expected)
    }

    @Test func renderAppendsToExistingText() throws {
        var out = "prefix:"
        try Template("${payload}").render(environment(payload: 1), into: &out)
        #expect(out == "prefix:1")
    }

    @Test func constantTemplatesAreKnownAtCompileTime() throws {
        #expect(try Template("abc").isConstant)
        #expect(try Template("a${1 + 2}b").isConstant)
        #expect(try Template("a${1 + 2}b").render(environment()) == "a3b")
        #expect(try !Template("${now()}").isConstant)
        #expect(try !Template("x${payload}").isConstant)
    }

    @Test func singleExpressionTemplateExposesItsExpression() throws {
        let single = try Template("${payload.o1}").singleExpression
        #expect(single?.evaluate(environment(payload: json(richPayload))) == json(#"{"x": 1, "y": [1, 2]}"#))
        #expect(try Template("x${payload}").singleExpression == nil)
        #expect(try Template("${payload} ").singleExpression == nil)
    }

    @Test func resultIsAvailableWhenAllowed() throws {
        let options = CompileOptions(allowsResult: true)
        let template = try Template(#"{"status": ${result.status}, "in": ${payload}}"#, options: options)
        #expect(
            template.render(environment(payload: 1, result: json(#"{"status": 200}"#))) == #"{"status": 200, "in": 1}"#)
        #expect(throws: ExpressionError.self) { try Template("${result}") }
    }

    @Test func slotBackedTemplateMatchesJSON() throws {
        let payload = json(#"{"temp": 81.5, "pressure": 1.2}"#)
        let slots = try #require(SlotPayload(payload))
        let source =
            #"{"temp": ${payload.temp}, "n": ${len(payload)}, "all": ${payload}, "e": ${event.payload.pressure}}"#
        let template = try Template(source, options: CompileOptions(pointSlots: slots.table))
        let expected = #"{"temp": 81.5, "n": 2, "all": {"temp":81.5,"pressure":1.2}, "e": 1.2}"#
        #expect(slots.withEnvironment { template.render($0) } == expected)
        #expect(template.render(environment(payload: payload)) == expected)
    }

    @Test(
        arguments: [
            ("${", 1, "unterminated '${'"), ("ab ${payload.x", 4, "unterminated '${'"), ("${}", 1, "empty '${}'"),
            ("x ${ } y", 3, "empty '${}'"), ("x ${1 +} y", 8, "after '+' but found '}'"),
            ("abc ${payload.} def", 15, "expected a property name after '.' but found '}'"),
            ("日本 ${foo()}", 6, "unknown function 'foo'"), ("${a b}", 5, "unexpected name 'b'"),
            ("${payload b}", 11, "unexpected name 'b'"), ("${'unterminated}", 3, "unterminated string"),
            ("${ ${x} }", 5, "unexpected character '{'"), ("ok ${payload.a} then ${payload.b ==}", 36, "after '=='"),
            ("${result}", 3, "'result' is only available"), ("${len(1, 2)}", 3, "'len' takes 1 argument"),
        ] as [(String, Int, String)])
    func malformedTemplatesReportTheColumnInTheWholeString(_ source: String, _ column: Int, _ message: String) {
        do {
            _ = try Template(source)
            Issue.record("compiled")
        } catch {
            #expect(error.column == column, "\(error)")
            #expect(error.message.contains(message), "\(error)")
        }
    }
}
