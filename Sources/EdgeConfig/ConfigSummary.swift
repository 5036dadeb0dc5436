import EdgeCore
import EdgeFlux
import ModbusModel

extension AgentConfig {
    /// A one-screen, human summary of what the config will do, printed by `edgeflow check`.
    public var summary: String {
        var out: [String] = []
        func row(_ label: String, _ text: String) { out.append(label.padding(8) + text) }
        row("agent", "\(agent.name), log \(agent.logLevel), ring \(agent.ringCapacity) samples (\(agent.dropPolicy.rawValue)), data \(agent.dataDir)")
        row("board", "\(board.id): \(board.name) (\(boardFile))")
        if !buses.isEmpty {
            row("buses", "\(buses.count)")
            for b in buses { out.append("  " + b.id.padding(12) + "\(b.transport)") }
        }
        row("sources", "\(sources.count)")
        for s in sources {
            switch s.kind {
            case .modbus(let bus, let device):
                let plan = ModbusReadPlan(points: device.points, options: device.planning)
                out.append("  " + s.id.padding(12)
                    + "modbus unit \(device.unit) on \(bus.id), every \(Quantity.formatDuration(Quantity.nanoseconds(device.pollInterval))), \(device.points.count) points in \(plan.requests.count) request\(plan.requests.count == 1 ? "" : "s"):")
                for line in plan.description.split(separator: "\n") { out.append("      " + line) }
            case .simulated(let d):
                let points = d.points.map { p in p.unit.map { "\(p.name) [\($0)]" } ?? p.name }.joined(separator: ", ")
                out.append("  " + s.id.padding(12) + "simulated, every \(Quantity.formatDuration(d.intervalNanoseconds)): \(points)")
            case .gpio(let g):
                let lines = g.lines.map { l in
                    let extra = [l.edge == "none" ? "no edges" : "\(l.edge) edges", l.bias == "as-is" ? nil : l.bias,
                        l.debounceNanoseconds > 0 ? "debounce \(Quantity.formatDuration(l.debounceNanoseconds))" : nil,
                        l.simulateToggleNanoseconds.map { "toggles every \(Quantity.formatDuration($0))" },
                        l.counter.map { "counts \($0.scale == 1 ? "pulses" : "pulses x \(JSONValue.formatNumber($0.scale))") into \(l.name)_count and \(l.name)_rate" }]
                    return "\(l.line) as \(l.name) (\(extra.compactMap { $0 }.joined(separator: ", ")))"
                }
                out.append("  " + s.id.padding(12) + "gpio: " + lines.joined(separator: "; "))
            }
        }
        row("outputs", "\(outputs.count)")
        for o in outputs {
            let fmt = JSONValue.formatNumber
            let rate = o.maxChanges.map { ", at most \($0.count) changes per \(Quantity.formatDuration($0.windowNanoseconds))" } ?? ""
            + Self.lifecycle(o, simulated: board.simulated)
            switch o.target {
            case .gpio(let line, _, _, _):
                let pin = board.line(named: line)?.line.pin.map { " (pin \($0))" } ?? ""
                out.append("  " + o.id.padding(12) + "gpio \(line)\(pin), safe value \(fmt(o.safeValue)), min hold \(Quantity.formatDuration(o.minHoldNanoseconds))\(rate)")
            case .modbus(let device, let point):
                let step = o.maxStep.map { ", max step \(fmt($0))" } ?? ""
                let allowed = o.allowedValues.map { ", values \($0.map(fmt).joined(separator: "/"))" } ?? ""
                out.append("  " + o.id.padding(12) + "modbus \(device).\(point) in \(fmt(o.minimum))...\(fmt(o.maximum))\(allowed), safe value \(fmt(o.safeValue))\(step), min hold \(Quantity.formatDuration(o.minHoldNanoseconds))\(rate)")
            }
        }
        row("apps", "\(apps.count)")
        for a in apps {
            let d = a.document
            out.append("  " + d.appId.padding(12) + "\(a.path): \(d.channels.count) channels, \(d.eventSources.count) event sources, \(d.actions.count) actions\(a.enabled ? "" : " (disabled)")")
        }
        row("uplink", uplinkSummary)
        // The key's source is named (file or variable), never the key.
        row("ai", ai.map { "\($0.endpoints.count) endpoint(s)" } ?? "none")
        for e in ai?.endpoints ?? [] {
            let key: String
            switch e.key {
            case .none: key = "no key"
            case .file(let path): key = "key from file \(path)"
            case .environment(let name): key = "key from $\(name)"
            }
            out.append("  " + e.name.padding(12) + "\(e.url) model \(e.model), \(key), timeout \(Quantity.formatDuration(e.timeoutNanoseconds)), \(e.concurrency) in flight, \(e.requestsPerMinute)/min, \(e.requestsPerDay)/day, breaker after \(e.breakerFailures) failures")
        }
        return out.joined(separator: "\n")
    }

    /// `, recover to safe, read back (redrive on mismatch)`: what happens after faults.
    static func lifecycle(_ o: OutputConfig, simulated: Bool) -> String {
        let gpio: Bool = if case .gpio = o.target { true } else { false }
        let every = gpio ? " every \(Quantity.formatDuration(o.readBackIntervalNanoseconds))" : " on every poll"
        // The simulated board's lines change only when edgeflow writes them: nothing to read back.
        let readBack =
            gpio && simulated
            ? ", no read-back (simulated board)"
            : o.readBack ? ", read back\(every) (\(o.onMismatch.rawValue) on mismatch)" : ", no read-back"
        return ", recover to \(o.onRecover == .safe ? "safe" : "last value")\(readBack)"
    }
}

extension String {
    /// The string left-aligned in a column of `width` (at least one space after it).
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}

