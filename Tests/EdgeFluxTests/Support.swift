import EdgeCore
import EdgeFlux
import Testing

/// 2026-01-01T00:00:00Z, the manual clock's default, in milliseconds.
let clockStartMilliseconds: Double = 1_767_225_600_000

/// Parses JSON written in a test; a typo in a test's own JSON is a test bug, reported as one.
func json(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> JSONValue {
    do {
        return try JSONValue.parse(text)
    } catch {
        Issue.record("test JSON does not parse: \(error): \(text)", sourceLocation: sourceLocation)
        return .null
    }
}

/// An environment for a JSON message; `event` nil means the message is the trigger.
func environment(
    payload: JSONValue = .null, context: JSONValue = [:], event: (payload: JSONValue, context: JSONValue)? = nil,
    result: JSONValue = .null
) -> EvaluationEnvironment {
    EvaluationEnvironment(payload: payload, context: context, event: event, result: result, clock: ManualClock())
}

/// The payload as slot buffers, when it is an object of finite numbers (what a device gives).
struct SlotPayload {
    let table: PointSlotTable
    let values: [Double]
    let qualities: [SampleQuality]

    init?(_ payload: JSONValue, extraPoints: [String] = ["unreadPoint"]) {
        guard case .object(let object) = payload else { return nil }
        var names: [String] = []
        var values: [Double] = []
        for member in object.members {
            guard case .number(let n) = member.value else { return nil }
            names.append(member.key)
            values.append(n)
        }
        // An extra point whose read failed: it must read as absent.
        for extra in extraPoints where !names.contains(extra) {
            names.append(extra)
            values.append(12345)
        }
        self.table = PointSlotTable(names: names)
        self.values = values
        self.qualities = names.indices.map { $0 < object.count ? .good : .timeout }
    }

    /// Runs `body` with an environment whose payload is these slots.
    func withEnvironment<R>(
        context: JSONValue = [:], event: (payload: JSONValue, context: JSONValue)? = nil,
        _ body: (EvaluationEnvironment) -> R
    ) -> R {
        values.withUnsafeBufferPointer { v in
            qualities.withUnsafeBufferPointer { q in
                var env = EvaluationEnvironment(
                    slots: SlotReadings(table: table, values: v, qualities: q), context: context, clock: ManualClock())
                if let event {
                    env.eventIsMessage = false
                    env.eventPayload = event.payload
                    env.eventContext = event.context
                }
                return withExtendedLifetime(table) { body(env) }
            }
        }
    }
}

/// A small deterministic PRNG (SplitMix64) so fuzz runs are reproducible from their seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
