import EdgeCore
import EdgeFlux
import Testing

/// Runs every conformance case on the compiled form, the tree walker and the condition form,
/// and, when the payload is a device-like object of numbers, on slot frames as well.
@Suite struct ConformanceTests {
    @Test func theTableIsLargeEnough() {
        #expect(specificationExamples.count == 5)
        #expect(conformanceCases.count - specificationExamples.count >= 150)
    }

    @Test(arguments: conformanceCases)
    func compiledAndTreeWalkerGiveTheExpectedValue(_ testCase: Case) throws {
        let expected = json(testCase.expected)
        let env = makeEnvironment(testCase)
        let parsed = try ParsedExpression(testCase.expression)
        let compiled = CompiledExpression(parsed)
        let walker = TreeWalkInterpreter(parsed)
        #expect(compiled.evaluate(env) == expected, "compiled")
        #expect(walker.evaluate(env) == expected, "tree walker")
        let condition = CompiledCondition(parsed)
        #expect(condition.evaluate(env) == (expected == .bool(true)), "condition")
        #expect(walker.evaluateCondition(env) == (expected == .bool(true)), "tree walker condition")
        switch condition.outcome(env) {
        case .satisfied: #expect(expected == .bool(true))
        case .unsatisfied: #expect(expected == .bool(false))
        case .notBoolean(let value): #expect(value == expected)
        }
    }

    @Test(arguments: conformanceCases.filter { SlotPayload(json($0.payload)) != nil })
    func slotFramesGiveTheSameValueAsJSON(_ testCase: Case) throws {
        let expected = json(testCase.expected)
        guard let slots = SlotPayload(json(testCase.payload)) else { return }
        let options = CompileOptions(pointSlots: slots.table)
        let parsed = try ParsedExpression(testCase.expression, options: options)
        let compiled = CompiledExpression(parsed)
        let condition = CompiledCondition(parsed)
        let walker = TreeWalkInterpreter(parsed)
        let unslotted = CompiledExpression(try ParsedExpression(testCase.expression))
        let event = testCase.eventPayload.map { (payload: json($0), context: json(testCase.eventContext ?? "{}")) }
        slots.withEnvironment(context: json(testCase.context), event: event) { env in
            #expect(compiled.evaluate(env) == expected, "slot-compiled on slots")
            #expect(condition.evaluate(env) == (expected == .bool(true)), "slot condition on slots")
            #expect(walker.evaluate(env) == expected, "tree walker on slots")
            #expect(unslotted.evaluate(env) == expected, "JSON-compiled on slots")
        }
        // The same slot-compiled code must still read plain JSON messages (webhook, republish).
        let env = makeEnvironment(testCase)
        #expect(compiled.evaluate(env) == expected, "slot-compiled on JSON")
        #expect(condition.evaluate(env) == (expected == .bool(true)), "slot condition on JSON")
    }

    @Test func slotsOfAnotherTableAreReadByName() throws {
        // A condition compiled for one device sees a reading of another device on the same channel.
        let compiled = try CompiledCondition(
            "payload.temp > 80", options: CompileOptions(pointSlots: PointSlotTable(names: ["x", "temp"])))
        let other = SlotPayload(json(#"{"temp": 81, "pressure": 2}"#))
        #expect(other?.withEnvironment { compiled.evaluate($0) } == true)
        let cold = SlotPayload(json(#"{"pressure": 2, "temp": 20}"#))
        #expect(cold?.withEnvironment { compiled.evaluate($0) } == false)
    }

    @Test func shortSlotBuffersAreReadSafely() throws {
        let table = PointSlotTable(names: ["a", "b", "c"])
        let compiled = try CompiledExpression("payload.c", options: CompileOptions(pointSlots: table))
        let whole = try CompiledExpression("payload", options: CompileOptions(pointSlots: table))
        let values: [Double] = [1, 2]
        let qualities: [SampleQuality] = [.good, .good]
        values.withUnsafeBufferPointer { v in
            qualities.withUnsafeBufferPointer { q in
                let env = EvaluationEnvironment(
                    slots: SlotReadings(table: table, values: v, qualities: q), clock: ManualClock())
                #expect(compiled.evaluate(env) == .null)
                #expect(whole.evaluate(env) == json(#"{"a": 1, "b": 2}"#))
            }
        }
    }

    @Test func nonFiniteAndBadQualitySlotsAreAbsent() throws {
        let table = PointSlotTable(names: ["nan", "inf", "bad", "ok"])
        let options = CompileOptions(pointSlots: table)
        let values: [Double] = [.nan, .infinity, 5, 6]
        let qualities: [SampleQuality] = [.good, .good, .deviceError, .good]
        let cases: [(String, JSONValue)] = [
            ("payload.nan", .null), ("payload.inf == null", true), ("payload.bad", .null), ("payload.ok", 6),
            ("payload", json(#"{"ok": 6}"#)), ("len(payload)", 1), ("payload.nan != 1", true),
        ]
        for (source, expected) in cases {
            let compiled = try CompiledExpression(source, options: options)
            let walker = try TreeWalkInterpreter(source, options: options)
            values.withUnsafeBufferPointer { v in
                qualities.withUnsafeBufferPointer { q in
                    let env = EvaluationEnvironment(
                        slots: SlotReadings(table: table, values: v, qualities: q), clock: ManualClock())
                    #expect(compiled.evaluate(env) == expected, "\(source)")
                    #expect(walker.evaluate(env) == expected, "\(source)")
                }
            }
        }
    }

    @Test func nowReadsTheInjectedClock() throws {
        let clock = ManualClock()
        let compiled = try CompiledExpression("now()")
        let env = EvaluationEnvironment(clock: clock)
        #expect(compiled.evaluate(env) == .number(clockStartMilliseconds))
        clock.advance(nanoseconds: 1_500_000_000)
        #expect(compiled.evaluate(env) == .number(clockStartMilliseconds + 1_500))
        #expect(try TreeWalkInterpreter("now()").evaluate(env) == .number(clockStartMilliseconds + 1_500))
    }

    @Test func resultIsReadWhereAllowed() throws {
        let options = CompileOptions(allowsResult: true)
        let env = environment(payload: 1, result: json(#"{"status": 200}"#))
        #expect(try CompiledExpression("result.status == 200", options: options).evaluate(env) == true)
        #expect(try TreeWalkInterpreter("result.status", options: options).evaluate(env) == 200)
    }

    @Test func constantExpressionsAreFolded() throws {
        #expect(try CompiledExpression("1 + 2 * 3").constantValue == 7)
        #expect(try CompiledExpression("toUpperCase('a') + 'b'").constantValue == "Ab")
        #expect(try CompiledExpression("now() + 1").constantValue == nil)
        #expect(try CompiledExpression("payload.a + 1").constantValue == nil)
        #expect(try ParsedExpression("-(2 * 5)").constantValue == -10)
    }

    @Test func conditionOutcomeTellsNonBooleansApart() throws {
        let env = environment(payload: json(#"{"flag": true, "n": 1}"#))
        #expect(try CompiledCondition("payload.flag").outcome(env) == .satisfied)
        #expect(try CompiledCondition("payload.n").outcome(env) == .notBoolean(1))
        #expect(try CompiledCondition("payload.missing").outcome(env) == .notBoolean(.null))
        #expect(try CompiledCondition("payload.n > 5").outcome(env) == .unsatisfied)
        #expect(try CompiledCondition("payload.n > 5").alwaysBoolean)
        #expect(try !CompiledCondition("payload.n").alwaysBoolean)
    }

    @Test func payloadReferencesListNamesAndColumns() throws {
        let parsed = try ParsedExpression(
            #"payload.temp > 80 && event.payload["p s"] < 2 && payload.a.b == len(payload)"#)
        #expect(
            parsed.payloadReferences == [
                PayloadReference(name: "temp", column: 9, viaEvent: false),
                PayloadReference(name: "p s", column: 36, viaEvent: true),
                PayloadReference(name: "a", column: 58, viaEvent: false),
            ])
        let template = try Template("t=${payload.temp} ${context.x.y}")
        #expect(template.payloadReferences == [PayloadReference(name: "temp", column: 13, viaEvent: false)])
    }

    @Test func emptyConditionAlwaysHolds() throws {
        let env = environment()
        #expect(try CompiledCondition("").evaluate(env))
        #expect(try CompiledCondition("  \n").evaluate(env))
        #expect(CompiledCondition.always.evaluate(env))
    }

    private func makeEnvironment(_ testCase: Case) -> EvaluationEnvironment {
        let event = testCase.eventPayload.map { (payload: json($0), context: json(testCase.eventContext ?? "{}")) }
        return environment(payload: json(testCase.payload), context: json(testCase.context), event: event)
    }
}
