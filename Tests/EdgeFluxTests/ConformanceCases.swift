import Testing

/// One conformance case: an expression, its inputs as JSON text and its expected value.
struct Case: Sendable, CustomTestStringConvertible {
    let expression: String
    let expected: String
    let payload: String
    let context: String
    let eventPayload: String?
    let eventContext: String?

    var testDescription: String { expression }
}

/// A message like a webhook body: every JSON type, nesting, unicode.
let richPayload = """
    {"a": 2, "b": 5, "t": 21.5, "neg": -3, "zero": 0, "s": "hello", "t2": "world", "e": "", "flag": true,
     "off": false, "nul": null, "arr": [1, 2, 3], "empty": [], "obj": {"k": "v", "1": "one"},
     "o1": {"x": 1, "y": [1, 2]}, "o2": {"y": [1, 2], "x": 1}, "matrix": [[1, 2], [3, 4]], "i": 1,
     "key with spaces": 7, "uni": "日本語", "emoji": "😀", "nested": {"deep": {"deeper": {"value": 42}}},
     "iso": "2026-01-02T03:04:05.678Z", "num": "42", "single": "it's", "double": "say \\"hi\\""}
    """

/// A device reading: numbers only, so these cases also run on slot frames.
let numericPayload = #"{"a": 2, "b": 5, "t": 21.5, "neg": -3, "zero": 0, "big": 1e300, "temp": 81.5}"#

let deviceContext =
    #"{"eventType": "device", "resource": {"resourceId": "boiler", "resourceType": "modbus"}, "#
    + #""protocol": "modbus", "timestamp": 1767225600000}"#

private func c(
    _ expression: String, _ expected: String, payload: String = richPayload, context: String = deviceContext,
    eventPayload: String? = nil, eventContext: String? = nil
) -> Case {
    Case(
        expression: expression, expected: expected, payload: payload, context: context, eventPayload: eventPayload,
        eventContext: eventContext)
}

/// A case on the numeric payload.
private func n(_ expression: String, _ expected: String) -> Case {
    c(expression, expected, payload: numericPayload)
}

/// Every example of docs/flow-language.md §5 (the template example is in TemplateTests).
let specificationExamples: [Case] = [
    c("(payload.temperature - 2.12) >= 32.8", "true", payload: #"{"temperature": 42}"#),
    c(
        #"startsWith(toUpperCase(event.payload.clicktype), "SINGLE") || context.protocol == "http""#, "true",
        payload: "{}", context: "{}", eventPayload: #"{"clicktype": "single"}"#, eventContext: "{}"),
    c(#"payload.values[1].foo["click type"]"#, #""x""#, payload: #"{"values": [0, {"foo": {"click type": "x"}}]}"#),
    c("payload.num < payload.length - 1", "true", payload: #"{"num": 3, "length": 5}"#),
    c("payload.missing.deeper == null", "true", payload: "{}"),
]

let literalAndArithmeticCases: [Case] = [
    c("1", "1"), c("1.5", "1.5"), c("1e3", "1000"), c("2.5E-3", "0.0025"), c("0", "0"), c("0.5", "0.5"),
    c("1E+2", "100"), c(#""abc""#, #""abc""#), c("'abc'", #""abc""#), c("true", "true"), c("false", "false"),
    c("null", "null"), c("  1  +\t2\n ", "3"),
    n("1 + 2 * 3", "7"), n("(1 + 2) * 3", "9"), n("10 - 4 - 3", "3"), n("100 / 10 / 5", "2"), n("2 * 3 % 4", "2"),
    n("7 % 3", "1"), n("-7 % 3", "-1"), n("7 % -3", "1"), n("5.5 % 2", "1.5"), n("1 / 0", "null"),
    n("0 / 0", "null"), n("5 % 0", "null"), n("-1 / 0", "null"), n("1e308 * 10", "null"), n("-(3)", "-3"),
    n("--3", "3"), n("- - 3", "3"), n("2 - -2", "4"), n("2--2", "4"), n("-2 * -2", "4"), n("1 - 2 - 3", "-4"),
    n("2 * 3 + 4 * 5", "26"), n("0.1 + 0.2", "0.30000000000000004"), n("7 / 2", "3.5"), n("2 * 3 / 4", "1.5"),
    n("payload.a + payload.b", "7"), n("payload.a * payload.t", "43"), n("payload.b / payload.zero", "null"),
    n("payload.b % payload.a", "1"), n("-payload.a", "-2"), n("-payload.neg", "3"),
    n("payload.big * payload.big", "null"),
    n("payload.a + payload.missing", "null"), n("payload.missing * 2", "null"), n("-payload.missing", "null"),
    n("payload.t - payload.t", "0"), n("(payload.a + payload.b) * (payload.b - payload.a)", "21"),
    n("payload.unreadPoint + 1", "null"), n("payload.temp", "81.5"), n("payload.unreadPoint", "null"),
    c(#"-"x""#, "null"), c("-null", "null"), c("1 + null", "null"), c("null + null", "null"),
    c(#""a" + "b""#, #""ab""#), c(#""a" + 1"#, "null"), c(#"1 + "a""#, "null"), c(#""a" - "b""#, "null"),
    c(#""a" * 2"#, "null"), c("true + 1", "null"), c("payload.arr + 1", "null"),
    c(#"payload.s + "-" + payload.t2"#, #""hello-world""#), c("payload.s + payload.e", #""hello""#),
    c("payload.s + payload.a", "null"), c("-payload.s", "null"), c("payload.obj * 2", "null"),
]

let logicCases: [Case] = [
    c("!true", "false"), c("!false", "true"), c("!null", "true"), c("!0", "true"), c("!1", "true"),
    c(#"!"x""#, "true"), c("!!true", "true"), c("!!1", "false"), c("!payload.flag", "false"),
    c("!payload.off", "true"), c("!payload.missing", "true"), c("!payload.arr", "true"),
    c("true && true", "true"), c("true && 1", "false"), c("1 && true", "false"), c("null || true", "true"),
    c(#""x" || false"#, "false"), c("false || false", "false"), c("true || payload.x", "true"),
    c("false && payload.x", "false"), c("payload.flag && payload.flag", "true"),
    c("payload.flag && payload.off", "false"),
    c("payload.off || payload.flag", "true"), c("payload.nul || payload.nul", "false"),
    c("true || false && false", "true"), c("(true || false) && false", "false"), c("false && true || true", "true"),
    c("!true || true", "true"), c("!(true || true)", "false"), c("true && true && true && true && false", "false"),
    c("false || false || false || false || true", "true"), c("true && true && true && true && true", "true"),
    n("1 + 1 == 2 && 2 * 2 == 4", "true"), n("1 < 2 && 2 < 3 || false", "true"),
    n("payload.a > 1 && payload.b < 10 && payload.t >= 21.5 && payload.neg != 0", "true"),
    n("payload.a > 1 && payload.b < 5 && payload.t >= 21.5 && payload.neg != 0", "false"),
    n("payload.a > 10 || payload.b > 10 || payload.t > 10", "true"),
    n("payload.a > 10 || payload.b > 10 || payload.t > 100 || payload.zero > 0", "false"),
    n("!(payload.a > 1)", "false"), n("payload.missing > 1 || !(payload.missing > 1)", "true"),
]

let comparisonCases: [Case] = [
    c("1 == 1.0", "true"), c(#""a" == "a""#, "true"), c(#""a" == 'a'"#, "true"), c(#"1 == "1""#, "false"),
    c("null == null", "true"), c("null == false", "false"), c("0 == false", "false"), c(#""" == null"#, "false"),
    c("payload.o1 == payload.o2", "true"), c("payload.arr == payload.arr", "true"),
    c("payload.arr == payload.empty", "false"),
    c("payload.matrix[0] == payload.o1.y", "true"), c("payload.o1 != payload.o2", "false"), c("true != false", "true"),
    c("payload.missing == payload.other", "true"), c("payload.nul == null", "true"), c("payload.flag == true", "true"),
    c("payload.e == \"\"", "true"), c(#""\u00e9" == "é""#, "true"), c(#""e\u0301" == "é""#, "false"),
    c(#""a" < "b""#, "true"), c(#""abc" < "abd""#, "true"), c(#""B" < "a""#, "true"), c(#""a" < "B""#, "false"),
    c(#""" < "a""#, "true"), c(#""é" > "z""#, "true"), c(#""10" < "9""#, "true"), c("10 < 9", "false"),
    c(#"1 < "2""#, "false"), c(#""1" < 2"#, "false"), c("null < 1", "false"), c("null >= null", "false"),
    c("null <= null", "false"), c("true > false", "false"), c("1 <= 1", "true"), c("1 >= 1.0", "true"),
    c("payload.arr < payload.arr", "false"), c(#""abc" <= "abc""#, "true"), c(#""abc" >= "abd""#, "false"),
    c("payload.s > payload.t2", "false"), c("payload.s < payload.t2", "true"), c(#"payload.s == "hello""#, "true"),
    c(#"payload.s != "hello""#, "false"), c(#"payload.a != "2""#, "true"), c(#"payload.missing != "x""#, "true"),
    c(#"payload.s >= "hello""#, "true"), c(#"payload.a < "z""#, "false"), c("payload.s > 1", "false"),
    c("payload.a > true", "false"), c("payload.a == payload.i + 1", "true"),
    n("1 + 2 < 4", "true"), n("1 < 2 == true", "true"), n("1 == 1 == true", "true"), n("2 > 1 > 0", "false"),
    n("payload.t > 21", "true"), n("payload.t >= 21.5", "true"), n("payload.t < 21.5", "false"),
    n("payload.t <= 21.5", "true"), n("payload.t == 21.5", "true"), n("payload.t != 21.5", "false"),
    n("21 < payload.t", "true"), n("22 <= payload.t", "false"), n("21.5 == payload.t", "true"),
    n("22 > payload.t", "true"), n("21.5 >= payload.t", "true"), n("0 != payload.t", "true"),
    n("payload.missing > 0", "false"), n("payload.missing < 0", "false"), n("payload.missing == 0", "false"),
    n("payload.missing != 0", "true"), n("payload.missing == null", "true"), n("payload.missing != null", "false"),
    n("null == payload.missing", "true"), n("payload.unreadPoint == null", "true"),
    n("payload.unreadPoint > 0", "false"),
    n("payload.t == null", "false"), n("payload.t != null", "true"), n("payload.a < payload.b", "true"),
    n("payload.a == payload.b", "false"), n("payload.missing == payload.other", "true"),
    n("payload.missing >= payload.other", "false"), n("payload.a * 2 < payload.b", "true"),
    n("payload.a + payload.b == 7", "true"), n("abs(payload.neg) == 3", "true"), n("-payload.a < payload.neg", "false"),
    n(#"payload.a == "2""#, "false"), n(#"payload.a < "3""#, "false"), n("payload.a == true", "false"),
    n("payload.temp > 80", "true"), n("payload.temp > 80 && payload.temp < 90", "true"),
    c(#"context.resource.resourceId == "boiler""#, "true"), c(#"context.resource.resourceType != "gpio""#, "true"),
    c(#"payload.temp > 80 && context.resource.resourceId == "boiler""#, "true", payload: numericPayload),
    c(#"context.eventType == "device" && payload.a == 2"#, "true", payload: numericPayload),
]

let accessCases: [Case] = [
    c("payload.nested.deep.deeper.value", "42"), c("payload.nested.deep.missing.value", "null"),
    c("payload.arr[0]", "1"), c("payload.arr[2]", "3"), c("payload.arr[3]", "null"), c("payload.arr[-1]", "null"),
    c("payload.arr[1.5]", "null"), c(#"payload.arr["0"]"#, "null"), c(#"payload.obj["k"]"#, #""v""#),
    c("payload.obj[1]", #""one""#), c(#"payload["a"]"#, "2"), c("payload.arr.length", "null"),
    c("payload.s[0]", "null"),
    c("payload.a.x", "null"), c("payload.matrix[1][0]", "3"), c(#"payload["key with spaces"]"#, "7"),
    c("payload['key with spaces']", "7"), c("payload.arr[payload.i]", "2"), c("payload.arr[payload.i + 1]", "3"),
    c("payload.arr[payload.missing]", "null"), c("payload.missing[0]", "null"), c("payload.nul.x", "null"),
    c("payload.flag.x", "null"), c("payload.o1.y[1]", "2"), c("payload.arr[true]", "null"),
    c("payload.obj[null]", "null"),
    c("context.resource.resourceId", #""boiler""#), c("context.timestamp", "1767225600000"),
    c("context.missing.x", "null"),
    c(#"context["resource"]["resourceType"]"#, #""modbus""#), c("payload.empty[0]", "null"), c("payload.null", "null"),
    c("payload.true", "null"), c("payload.matrix[0][5]", "null"), c("payload.nested.deep.deeper", #"{"value": 42}"#),
    c("payload.o1", #"{"x": 1, "y": [1, 2]}"#), c("(payload).a", "2"), c("(payload.nested).deep.deeper.value", "42"),
    c("payload", #"{"a": 1, "b": [true]}"#, payload: #"{"a": 1, "b": [true]}"#), c("payload", "null", payload: "null"),
    c("payload.a", "null", payload: "[1, 2]"), c("payload[1]", "2", payload: "[1, 2]"),
    c("payload", #""text""#, payload: #""text""#),
    c("event.payload.x", "1", eventPayload: #"{"x": 1}"#, eventContext: #"{"y": 2}"#),
    c("event.context.y", "2", eventPayload: #"{"x": 1}"#, eventContext: #"{"y": 2}"#),
    c("event", #"{"payload": {"x": 1}, "context": {"y": 2}}"#, eventPayload: #"{"x": 1}"#, eventContext: #"{"y": 2}"#),
    c(#"event["payload"].x"#, "1", eventPayload: #"{"x": 1}"#, eventContext: "{}"),
    c("event.payload.a.b.c.d", "5", eventPayload: #"{"a": {"b": {"c": {"d": 5}}}}"#, eventContext: "{}"),
    c("event.payload.a == payload.a", "false", eventPayload: #"{"a": 9}"#, eventContext: "{}"),
    n("event.payload.a", "2"), n("event.payload.a == payload.a", "true"),
    n("event.context.resource.resourceId", #""boiler""#),
    n("event.payload.missing", "null"), n("event.payload.temp > 80", "true"), n("len(event.payload) > 3", "true"),
    n("payload.a.b", "null"), n("payload.temp.x", "null"), n(#"payload["temp"]"#, "81.5"),
    n(#"payload["unreadPoint"]"#, "null"), n(#"payload[toString("te") + "mp"]"#, "81.5"),
    n(#"payload["te" + "mp"]"#, "81.5"), n(#"payload[toLowerCase("TEMP")] > 80"#, "true"),
]

let functionCases: [Case] = [
    c(#"len("abc")"#, "3"), c(#"len("")"#, "0"), c(#"len("héllo")"#, "5"), c(#"len("😀")"#, "1"),
    c("len(payload.uni)", "3"),
    c("len(payload.arr)", "3"), c("len(payload.obj)", "2"), c("len(5)", "null"), c("len(null)", "null"),
    c("len(payload.empty)", "0"), c("len(payload.flag)", "null"),
    c(#"toUpperCase("abc")"#, #""ABC""#), c(#"toUpperCase("straße")"#, #""STRASSE""#), c("toUpperCase(1)", "null"),
    c(#"toLowerCase("ÀB")"#, #""àb""#), c("toLowerCase(null)", "null"), c("toUpperCase(payload.uni)", #""日本語""#),
    c(#"startsWith("hello", "he")"#, "true"), c(#"startsWith("hello", "")"#, "true"),
    c(#"startsWith("he", "hello")"#, "false"),
    c(#"startsWith(1, "1")"#, "null"), c(#"startsWith("x", null)"#, "null"), c(#"endsWith("hello", "llo")"#, "true"),
    c(#"endsWith("naïve", "ïve")"#, "true"), c(#"endsWith("hello", "he")"#, "false"), c(#"endsWith("", "")"#, "true"),
    c(#"endsWith("lo", "hello")"#, "false"), c(#"endsWith(payload.arr, "3")"#, "null"),
    c(#"contains("hello", "ell")"#, "true"), c(#"contains("hello", "xyz")"#, "false"), c(#"contains("", "")"#, "true"),
    c(#"contains("abc", "")"#, "true"), c("contains(payload.arr, 2)", "true"),
    c(#"contains(payload.arr, "2")"#, "false"),
    c("contains(payload.matrix, payload.o1.y)", "true"), c("contains(5, 5)", "null"),
    c(#"contains("aaab", "aab")"#, "true"),
    c(#"contains("ab", "abc")"#, "false"), c(#"contains(payload.uni, "本")"#, "true"),
    c("contains(payload.empty, null)", "false"),
    c("abs(-3)", "3"), c(#"abs("3")"#, "null"), c("abs(payload.neg)", "3"), c("round(2.5)", "3"),
    c("round(-2.5)", "-2"),
    c("round(2.4)", "2"), c("round(-0.4)", "0"), c("round(3.14159, 2)", "3.14"), c("round(1234.5, -2)", "1200"),
    c("round(1, 1.5)", "null"), c("round(1, 16)", "null"), c(#"round("1")"#, "null"),
    c("round(0.49999999999999994)", "0"),
    c("floor(-1.5)", "-2"), c("ceil(-1.5)", "-1"), c("floor(1.5)", "1"), c("ceil(1.2)", "2"), c(#"floor("1")"#, "null"),
    c("min(3, 1, 2)", "1"), c("max(3, 1, 2)", "3"), c("min(5)", "5"), c("min(payload.arr)", "1"),
    c("max(payload.arr)", "3"),
    c(#"max("a", 1)"#, "null"), c("min(payload.empty)", "null"), c("max(1, 2)", "2"), c("min(-1, payload.a)", "-1"),
    c(#"min("a")"#, "null"), c("max(1, 2, 3, 4, null)", "null"),
    c(#"toNumber("42")"#, "42"), c(#"toNumber(" 4.5 ")"#, "4.5"), c(#"toNumber("1e3")"#, "1000"),
    c(#"toNumber("abc")"#, "null"),
    c(#"toNumber("")"#, "null"), c(#"toNumber("0x10")"#, "null"), c(#"toNumber("inf")"#, "null"),
    c(#"toNumber("nan")"#, "null"),
    c("toNumber(true)", "1"), c("toNumber(false)", "0"), c("toNumber(null)", "null"), c(#"toNumber("-.5")"#, "-0.5"),
    c(#"toNumber("+7")"#, "7"), c("toNumber(payload.arr)", "null"), c("toNumber(payload.num) + 1", "43"),
    c(#"toNumber("1e999")"#, "null"), c(#"toNumber("5.")"#, "5"), c(#"toNumber(".")"#, "null"),
    c(#"toNumber("1e")"#, "null"),
    c("toString(1.5)", #""1.5""#), c("toString(3)", #""3""#), c("toString(true)", #""true""#),
    c("toString(null)", #""null""#),
    c(#"toString("x")"#, #""x""#), c("toString(payload.arr)", #""[1,2,3]""#),
    c("toString(payload.obj)", #""{\"k\":\"v\",\"1\":\"one\"}""#),
    c("toString(1e21)", #""1e+21""#), c("toString(-0.5)", #""-0.5""#), c("toString(payload.a) + \"x\"", #""2x""#),
    c("now()", "1767225600000"), c("now() > 0", "true"), c("now() - context.timestamp", "0"),
    n("abs(payload.neg) + floor(payload.t)", "24"), n("round(payload.t)", "22"), n("ceil(payload.missing)", "null"),
    n("max(payload.a, payload.b, payload.t)", "21.5"), n("min(payload.a, payload.missing)", "null"),
]

let dateCases: [Case] = [
    c("getUTCDayOfWeek(0)", "4"), c("getUTCDayOfWeek(now())", "4"), c("getUTCDayOfWeek(-1)", "3"),
    c("getUTCDayOfWeek(1767323045678)", "5"), c("getUTCHours(3600000 * 5 + 1)", "5"), c("getUTCMinutes(90061000)", "1"),
    c("getUTCHours(-1)", "23"), c("getUTCMinutes(-1)", "59"), c(#"getUTCDayOfWeek("x")"#, "null"),
    c("getUTCDayOfWeek(9e15)", "null"), c("getUTCHours(1767323045678)", "3"), c("getUTCMinutes(1767323045678)", "4"),
    c("getUTCHours(null)", "null"),
    c(#"datetimeFromISOString("1970-01-01T00:00:00Z")"#, "0"),
    c(#"datetimeFromISOString("2026-01-02T03:04:05.678Z")"#, "1767323045678"),
    c("datetimeFromISOString(payload.iso)", "1767323045678"),
    c(#"datetimeFromISOString("2026-01-02T03:04:05.678+09:00")"#, "1767290645678"),
    c(#"datetimeFromISOString("2026-01-02")"#, "1767312000000"),
    c(#"datetimeFromISOString("2026-01-02T03:04:05Z")"#, "1767323045000"),
    c(#"datetimeFromISOString("2026-01-02 03:04:05z")"#, "1767323045000"),
    c(#"datetimeFromISOString("2026-01-02t03:04:05Z")"#, "1767323045000"),
    c(#"datetimeFromISOString("2026-01-02T03:04:05.6789123Z")"#, "1767323045678"),
    c(#"datetimeFromISOString("2026-01-02T03:04:05,5Z")"#, "1767323045500"),
    c(#"datetimeFromISOString("20260102T030405Z")"#, "1767323045000"),
    c(#"datetimeFromISOString("2026-01-02T03:04:05-0530")"#, "1767342845000"),
    c(#"datetimeFromISOString("2026-01-02T03:04:05-05:30")"#, "1767342845000"),
    c(#"datetimeFromISOString("2026-01-02T08:04:05+05")"#, "1767323045000"),
    c(#"datetimeFromISOString("2026-01-02T03:04:05")"#, "1767323045000"),
    c(#"datetimeFromISOString("2026-01-02T03:04Z")"#, "1767323040000"),
    c(#"datetimeFromISOString("2026-01")"#, "1767225600000"), c(#"datetimeFromISOString("2026")"#, "1767225600000"),
    c(#"datetimeFromISOString("2016-12-31T23:59:60Z")"#, "1483228800000"),
    c(#"datetimeFromISOString("1969-12-31T23:59:59.999Z")"#, "-1"),
    c(#"datetimeFromISOString("2024-02-29T12:34:56.789Z")"#, "1709210096789"),
    c(#"datetimeFromISOString("2026-02-30")"#, "null"), c(#"datetimeFromISOString("2026-13-01")"#, "null"),
    c(#"datetimeFromISOString("2023-02-29")"#, "null"), c(#"datetimeFromISOString("2026-01-02T24:00:00Z")"#, "null"),
    c(#"datetimeFromISOString("2026-01-02T03:60:00Z")"#, "null"), c(#"datetimeFromISOString("garbage")"#, "null"),
    c(#"datetimeFromISOString("")"#, "null"), c("datetimeFromISOString(5)", "null"),
    c(#"datetimeFromISOString("2026-01-02T03:04:05.Z")"#, "null"), c(#"datetimeFromISOString(" 2026-01-02")"#, "null"),
    c(#"datetimeFromISOString("2026-01-02T03:04:05+24:00")"#, "null"),
    c(#"datetimeFromISOString("2026-01-02T03:04:05Zjunk")"#, "null"), c(#"datetimeFromISOString("2026-1-2")"#, "null"),
    c("formatISOString(0)", #""1970-01-01T00:00:00.000Z""#), c("formatISOString(-1)", #""1969-12-31T23:59:59.999Z""#),
    c("formatISOString(1767323045678)", #""2026-01-02T03:04:05.678Z""#), c(#"formatISOString("x")"#, "null"),
    c("formatISOString(1e20)", "null"), c("formatISOString(-62167219200000)", #""0000-01-01T00:00:00.000Z""#),
    c("formatISOString(-62167219200001)", "null"), c("formatISOString(951782400000)", #""2000-02-29T00:00:00.000Z""#),
    c("formatISOString(1.9)", #""1970-01-01T00:00:00.001Z""#),
    c("formatISOString(now())", #""2026-01-01T00:00:00.000Z""#),
    c("formatISOString(253402300799999)", #""9999-12-31T23:59:59.999Z""#),
    c("formatISOString(253402300800000)", "null"),
    c(#"formatISOString(datetimeFromISOString("2024-02-29T12:34:56.789Z"))"#, #""2024-02-29T12:34:56.789Z""#),
    c(#"getUTCDayOfWeek(datetimeFromISOString("2026-01-04"))"#, "0"),
]

let stringCases: [Case] = [
    c(#""a\"b""#, #""a\"b""#), c(#"'a\'b'"#, #""a'b""#), c(#""a'b""#, #""a'b""#), c(#"'a"b'"#, #""a\"b""#),
    c(#""\n""#, #""\n""#), c(#"'\t'"#, #""\t""#), c(#""\\""#, #""\\""#), c(#""\/""#, #""/""#),
    c(#""\b\f\r""#, #""\b\f\r""#),
    c(#""\u00e9""#, #""é""#), c(#"'\u0041'"#, #""A""#), c(#""\uD83D\uDE00""#, #""😀""#), c(#""日本語""#, #""日本語""#),
    c(#"len("日本語")"#, "3"), c(#""\u65e5" == "日""#, "true"), c(#"'it\'s' == payload.single"#, "true"),
    c(#""say \"hi\"" == payload.double"#, "true"), c(#"payload.emoji == "\uD83D\uDE00""#, "true"),
    c(#"len(payload.emoji + payload.uni)"#, "4"), c(#"toUpperCase('\u00e9t\u00e9')"#, #""ÉTÉ""#), c(#"'}'"#, #""}""#),
    c(#"'${x}'"#, #""${x}""#), c(#""" + """#, #""""#), c(#""\"" + '\'' "#, #""\"'""#),
]

let nestingCases: [Case] = [
    c("((((((((((1))))))))))", "1"), c("!!!!!!!!!!true", "true"), c("----------1", "1"),
    c("((1 + 2) * (3 + 4)) - ((5 - 6) * (7 % 4))", "24"),
    c("len(toString(toString(toString(payload.arr))))", "7"),
    c(Array(repeating: "1", count: 100).joined(separator: " + "), "100"),
]

/// Every conformance case.
let conformanceCases: [Case] =
    specificationExamples + literalAndArithmeticCases + logicCases + comparisonCases + accessCases + functionCases
    + dateCases + stringCases + nestingCases
