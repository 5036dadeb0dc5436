import EdgeCore
import Testing

/// `JSONValue.parse` lives in EdgeCore; its tests sit here because this is the module that
/// first depends on it (the CLI options, conformance inputs).
@Suite struct JSONParserTests {
    @Test(
        arguments: [
            ("null", JSONValue.null), ("true", true), ("false", false), ("0", 0), ("-0", -0.0), ("42", 42),
            ("-1.5e3", -1500), ("1E-2", 0.01), ("123456789012345678", 123_456_789_012_345_678), (#""""#, ""),
            (#""a\"b\\c\/d\b\f\n\r\t""#, "a\"b\\c/d\u{08}\u{0C}\n\r\t"), (#""\u00e9\u65E5""#, "é日"),
            (#""\ud83d\ude00""#, "😀"), (#""日本語 😀""#, "日本語 😀"), ("[]", []), ("{}", [:]),
            (" \t\r\n[1, \"two\", [3], {\"four\": 4}] \n", [1, "two", [3], ["four": 4]]),
            (#"{"a": {"b": [null, true]}}"#, ["a": ["b": [nil, true]]]),
        ] as [(String, JSONValue)])
    func parsesValidJSON(_ text: String, _ expected: JSONValue) throws {
        #expect(try JSONValue.parse(text) == expected)
    }

    /// Large objects (a 100-point frame) find duplicates through an index instead of a scan;
    /// the rule is the same: the last value wins, in the first occurrence's place.
    @Test func duplicateKeysInALargeObjectKeepTheLastValueInTheFirstPlace() throws {
        let members = (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let value = try JSONValue.parse("{\(members),\"k3\":\"three\",\"k39\":null,\"extra\":1}")
        guard case .object(let object) = value else {
            Issue.record("not an object")
            return
        }
        #expect(object.count == 41)
        #expect(object.keys.prefix(4) == ["k0", "k1", "k2", "k3"])
        #expect(object["k3"] == .string("three"))
        #expect(object["k39"] == .null)
        #expect(object.keys.last == "extra")
    }

    @Test func duplicateKeysKeepTheLastValue() throws {
        let value = try JSONValue.parse(#"{"a": 1, "b": 2, "a": 3}"#)
        #expect(value == ["a": 3, "b": 2])
        guard case .object(let object) = value else {
            Issue.record("not an object")
            return
        }
        #expect(object.keys == ["a", "b"])
    }

    @Test func keepsMemberOrder() throws {
        #expect(try JSONValue.parse(#"{"z": 1, "a": 2, "m": 3}"#).compactJSON == #"{"z":1,"a":2,"m":3}"#)
    }

    @Test func roundTripsCompactOutput() throws {
        let texts = [richPayload, numericPayload, deviceContext, #"[1.5, -0.001, 1e+300, "\u0001\n", {"": []}]"#]
        for text in texts {
            let value = try JSONValue.parse(text)
            #expect(try JSONValue.parse(value.compactJSON) == value)
        }
    }

    @Test(
        arguments: [
            (#"{"a": 1 "b": 2}"#, "expected ',' or '}' after object member but found '\"'", 1, 9),
            ("[1, 2,]", "trailing ',' before ']'", 1, 7), (#"{"a": 1,}"#, "trailing ',' before '}'", 1, 9),
            ("{a: 1}", "expected a string key in double quotes but found 'a'", 1, 2),
            (#"{"a" 1}"#, "expected ':' after object key but found '1'", 1, 6), ("'x'", "found '''", 1, 1),
            ("tru", "expected a JSON value but found 'tru'", 1, 1), ("True", "found 'True'", 1, 1),
            ("nulls", "found 'nulls'", 1, 1), ("01", "leading zeros", 1, 2), ("1.", "expected a digit after '.'", 1, 3),
            ("-", "expected a digit in number but found end of input", 1, 2), ("1e", "exponent", 1, 3),
            ("1e999", "number 1e999 is out of range of a double", 1, 1),
            ("+1", "expected a JSON value but found '+'", 1, 1),
            (".5", "found '.'", 1, 1), (#""abc"#, "unterminated string", 1, 1), (#""a\x""#, "invalid escape", 1, 3),
            (#""\u12""#, "expected four hex digits after \\u", 1, 2),
            (#""\uD800""#, "unpaired surrogate \\uD800", 1, 2),
            (#""\uDC00""#, "unpaired surrogate \\uDC00", 1, 2), (#""\uD800\u0041""#, "unpaired surrogate", 1, 2),
            ("\"a\tb\"", "control character U+0009 must be escaped", 1, 3),
            ("[1] 2", "unexpected '2' after the JSON value", 1, 5),
            ("", "expected a JSON value but found end of input", 1, 1), ("   ", "found end of input", 1, 4),
            ("{\n  \"a\": 1,\n  \"b\" 2\n}", "expected ':' after object key", 3, 7), (#"{"日本": x}"#, "found 'x'", 1, 8),
            ("NaN", "found 'NaN'", 1, 1), ("[Infinity]", "found 'Infinity'", 1, 2),
            ("[1] // c", "unexpected '/'", 1, 5),
            ("\u{FEFF}{}", "expected a JSON value", 1, 1), ("[1,,2]", "expected a JSON value but found ','", 1, 4),
            ("[", "expected a JSON value but found end of input", 1, 2), ("{", "expected a string key", 1, 2),
            (#"{"a":"#, "expected a JSON value but found end of input", 1, 6), ("[1", "expected ',' or ']'", 1, 3),
            ("\"\\", "unterminated escape", 1, 2),
        ] as [(String, String, Int, Int)])
    func rejectsMalformedJSONWithPosition(_ text: String, _ message: String, _ line: Int, _ column: Int) {
        #expect {
            _ = try JSONValue.parse(text)
        } throws: { error in
            guard let error = error as? JSONParseError else { return false }
            #expect(error.message.contains(message), "\(error.message)")
            #expect(error.line == line && error.column == column, "\(error)")
            #expect(error.description.hasSuffix(" at \(line):\(column)"))
            return true
        }
    }

    @Test func nestingIsLimited() throws {
        let limit = JSONValue.maximumParseDepth
        let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(try JSONValue.parse(deepest) != .null)
        let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(tooDeep) }
        // Hostile input far deeper than the stack could take is refused, not crashed on.
        let hostile = String(repeating: #"{"a":["#, count: 100_000)
        do {
            _ = try JSONValue.parse(hostile)
            Issue.record("hostile nesting parsed")
        } catch {
            #expect(error.message.contains("nest deeper than \(limit) levels"))
            // Level limit + 1 is the '{' of repetition limit / 2 + 1, after limit / 2 six-character repetitions.
            #expect(error.column == (limit / 2) * 6 + 1)
        }
        #expect(throws: JSONParseError.self) { try JSONValue.parse("[1]", maximumDepth: 0) }
    }
}
