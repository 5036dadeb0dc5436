import EdgeCore
import EdgeFlux
import Testing

/// One expression that must not compile: where and why.
struct ErrorCase: Sendable, CustomTestStringConvertible {
    let source: String
    let column: Int
    let message: String
    let hint: String?
    let allowsResult: Bool

    init(_ source: String, _ column: Int, _ message: String, hint: String? = nil, allowsResult: Bool = false) {
        self.source = source
        self.column = column
        self.message = message
        self.hint = hint
        self.allowsResult = allowsResult
    }

    var testDescription: String { source }
}

let deepParentheses = String(repeating: "(", count: 70) + "1" + String(repeating: ")", count: 70)
let longChain = "1" + String(repeating: " + 1", count: 200)

let expressionErrorCases: [ErrorCase] = [
    ErrorCase("", 1, "expected an expression but found nothing"),
    ErrorCase("   ", 4, "expected an expression but found nothing"),
    ErrorCase(
        "payload.a >", 12, "expected a value (number, string, name or '(') after '>' but found end of expression"),
    ErrorCase("payload.a > 1 &&", 17, "after '&&' but found end of expression"),
    ErrorCase("(1 + 2", 7, "expected ')' to close '(' at column 1 but found end of expression"),
    ErrorCase("1 + 2)", 6, "unexpected ')' after the end of the expression", hint: "no matching '('"),
    ErrorCase("payload.a]", 10, "unexpected ']'", hint: "no matching '['"),
    ErrorCase("payload..a", 9, "expected a property name after '.' but found '.'"),
    ErrorCase("payload.values.1", 16, "expected a property name after '.' but found number 1", hint: "use [1]"),
    ErrorCase("payload.'a b'", 9, "expected a property name", hint: "use ['a b']"),
    ErrorCase("payload.", 9, "expected a property name after '.' but found end of expression"),
    ErrorCase("payload.a = 1", 11, "unexpected '='", hint: "use == to compare"),
    ErrorCase("1 === 1", 3, "'===' is not supported", hint: "use =="),
    ErrorCase("1 !== 1", 3, "'!==' is not supported", hint: "use !="),
    ErrorCase("payload.a & 1", 11, "unexpected '&'", hint: "use &&"),
    ErrorCase("payload.a | 1", 11, "unexpected '|'", hint: "use ||"),
    ErrorCase("foo(1)", 1, "unknown function 'foo'", hint: "supported functions: abs, ceil, contains"),
    ErrorCase("payload.a && Len(payload.s)", 14, "unknown function 'Len'", hint: "len, max, min, now"),
    ErrorCase(#"startsWith("a")"#, 1, "'startsWith' takes 2 arguments but was given 1"),
    ErrorCase("now(1)", 1, "'now' takes 0 arguments but was given 1"),
    ErrorCase("round()", 1, "'round' takes 1 or 2 arguments but was given 0"),
    ErrorCase("min()", 1, "'min' takes at least 1 argument but was given 0"),
    ErrorCase("len(1, 2)", 1, "'len' takes 1 argument but was given 2"),
    ErrorCase("1 + toUpperCase()", 5, "'toUpperCase' takes 1 argument but was given 0"),
    ErrorCase(
        "Payload.x", 1, "unknown name 'Payload'", hint: "names are payload, context, event.payload and event.context"),
    ErrorCase("x > 1", 1, "unknown name 'x'"),
    ErrorCase("result.status", 1, "'result' is only available in output.transform.content"),
    ErrorCase("foo", 1, "unknown name 'foo'", hint: "event.context and result", allowsResult: true),
    ErrorCase("event.foo", 7, "event has no member 'foo'", hint: "use event.payload or event.context"),
    ErrorCase(#"event["foo"]"#, 7, "event has no member 'foo'"),
    ErrorCase(
        "payload.x.startsWith('a')", 11, "'startsWith' cannot be called as a method", hint: "startsWith(value, ...)"),
    ErrorCase("payload.s.trim()", 11, "'trim' cannot be called as a method"),
    ErrorCase("payload()", 1, "'payload' is not a function"),
    ErrorCase("(1)(2)", 2, "only functions can be called"),
    ErrorCase("'abc", 1, "unterminated string", hint: "close it with '"),
    ErrorCase("x == \"abc", 6, "unterminated string", hint: "close it with \""),
    ErrorCase(#""a\qb""#, 3, "invalid escape '\\q' in string"),
    ErrorCase(#""\u12""#, 2, "expected four hex digits after \\u"),
    ErrorCase(#""\uD800""#, 2, "unpaired surrogate \\uD800"),
    ErrorCase(#""\uDC00x""#, 2, "unpaired surrogate \\uDC00"),
    ErrorCase("\"a\\", 3, "unterminated escape"),
    ErrorCase("0x1F", 1, "invalid number '0x1F'"),
    ErrorCase("12abc > 1", 1, "invalid number '12abc'"),
    ErrorCase("007", 1, "leading zeros are not allowed", hint: "write 7"),
    ErrorCase("1e", 2, "expected digits in the exponent"),
    ErrorCase("1e+ 2", 2, "expected digits in the exponent"),
    ErrorCase("1e999", 1, "number '1e999' is out of range"),
    ErrorCase(".5", 1, "expected a value (number, string, name or '(') but found '.'"),
    ErrorCase("payload.a # 1", 11, "unexpected character '#'"),
    ErrorCase("payload.a 1", 11, "unexpected number 1 after the end of the expression", hint: "operator"),
    ErrorCase("payload.a payload.b", 11, "unexpected name 'payload'"),
    ErrorCase("payload[]", 9, "expected an index or key inside '[]'"),
    ErrorCase("payload[1", 10, "expected ']' to close '[' at column 8"),
    ErrorCase("len(1, 2", 9, "expected ',' or ')' to close '(' at column 4"),
    ErrorCase("len(1,)", 7, "expected a value"),
    ErrorCase("()", 2, "expected an expression inside '()'"),
    ErrorCase("now", 1, "unknown name 'now'", hint: "call it as now(...)"),
    ErrorCase("undefined", 1, "unknown name 'undefined'", hint: "use null"),
    ErrorCase(deepParentheses, 65, "nested too deeply"),
    ErrorCase(longChain, 511, "nested too deeply"),
    ErrorCase(String(repeating: "!", count: 100) + "true", 64, "nested too deeply"),
    ErrorCase("\"a\nb\"", 3, "control character U+A inside a string", hint: "\\n"),
    ErrorCase("é", 1, "unexpected character 'é'"),
    ErrorCase("\"日本\" # 1", 6, "unexpected character '#'"),
    ErrorCase("payload.日本", 9, "unexpected character '日'"),
    ErrorCase("a\u{7}", 2, "unexpected character U+7"),
    ErrorCase("{}", 1, "unexpected character '{'"),
    ErrorCase("payload.a ? 1 : 2", 11, "unexpected character '?'"),
    ErrorCase("payload.a\t>\t", 13, "after '>'"),
]

@Suite struct ExpressionErrorTests {
    @Test(arguments: expressionErrorCases)
    func malformedExpressionsReportColumnAndReason(_ testCase: ErrorCase) {
        let options = CompileOptions(allowsResult: testCase.allowsResult)
        do {
            _ = try CompiledExpression(testCase.source, options: options)
            Issue.record("compiled")
        } catch {
            #expect(error.column == testCase.column, "\(error)")
            #expect(error.message.contains(testCase.message), "\(error)")
            if let hint = testCase.hint {
                #expect(error.hint?.contains(hint) == true, "\(error)")
            }
        }
        // The tree walker and the condition form are built from the same checks.
        #expect(throws: ExpressionError.self) { try TreeWalkInterpreter(testCase.source, options: options) }
        if !testCase.source.allSatisfy(\.isWhitespace) {
            #expect(throws: ExpressionError.self) { try CompiledCondition(testCase.source, options: options) }
        }
    }

    @Test func unknownFunctionListsEverySupportedName() {
        let names = [
            "now", "getUTCDayOfWeek", "datetimeFromISOString", "startsWith", "toUpperCase", "len", "toLowerCase",
            "endsWith", "contains", "abs", "round", "floor", "ceil", "min", "max", "toNumber", "toString",
            "getUTCHours", "getUTCMinutes", "formatISOString",
        ]
        do {
            _ = try CompiledExpression("bogus()")
        } catch {
            for name in names { #expect(error.hint?.contains(name) == true, "\(name)") }
        }
        for name in names {
            // Each supported name resolves (an arity error, if any, is not "unknown function").
            do {
                _ = try ParsedExpression("\(name)(1)")
            } catch {
                #expect(!error.message.contains("unknown function"), "\(name)")
            }
        }
    }

    @Test func renderedErrorPutsACaretUnderTheColumn() throws {
        do {
            _ = try CompiledExpression("payload.temp >\t")
            Issue.record("compiled")
        } catch {
            let lines = error.rendered(source: "payload.temp >\t").split(
                separator: "\n", omittingEmptySubsequences: false)
            #expect(lines[0] == "payload.temp > ")
            #expect(lines[1] == String(repeating: " ", count: 15) + "^")
            #expect(lines[2].hasPrefix("error: column 16: expected a value"))
        }
        do {
            _ = try Template("line one\n  ${payload.a +}")
            Issue.record("compiled")
        } catch {
            #expect(error.column == 25)
            #expect(error.lineAndColumn(in: "line one\n  ${payload.a +}") == (2, 16))
        }
        let error = ExpressionError(column: 3, message: "m", hint: "h")
        #expect(error.description == "column 3: m (hint: h)")
        #expect(error.rendered(source: "abc") == "abc\n  ^\nerror: column 3: m\nhint: h")
    }
}
