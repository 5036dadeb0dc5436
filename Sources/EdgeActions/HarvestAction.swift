import EdgeCore

/// The `harvest` action's config: `category` (a label kept with the record) and `format`.
/// Only `json` is available in this build; `columnar` needs the uplink's columnar encoder, so
/// an app asking for it is refused by `check` instead of silently archived as JSON.
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
                    path: "format", message: "format 'columnar' is not available in this build",
                    hint: "use format: json (or leave format out); columnar batches come with the uplink spool"))
        default:
            p.append(ConfigProblem(path: "format", message: "format must be json"))
        }
        if let c = o["category"], c.stringValue == nil { p.append(ConfigProblem(path: "category", message: "category must be a string")) }
        return p
    }
}
