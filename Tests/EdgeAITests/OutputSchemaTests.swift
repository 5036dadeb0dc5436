import EdgeAI
import EdgeCore
import Testing

/// docs/safety.md S6: every answer is checked against the declared schema; the messages name
/// the place and the rule that failed.
struct OutputSchemaTests {
    let schema: OutputSchema = {
        let text = """
            {"type": "object", "properties": {
               "alarm": {"type": "boolean"},
               "level": {"type": "integer", "minimum": 0, "maximum": 3},
               "mode": {"type": "string", "enum": ["auto", "manual"], "maxLength": 10},
               "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2}},
             "required": ["alarm", "level"]}
            """
        // The literal above is valid; a failure here fails every test of the suite.
        return OutputSchema.parse((try? JSONValue.parse(text)) ?? .null, path: "schema").schema ?? .boolean
    }()

    func violation(_ json: String) throws -> String? { schema.violation(of: try JSONValue.parse(json)) }

    @Test func answersWithinTheSchemaPass() throws {
        #expect(try violation(#"{"alarm": true, "level": 2}"#) == nil)
        #expect(try violation(#"{"alarm": false, "level": 0, "mode": "auto", "tags": ["a", "b"]}"#) == nil)
    }

    @Test func eachRuleIsEnforcedAndNamed() throws {
        #expect(try violation(#"{"alarm": "yes", "level": 1}"#) == "$.alarm: expected true or false, found string \"yes\"")
        #expect(try violation(#"{"alarm": true, "level": 4}"#) == "$.level: 4 is above the maximum 3")
        #expect(try violation(#"{"alarm": true, "level": -1}"#) == "$.level: -1 is below the minimum 0")
        #expect(try violation(#"{"alarm": true, "level": 1.5}"#) == "$.level: expected an integer, found 1.5")
        #expect(try violation(#"{"alarm": true, "level": 1, "mode": "off"}"#) == #"$.mode: string "off" is not one of "auto", "manual""#)
        #expect(try violation(#"{"alarm": true, "level": 1, "tags": ["a", "b", "c"]}"#) == "$.tags: 3 items, more than 2")
        #expect(try violation(#"{"alarm": true, "level": 1, "tags": [1]}"#) == "$.tags[0]: expected a string, found 1")
        #expect(try violation(#"{"alarm": true}"#) == "$: missing member 'level'")
        #expect(try violation(#"{"alarm": true, "level": 1, "extra": 0}"#) == "$: unexpected member 'extra'")
        #expect(try violation(#"[true]"#) == "$: expected an object, found array [true]")
    }

    @Test func malformedSchemasAreRefusedWithTheirPath() throws {
        let bad = try JSONValue.parse(
            #"{"type": "object", "properties": {"a": {"type": "integer", "minimum": 5, "maximum": 1}, "b": {"type": "text"}}, "required": ["c"], "pattern": "x"}"#)
        let problems = OutputSchema.parse(bad, path: "schema").problems.map(\.description)
        #expect(problems.contains("schema.pattern: unknown schema key 'pattern'"), "\(problems)")
        #expect(problems.contains("schema.properties.a.minimum: minimum 5 is above maximum 1"), "\(problems)")
        #expect(problems.contains("schema.properties.b.type: type must be one of object, string, number, integer, boolean, array"), "\(problems)")
        #expect(problems.contains("schema.required: 'c' is required but not among the properties"), "\(problems)")
    }
}
