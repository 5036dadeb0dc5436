import EdgeCore
import Testing

@testable import EdgeFlux

/// The branch programs conditions compile to on slot frames: which shapes become slot tests,
/// and that every shape, specialised or not, agrees with the tree walker on awkward readings
/// (absent, bad quality, NaN, infinities, -0) and on frames the slot code must not read.
@Suite struct SlotConditionTests {
    static let points = ["a", "b", "c", "d", "e", "f", "g"]

    /// Values that probe the reading rules: a non-finite value or bad quality is absent (`null`).
    static let awkwardValues: [Double] = [
        0, -0.0, 1, -1, 10, 10.5, 5, -3, .nan, .infinity, -.infinity, 1e300, -1e300,
        .leastNonzeroMagnitude, .greatestFiniteMagnitude,
    ]

    /// A reading of `points` over owned buffers.
    struct Frame {
        var values: [Double]
        var qualities: [SampleQuality]

        func withEnvironment<R>(_ table: PointSlotTable, _ body: (EvaluationEnvironment) -> R) -> R {
            values.withUnsafeBufferPointer { v in
                qualities.withUnsafeBufferPointer { q in
                    let env = EvaluationEnvironment(
                        slots: SlotReadings(table: table, values: v, qualities: q), clock: ManualClock())
                    return withExtendedLifetime(table) { body(env) }
                }
            }
        }

        /// The same reading as a JSON message: absent points are left out, as `payload` shows them.
        func payload(_ names: [String]) -> JSONValue {
            var members: [(key: String, value: JSONValue)] = []
            for (index, name) in names.enumerated() where qualities[index] == .good && values[index].isFinite {
                members.append((name, .number(values[index])))
            }
            return .object(JSONObject(members))
        }
    }

    static func randomFrame(_ rng: inout SplitMix64) -> Frame {
        var values: [Double] = []
        var qualities: [SampleQuality] = []
        for _ in points {
            values.append(awkwardValues.randomElement(using: &rng) ?? 0)
            qualities.append(Int.random(in: 0..<5, using: &rng) == 0 ? .timeout : .good)
        }
        return Frame(values: values, qualities: qualities)
    }

    /// Checks `source` compiled against `table` on `frame` against the tree walker, as a
    /// condition (evaluate and outcome) and as a value, on the slots and on the same reading as JSON.
    static func expectAgreement(
        _ source: String, _ table: PointSlotTable, _ frame: Frame,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws {
        let parsed = try ParsedExpression(source, options: CompileOptions(pointSlots: table))
        let condition = CompiledCondition(parsed)
        let value = CompiledExpression(parsed)
        let walker = TreeWalkInterpreter(parsed)
        let frameText = "\(frame.values) \(frame.qualities.map(\.name))"
        frame.withEnvironment(table) { env in
            let expected = walker.evaluate(env)
            #expect(
                condition.evaluate(env) == (expected == .bool(true)), "\(source) on \(frameText)",
                sourceLocation: sourceLocation)
            #expect(
                condition.outcome(env) == outcome(expected), "\(source) on \(frameText)",
                sourceLocation: sourceLocation)
            #expect(value.evaluate(env) == expected, "\(source) on \(frameText)", sourceLocation: sourceLocation)
            // The slot-compiled code must read the same reading sent as a JSON message.
            let message = environment(payload: frame.payload(table.names))
            #expect(
                condition.evaluate(message) == (expected == .bool(true)), "\(source) as JSON on \(frameText)",
                sourceLocation: sourceLocation)
        }
    }

    static func outcome(_ value: JSONValue) -> ConditionOutcome {
        switch value {
        case .bool(true): .satisfied
        case .bool(false): .unsatisfied
        default: .notBoolean(value)
        }
    }

    // MARK: shapes

    @Test func theFourComparisonRuleIsFourSlotTestsAndATruthTable() throws {
        let table = PointSlotTable(names: ["a", "b", "c", "d"])
        let rule = try CompiledCondition(
            "(payload.a > 10 && payload.b < 5) || (payload.c == 1 && payload.d != 0)",
            options: CompileOptions(pointSlots: table))
        #expect(rule.slotProgramShape.tests == 4)
        #expect(rule.slotProgramShape.general == 0)
        #expect(rule.slotProgramUsesTruthTable)
    }

    @Test func slotAgainstNumberNullOrSlotIsASlotTestEitherWayRound() throws {
        let table = PointSlotTable(names: ["a", "b"])
        let options = CompileOptions(pointSlots: table)
        for source in [
            "payload.a < 1", "1 < payload.a", "payload.a <= -0", "payload.a == 2", "2 != payload.a",
            "payload.a == null", "null != payload.a", "payload.a >= payload.b", "!(payload.a > 1)",
        ] {
            let shape = try CompiledCondition(source, options: options).slotProgramShape
            #expect(shape.tests == 1 && shape.general == 0, "\(source)")
        }
    }

    @Test func comparisonsThatCannotHoldOrFailCompileToConstants() throws {
        let table = PointSlotTable(names: ["a"])
        let options = CompileOptions(pointSlots: table)
        // `payload.zz` is not a point of the table, so it is always null.
        let cases: [(String, Bool)] = [
            ("payload.zz > 1", false), ("payload.zz != 1", true), ("payload.zz == null", true),
            ("payload.a > null", false), ("null <= payload.a", false), ("payload.zz == payload.zz", true),
            ("payload.zz < payload.zz", false), ("payload.a > 1 && false", false), ("payload.a > 1 || true", true),
        ]
        for (source, expected) in cases {
            let condition = try CompiledCondition(source, options: options)
            #expect(condition.slotProgramShape.tests == 0, "\(source)")
            let frame = Frame(values: [5], qualities: [.good])
            frame.withEnvironment(table) { env in
                #expect(condition.evaluate(env) == expected, "\(source)")
            }
        }
    }

    @Test func otherShapesKeepTheGeneralCode() throws {
        let table = PointSlotTable(names: ["a", "b"])
        let options = CompileOptions(pointSlots: table)
        let mixed = try CompiledCondition("payload.a > 1 && abs(payload.b) < 2", options: options)
        #expect(mixed.slotProgramShape.tests == 2)
        #expect(mixed.slotProgramShape.general == 1)
        #expect(!mixed.slotProgramUsesTruthTable)
        let text = try CompiledCondition("payload.a == 'x'", options: options)
        #expect(text.slotProgramShape.general == 1)
    }

    @Test func moreThanSixSlotTestsJumpInsteadOfUsingATruthTable() throws {
        let table = PointSlotTable(names: SlotConditionTests.points)
        let options = CompileOptions(pointSlots: table)
        let six = "payload.a > 1 && payload.b > 1 && payload.c > 1 && payload.d > 1 && payload.e > 1 && payload.f > 1"
        #expect(try CompiledCondition(six, options: options).slotProgramUsesTruthTable)
        let seven = six + " && payload.g > 1"
        let condition = try CompiledCondition(seven, options: options)
        #expect(condition.slotProgramShape.tests == 7)
        #expect(!condition.slotProgramUsesTruthTable)
        var rng = SplitMix64(seed: 0x5E7E_7)
        for _ in 0..<200 {
            var frame = SlotConditionTests.randomFrame(&rng)
            // Mostly true points, so the conjunction holds now and then.
            for index in frame.values.indices where Int.random(in: 0..<4, using: &rng) > 0 {
                frame.values[index] = 2
                frame.qualities[index] = .good
            }
            try SlotConditionTests.expectAgreement(six, table, frame)
            try SlotConditionTests.expectAgreement(seven, table, frame)
        }
    }

    // MARK: reading rules

    @Test func absentPointsFailRelationsAndEqualityButPassInequality() throws {
        let table = PointSlotTable(names: ["nan", "inf", "ninf", "bad", "ok"])
        let frame = Frame(
            values: [.nan, .infinity, -.infinity, 5, 5], qualities: [.good, .good, .good, .timeout, .good])
        for point in ["nan", "inf", "ninf", "bad"] {
            let cases: [(String, Bool)] = [
                ("payload.\(point) > 1", false), ("payload.\(point) < 1", false), ("payload.\(point) >= -1e308", false),
                ("payload.\(point) <= 1e308", false), ("payload.\(point) == 5", false), ("payload.\(point) != 5", true),
                ("payload.\(point) == null", true), ("payload.\(point) != null", false),
                ("payload.\(point) == payload.ok", false), ("payload.\(point) != payload.ok", true),
                ("payload.\(point) == payload.nan", true), ("!(payload.\(point) > 1)", true),
            ]
            for (source, expected) in cases {
                let condition = try CompiledCondition(source, options: CompileOptions(pointSlots: table))
                frame.withEnvironment(table) { env in
                    #expect(condition.evaluate(env) == expected, "\(source)")
                }
                try SlotConditionTests.expectAgreement(source, table, frame)
            }
        }
    }

    @Test func negativeZeroEqualsZero() throws {
        let table = PointSlotTable(names: ["z", "p"])
        let frame = Frame(values: [-0.0, 0], qualities: [.good, .good])
        let cases: [(String, Bool)] = [
            ("payload.z == 0", true), ("payload.z != 0", false), ("payload.z < 0", false), ("payload.z >= 0", true),
            ("payload.p == -0", true), ("payload.p != -0", false), ("payload.p > -0", false),
            ("payload.z == payload.p", true), ("payload.z < payload.p", false), ("-0 == payload.z", true),
        ]
        for (source, expected) in cases {
            let condition = try CompiledCondition(source, options: CompileOptions(pointSlots: table))
            frame.withEnvironment(table) { env in
                #expect(condition.evaluate(env) == expected, "\(source)")
            }
            try SlotConditionTests.expectAgreement(source, table, frame)
        }
    }

    @Test func equalityOfNumbersIsExact() throws {
        let table = PointSlotTable(names: ["x"])
        for (value, source, expected) in [
            (0.1 + 0.2, "payload.x == 0.3", false), (0.1 + 0.2, "payload.x != 0.3", true),
            (0.5, "payload.x == 0.5", true),
            (1e300, "payload.x == 1e300", true), (-3, "payload.x != -3", false), (-3, "-3 == payload.x", true),
        ] as [(Double, String, Bool)] {
            let condition = try CompiledCondition(source, options: CompileOptions(pointSlots: table))
            let frame = Frame(values: [value], qualities: [.good])
            frame.withEnvironment(table) { env in
                #expect(condition.evaluate(env) == expected, "\(source) with \(value)")
            }
            try SlotConditionTests.expectAgreement(source, table, frame)
        }
    }

    // MARK: frames the slot code must not read directly

    @Test func theRuleReadsJSONMessagesOtherTablesAndShortBuffersByName() throws {
        let rule = "(payload.a > 10 && payload.b < 5) || (payload.c == 1 && payload.d != 0)"
        let table = PointSlotTable(names: ["a", "b", "c", "d"])
        let condition = try CompiledCondition(rule, options: CompileOptions(pointSlots: table))
        let walker = try TreeWalkInterpreter(rule)
        // A JSON message (webhook, republish) with a string where a number is expected.
        for payload in [
            #"{"a": 11, "b": 4}"#, #"{"a": 11, "b": "4"}"#, #"{"c": 1, "d": 0}"#, #"{"c": 1}"#, #"{}"#, "null",
        ] {
            let env = environment(payload: json(payload))
            #expect(condition.evaluate(env) == walker.evaluateCondition(env), "\(payload)")
        }
        // Another device's reading with the points in another order, plus one the rule lacks.
        let other = PointSlotTable(names: ["d", "x", "c", "b", "a"])
        let otherFrame = Frame(values: [7, 1, 1, 9, 3], qualities: [.good, .good, .good, .good, .good])
        otherFrame.withEnvironment(other) { env in
            #expect(condition.evaluate(env))
            #expect(walker.evaluateCondition(env))
        }
        // Buffers shorter than the table: the missing slots read as absent, never out of bounds.
        let values: [Double] = [11, 4]
        let qualities: [SampleQuality] = [.good, .good]
        values.withUnsafeBufferPointer { v in
            qualities.withUnsafeBufferPointer { q in
                let env = EvaluationEnvironment(
                    slots: SlotReadings(table: table, values: v, qualities: q), clock: ManualClock())
                #expect(condition.evaluate(env))
                #expect(walker.evaluateCondition(env))
            }
        }
    }

    @Test func aConditionUsingPayloadWholeStillReadsSlots() throws {
        let table = PointSlotTable(names: ["a", "b"])
        let source = "len(payload) == 2 && payload.a > 1 && payload.b == null || payload.a == payload"
        var rng = SplitMix64(seed: 0x0B0E)
        for _ in 0..<100 {
            var frame = SlotConditionTests.randomFrame(&rng)
            frame.values.removeLast(SlotConditionTests.points.count - 2)
            frame.qualities.removeLast(SlotConditionTests.points.count - 2)
            try SlotConditionTests.expectAgreement(source, table, frame)
        }
    }

    // MARK: generated conditions

    static let operands = [
        "payload.a", "payload.b", "payload.c", "payload.zz", "0", "-0", "1", "10", "-3", "0.5", "1e300", "null",
        "'x'", "true", "abs(payload.a)", "payload.b + 1", "len(payload)",
    ]
    static let comparisons = ["==", "!=", "<", "<=", ">", ">="]

    static func generate(_ depth: Int, _ rng: inout SplitMix64) -> String {
        if depth == 0 || Int.random(in: 0..<3, using: &rng) == 0 {
            let lhs = operands.randomElement(using: &rng) ?? "payload.a"
            let rhs = operands.randomElement(using: &rng) ?? "1"
            let op = comparisons.randomElement(using: &rng) ?? "=="
            return Int.random(in: 0..<8, using: &rng) == 0 ? lhs : "\(lhs) \(op) \(rhs)"
        }
        let lhs = generate(depth - 1, &rng)
        let rhs = generate(depth - 1, &rng)
        switch Int.random(in: 0..<5, using: &rng) {
        case 0, 1: return "(\(lhs) && \(rhs))"
        case 2, 3: return "(\(lhs) || \(rhs))"
        default: return "!(\(lhs))"
        }
    }

    @Test func generatedConditionsAgreeWithTheTreeWalkerOnAwkwardFrames() throws {
        let table = PointSlotTable(names: ["a", "b", "c"])
        var rng = SplitMix64(seed: 0xC0_4D17)
        var specialised = 0
        for _ in 0..<1_500 {
            let source = SlotConditionTests.generate(Int.random(in: 0...4, using: &rng), &rng)
            let shape = try CompiledCondition(source, options: CompileOptions(pointSlots: table)).slotProgramShape
            if shape.tests > 0 && shape.general == 0 { specialised += 1 }
            for _ in 0..<4 {
                var frame = SlotConditionTests.randomFrame(&rng)
                frame.values.removeLast(SlotConditionTests.points.count - 3)
                frame.qualities.removeLast(SlotConditionTests.points.count - 3)
                try SlotConditionTests.expectAgreement(source, table, frame)
            }
        }
        // The generator must reach the specialised slot tests, not only the general code.
        #expect(specialised >= 200)
    }
}
