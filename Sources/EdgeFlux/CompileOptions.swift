/// What the place an expression is written in allows, and what the compiler may assume.
public struct CompileOptions: Sendable {
    /// Whether `result` may be used: only in `output.transform.content`.
    public var allowsResult: Bool
    /// The point slots of the `device` source feeding the action, when known: `payload.<point>`
    /// then compiles to a slot read for slot-backed messages.
    public var pointSlots: PointSlotTable?

    /// Creates options; the defaults suit a condition on JSON messages.
    public init(allowsResult: Bool = false, pointSlots: PointSlotTable? = nil) {
        self.allowsResult = allowsResult
        self.pointSlots = pointSlots
    }
}
