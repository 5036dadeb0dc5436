import EdgeCore

/// The `harvest` action's config: `category` (a label kept with the record) and `format`.
/// A harvested message is kept as JSON; how batches travel is the uplink's `encoder`, so
/// `format: columnar` is refused by `check` with that hint instead of silently meaning nothing.
enum HarvestAction {
    static let keys = ["format", "category"]

    /// Checks a harvest config.
    static func validate(_ config: JSONValue) -> [ConfigProblem] {
        guard case .object(let o) = config else { return [ConfigProblem(path: "", message: "config must be an object")] }
        var p: [ConfigProblem] = []
        for key in o.keys where !keys.contains(key) {
            p.append(ConfigProblem(path: key, message: "unknown key '\(key)'", hint: "harvest config takes format and category"))
        }
        switch o["format"] {
        case nil, .string("json")?:
            break
        case .string("columnar")?:
            p.append(
                ConfigProblem(
                    path: "format", message: "format 'columnar' is not a format of a harvested message",
                    hint:
                        "leave format out (or json); to send batches columnar, set the uplink's encoder: columnar-gzip"))
        default:
            p.append(ConfigProblem(path: "format", message: "format must be json"))
        }
        if let c = o["category"], c.stringValue == nil { p.append(ConfigProblem(path: "category", message: "category must be a string")) }
        return p
    }
}
