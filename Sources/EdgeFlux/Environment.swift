public import EdgeCore

/// The point names of one `device` source in slot order, built once when config is compiled.
/// Conditions compiled against a table read `payload.<point>` straight from a slot.
public final class PointSlotTable: Sendable {
    /// Point names; a name's position is its slot index.
    public let names: [String]
    private let slotByName: [String: Int]

    /// Creates a table. If a name repeats, the first slot holds it and later ones are never read.
    public init(names: [String]) {
        self.names = names
        var slots: [String: Int] = [:]
        for (index, name) in names.enumerated() where slots[name] == nil { slots[name] = index }
        slotByName = slots
    }

    /// The number of slots.
    public var count: Int { names.count }

    /// The slot of a point, if the table has it.
    public func slot(named name: String) -> Int? { slotByName[name] }
}

/// One reading of a slot-backed source, borrowed from the runtime: a point's value counts only
/// when its quality is `.good` and the value is finite; otherwise the point is absent (reads as
/// `null` and is left out of `payload` used whole).
///
/// Nothing here is retained or copied. The caller keeps `table` and both buffers alive and
/// unchanged while any evaluation that sees this value runs.
public struct SlotReadings {
    /// The table the slots follow; compiled code checks it is the one it was compiled against.
    public unowned(unsafe) let table: PointSlotTable
    /// Values by slot.
    public let values: UnsafeBufferPointer<Double>
    /// Qualities by slot.
    public let qualities: UnsafeBufferPointer<SampleQuality>
    /// The table's identity and size, kept as plain values so the per-evaluation check that
    /// compiled code matches these slots touches no reference (a retain there cost more than
    /// the whole condition).
    let tableIdentity: ObjectIdentifier
    let tableCount: Int

    /// Wraps borrowed buffers; both must have at least `table.count` elements to be read
    /// through the fast path (shorter buffers are read safely, missing slots as absent).
    public init(
        table: PointSlotTable, values: UnsafeBufferPointer<Double>, qualities: UnsafeBufferPointer<SampleQuality>
    ) {
        self.table = table
        self.values = values
        self.qualities = qualities
        tableIdentity = ObjectIdentifier(table)
        tableCount = table.count
    }

    /// Whether every slot of the table can be read without bounds checks.
    @inline(__always)
    var coversTable: Bool { values.count >= tableCount && qualities.count >= tableCount }

    /// A point's value, or nil when absent (bounds-checked).
    public func value(at slot: Int) -> Double? {
        guard slot >= 0, slot < values.count, slot < qualities.count, qualities[slot] == .good else { return nil }
        let v = values[slot]
        return v.isFinite ? v : nil
    }

    /// The reading as the JSON object a message would carry: present points in slot order.
    public func payloadObject() -> JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        members.reserveCapacity(table.count)
        for (slot, name) in table.names.enumerated() where table.slot(named: name) == slot {
            if let v = value(at: slot) { members.append((name, .number(v))) }
        }
        return .object(JSONObject(members))
    }
}

/// What an expression sees while it runs (docs/flow-language.md §2): `payload`, `context`,
/// `event.payload`, `event.context`, `result`, and the clock `now()` reads. Build one per
/// message, or keep one and update its fields; it is a plain value and copying it is cheap.
public struct EvaluationEnvironment {
    /// The message that entered the channel. Ignored while `slots` is set.
    public var payload: JSONValue
    /// The message's context.
    public var context: JSONValue
    /// The trigger's payload; read only when `eventIsMessage` is false.
    public var eventPayload: JSONValue
    /// The trigger's context; read only when `eventIsMessage` is false.
    public var eventContext: JSONValue
    /// True on the first hop, where the trigger is this message: `event.payload` is then
    /// `payload` (slots included) and `event.context` is `context`, with nothing copied.
    public var eventIsMessage: Bool
    /// The action's raw result, for transform content.
    public var result: JSONValue
    /// When set, `payload` is this slot reading instead of the `payload` field.
    public var slots: SlotReadings?
    /// The clock `now()` reads.
    public var clock: any EdgeClock

    /// An environment for a JSON message. `event` nil means the message is the trigger itself.
    public init(
        payload: JSONValue = .null, context: JSONValue = .object(JSONObject()),
        event: (payload: JSONValue, context: JSONValue)? = nil, result: JSONValue = .null, clock: any EdgeClock
    ) {
        self.payload = payload
        self.context = context
        self.eventPayload = event?.payload ?? .null
        self.eventContext = event?.context ?? .null
        self.eventIsMessage = event == nil
        self.result = result
        self.slots = nil
        self.clock = clock
    }

    /// An environment for a slot-backed device reading, the trigger of its run.
    public init(slots: SlotReadings, context: JSONValue = .object(JSONObject()), clock: any EdgeClock) {
        self.payload = .null
        self.context = context
        self.eventPayload = .null
        self.eventContext = .null
        self.eventIsMessage = true
        self.result = .null
        self.slots = slots
        self.clock = clock
    }

    /// `payload` as JSON, built from the slots when the message is slot-backed.
    public var payloadValue: JSONValue { slots?.payloadObject() ?? payload }
    /// `event.payload` as JSON.
    public var eventPayloadValue: JSONValue { eventIsMessage ? payloadValue : eventPayload }
    /// `event.context` as JSON.
    public var eventContextValue: JSONValue { eventIsMessage ? context : eventContext }

    /// The same environment with `payload` as plain JSON (slots materialised).
    func materialised() -> EvaluationEnvironment {
        guard let slots else { return self }
        var copy = self
        copy.payload = slots.payloadObject()
        copy.slots = nil
        return copy
    }
}
