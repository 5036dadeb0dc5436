/// Masking of personal data (docs/safety.md S8): points marked `redact` in the config never
/// leave the gateway with their values.
extension JSONValue {
    /// What a masked value becomes.
    public static let redactedMarker = JSONValue.string("[redacted]")

    /// This value with every object member named in `names`, at any depth, replaced by
    /// `"[redacted]"`. Returns the value unchanged (no copy) when `names` is empty.
    public func redacting(_ names: Set<String>) -> JSONValue {
        guard !names.isEmpty else { return self }
        switch self {
        case .object(let o):
            return .object(JSONObject(o.members.map { member in
                (key: member.key, value: names.contains(member.key) ? Self.redactedMarker : member.value.redacting(names))
            }))
        case .array(let items): return .array(items.map { $0.redacting(names) })
        default: return self
        }
    }
}
