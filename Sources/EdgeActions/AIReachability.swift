import EdgeConfig
import EdgeCore
import EdgeFlux

/// Where an `ai` action's result can go (docs/safety.md S4): every chain of channels from its
/// output to a `gpio-write` or `modbus-write`. A downstream action passes the result on through
/// its output channel and its error channel (an error message carries the input it failed on).
enum AIReachability {
    /// One chain from an `ai` action to an actuator action.
    struct Path: Sendable {
        var appId: String
        var aiAction: AppAction
        var aiIndex: Int
        /// `ai 'judge' → channel 'verdict' → gpio-write 'alarm'`.
        var text: String
        /// The output id the actuator action writes, if it names one.
        var output: String?
    }

    /// Every actuator reachable from every `ai` action of the enabled apps, shortest chain first.
    static func paths(apps: [AppDocument]) -> [Path] {
        var found: [Path] = []
        for app in apps {
            var byChannel: [String: [AppAction]] = [:]
            for action in app.actions where action.enabled { byChannel[action.channelId.text, default: []].append(action) }
            for (index, action) in app.actions.enumerated() where action.type == "ai" && action.enabled {
                guard let out = action.output, out.enabled, let start = out.channelId?.text else { continue }
                // Breadth first, so each actuator is reported with its shortest chain.
                var queue: [(channel: String, text: String)] = [(start, "ai '\(action.actionId)' → channel '\(start)'")]
                var seen: Set<String> = [start]
                var reported: Set<String> = []
                var head = 0
                while head < queue.count {
                    let (channel, text) = queue[head]
                    head += 1
                    for next in byChannel[channel] ?? [] {
                        let step = "\(text) → \(next.type) '\(next.actionId)'"
                        if next.type == "gpio-write" || next.type == "modbus-write" {
                            if reported.insert(next.actionId).inserted {
                                found.append(Path(
                                    appId: app.appId, aiAction: action, aiIndex: index, text: step,
                                    output: next.config["output"].stringValue))
                            }
                            continue
                        }
                        let targets = [next.output?.enabled == true ? next.output?.channelId?.text : nil, next.output?.errorChannelId?.text]
                        for case let target? in targets where seen.insert(target).inserted {
                            queue.append((target, "\(step) → channel '\(target)'"))
                        }
                    }
                }
            }
        }
        return found
    }

    /// Errors for every `ai` action without a fallback whose result can reach an actuator.
    static func check(apps: [AppDocument]) -> [Diagnostic] {
        paths(apps: apps).compactMap { path in
            guard path.aiAction.config["fallback"] == .null else { return nil }
            let item = path.aiAction.channelId.path.hasSuffix(".channelId")
                ? String(path.aiAction.channelId.path.dropLast(".channelId".count)) : "actions[\(path.aiIndex)]"
            return Diagnostic(
                .error, at: path.aiAction.configLocation ?? path.aiAction.channelId.location, path: "\(item).config.fallback",
                "app \(path.appId): \(path.text) has no fallback",
                hint: "an ai result that can drive an output needs fallback: {expression: ...}, hold or safe-state (docs/safety.md S4)")
        }
    }
}
