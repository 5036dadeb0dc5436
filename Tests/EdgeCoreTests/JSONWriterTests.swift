import EdgeCore
import Testing

@Suite struct JSONWriterTests {
    @Test(arguments: [
        (3.0, "3"), (81.5, "81.5"), (-2.25, "-2.25"), (0.1, "0.1"), (0.0, "0"), (-0.0, "0"),
        (1e300, "1e+300"), (-1e300, "-1e+300"), (123_456_789_012_345, "123456789012345"),
        (1e16, "1e+16"), (.leastNonzeroMagnitude, "5e-324"), (9_007_199_254_740_992, "9007199254740992"),
        (-9_007_199_254_740_992, "-9007199254740992"), (9_007_199_254_740_994, "9.007199254740994e+15"),
        (9_007_199_254_740_991, "9007199254740991"), (0.000_01, "1e-05"), (0.0001, "0.0001"), (29.9, "29.9"),
        (299 * 0.1, "29.900000000000002"), (-327.68, "-327.68"), (.greatestFiniteMagnitude, "1.7976931348623157e+308"),
    ])
    func formatNumberGivesShortestRoundTripText(number: Double, text: String) {
        #expect(JSONValue.formatNumber(number) == text)
    }

    @Test(arguments: [
        0.1, 29.9, 299 * 0.1, -327.68, 1e-5, 1.5e-7, 1e21, -1e-300, .leastNonzeroMagnitude, .leastNormalMagnitude,
        .greatestFiniteMagnitude, 9_007_199_254_740_992, 9_007_199_254_740_994, -0.0, 1.0 / 3, Double(Float(0.1)),
    ])
    func formatNumberIsValidJSONThatReadsBackToTheSameDouble(number: Double) throws {
        let parsed = try JSONValue.parse("[\(JSONValue.formatNumber(number))]")
        guard case .array(let items) = parsed, case .number(let back)? = items.first else {
            Issue.record("\(number) did not parse back as a JSON number: \(parsed)")
            return
        }
        #expect(back == number)
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity, -Double.nan])
    func nonFiniteNumbersBecomeNull(number: Double) {
        #expect(JSONValue.formatNumber(number) == "null")
        #expect(JSONValue.number(number).compactJSON == "null")
    }

    @Test func compactJSONEscapesWhatJSONRequires() {
        let value = JSONValue.string("q\"b\\n\nr\rt\tb\u{08}f\u{0C}c\u{01}\u{1F}é✓")
        #expect(value.compactJSON == #""q\"b\\n\nr\rt\tb\bf\fc\u0001\u001fé✓""#)
    }

    @Test func compactJSONWritesNestedValuesWithoutSpacesInInsertionOrder() {
        let value: JSONValue = ["b": 1, "a": [true, false, nil, 2.5], "k\"ey": ["x": "y"]]
        #expect(value.compactJSON == #"{"b":1,"a":[true,false,null,2.5],"k\"ey":{"x":"y"}}"#)
        #expect(JSONValue.array([]).compactJSON == "[]")
        #expect(JSONValue.object(JSONObject()).compactJSON == "{}")
    }

    @Test func writeAppendsToExistingText() {
        var out = "prefix:"
        JSONValue.write(["n": 3], into: &out)
        #expect(out == #"prefix:{"n":3}"#)
    }
}
