import EdgeCore
import EdgeFlux
import Testing

/// Feeds generated, mutated and random text through parse, compile and both evaluators. Every
/// input must either fail with an in-range column or evaluate identically on the compiled form
/// and the tree walker, on JSON and on slot frames. Counts are fixed, so the work is bounded.
@Suite struct FuzzTests {
    static let alphabet = Array("()[]{}.,!&|=<>+-*/%'\"\\$ 0123456789eE abcxyz_é日\t\npayloadcontextevent")
    static let functions: [(String, Int)] = [
        ("now", 0), ("getUTCDayOfWeek", 1), ("datetimeFromISOString", 1), ("startsWith", 2), ("toUpperCase", 1),
        ("len", 1), ("toLowerCase", 1), ("endsWith", 2), ("contains", 2), ("abs", 1), ("round", 1), ("round", 2),
        ("floor", 1), ("ceil", 1), ("min", 3), ("max", 2), ("toNumber", 1), ("toString", 1), ("getUTCHours", 1),
        ("getUTCMinutes", 1), ("formatISOString", 1),
    ]
    static let atoms = [
        "payload.a", "payload.t", "payload.temp", "payload.missing", "payload.s", "payload.arr", "payload.o1",
        "payload", "context.resource.resourceId", "event.payload.a", "event.payload", "event", "payload.arr[1]",
        "payload['a']", "payload.nested.deep", "1", "0", "-2.5", "1e3", "\"abc\"", "'x'", "\"\"", "true", "false",
        "null",
        "\"2026-01-02T03:04:05Z\"", "payload.iso", "payload.uni", "payload.unreadPoint", "now()",
    ]
    static let binaryOperators = ["||", "&&", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%"]

    static func generate(_ depth: Int, _ rng: inout SplitMix64) -> String {
        if depth == 0 { return atoms.randomElement(using: &rng) ?? "1" }
        switch Int.random(in: 0..<10, using: &rng) {
        case 0...3:
            let op = binaryOperators.randomElement(using: &rng) ?? "+"
            return "\(generate(depth - 1, &rng)) \(op) \(generate(depth - 1, &rng))"
        case 4: return "!\(generate(depth - 1, &rng))"
        case 5: return "-(\(generate(depth - 1, &rng)))"
        case 6:
            let (name, arity) = functions.randomElement(using: &rng) ?? ("len", 1)
            let arguments = (0..<arity).map { _ in generate(depth - 1, &rng) }
            return "\(name)(\(arguments.joined(separator: ", ")))"
        case 7: return "(\(generate(depth - 1, &rng)))[\(generate(depth - 1, &rng))]"
        case 8: return "(\(generate(depth - 1, &rng)))"
        default: return atoms.randomElement(using: &rng) ?? "1"
        }
    }

    static func mutate(_ source: String, _ rng: inout SplitMix64) -> String {
        var chars = Array(source)
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let position = chars.isEmpty ? 0 : Int.random(in: 0..<chars.count, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0 where !chars.isEmpty: chars.remove(at: position)
            case 1: chars.insert(alphabet.randomElement(using: &rng) ?? "(", at: position)
            case 2 where !chars.isEmpty:
                let end = Swift.min(chars.count, position + Int.random(in: 1...6, using: &rng))
                chars.insert(contentsOf: chars[position..<end], at: position)
            default:
                if chars.count > 1 {
                    let other = Int.random(in: 0..<chars.count, using: &rng)
                    chars.swapAt(position, other)
                }
            }
        }
        return String(chars)
    }

    static func random(_ rng: inout SplitMix64) -> String {
        String((0..<Int.random(in: 0...40, using: &rng)).map { _ in alphabet.randomElement(using: &rng) ?? "x" })
    }

    /// Evaluates `source` everywhere it can and records any disagreement; returns whether it compiled.
    @discardableResult
    static func check(_ source: String) -> Bool {
        let parsed: ParsedExpression
        do {
            parsed = try ParsedExpression(source)
        } catch {
            #expect(error.column >= 1 && error.column <= source.unicodeScalars.count + 1, "\(source): \(error)")
            #expect(!error.message.isEmpty)
            return false
        }
        let compiled = CompiledExpression(parsed)
        let condition = CompiledCondition(parsed)
        let walker = TreeWalkInterpreter(parsed)
        let inputs = [json(richPayload), json(numericPayload)]
        for payload in inputs {
            let env = environment(payload: payload, context: json(deviceContext))
            let expected = walker.evaluate(env)
            #expect(compiled.evaluate(env) == expected, "\(source)")
            #expect(condition.evaluate(env) == (expected == .bool(true)), "\(source)")
            // Values only combine what the inputs hold, so their size is bounded by them.
            let bound = (source.utf8.count + richPayload.utf8.count + 64) * 4
            #expect(expected.compactJSON.utf8.count <= bound, "\(source)")
        }
        if let slots = SlotPayload(json(numericPayload)) {
            let slotted = CompiledExpression(
                (try? ParsedExpression(source, options: CompileOptions(pointSlots: slots.table))) ?? parsed)
            let expected = walker.evaluate(environment(payload: json(numericPayload), context: json(deviceContext)))
            slots.withEnvironment(context: json(deviceContext)) { env in
                #expect(slotted.evaluate(env) == expected, "slots: \(source)")
                #expect(compiled.evaluate(env) == expected, "unslotted on slots: \(source)")
            }
        }
        return true
    }

    @Test func generatedExpressionsAgreeEverywhere() {
        var rng = SplitMix64(seed: 0xF1_0C5)
        var compiled = 0
        for _ in 0..<1_500 {
            if FuzzTests.check(FuzzTests.generate(Int.random(in: 0...5, using: &rng), &rng)) { compiled += 1 }
        }
        // The generator writes valid expressions; nearly all must compile.
        #expect(compiled >= 1_400)
    }

    @Test func mutatedExpressionsNeverCrash() {
        var rng = SplitMix64(seed: 0xBAD_5EED)
        let seeds = conformanceCases.map(\.expression) + expressionErrorCases.map(\.source).filter { $0.count < 200 }
        var compiled = 0
        for index in 0..<2_000 where FuzzTests.check(FuzzTests.mutate(seeds[index % seeds.count], &rng)) {
            compiled += 1
        }
        // Mutations must reach both the evaluators and the error paths to be worth running.
        #expect(compiled >= 200 && compiled <= 1_800, "\(compiled) of 2000 compiled")
    }

    @Test func randomTextNeverCrashes() {
        var rng = SplitMix64(seed: 42)
        var compiled = 0
        for _ in 0..<1_000 where FuzzTests.check(FuzzTests.random(&rng)) { compiled += 1 }
        #expect(compiled < 1_000, "random text cannot all be valid")
    }

    @Test func randomTemplatesNeverCrash() {
        var rng = SplitMix64(seed: 7)
        let pieces = ["${", "}", "$", "{", "payload.a", " ", "text", "'", "\"", "+", "len(payload)", "${payload.s}"]
        for _ in 0..<500 {
            let source = (0..<Int.random(in: 0...8, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }
                .joined()
            do {
                let template = try Template(source)
                _ = template.render(environment(payload: json(richPayload)))
            } catch {
                #expect(error.column >= 1 && error.column <= source.unicodeScalars.count + 1, "\(source): \(error)")
            }
        }
    }

    @Test func randomJSONNeverCrashesTheParser() {
        var rng = SplitMix64(seed: 99)
        let seeds = [richPayload, numericPayload, deviceContext, "[1, [2, [3]], {\"a\": \"\\u00e9\"}]"]
        let jsonAlphabet = Array("{}[]:,\"\\/ u0123456789.eE+-truefalsn\t\nD8é")
        for index in 0..<1_000 {
            var chars = Array(seeds[index % seeds.count])
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let position = Int.random(in: 0..<chars.count, using: &rng)
                if Bool.random(using: &rng) {
                    chars.remove(at: position)
                } else {
                    chars.insert(jsonAlphabet.randomElement(using: &rng) ?? "x", at: position)
                }
                if chars.isEmpty { chars = ["0"] }
            }
            let text = String(chars)
            do {
                let value = try JSONValue.parse(text)
                #expect(try JSONValue.parse(value.compactJSON) == value)
            } catch {
                #expect(error.offset <= text.utf8.count)
                #expect(error.line >= 1 && error.column >= 1)
            }
        }
    }
}
