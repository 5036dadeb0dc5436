public import EdgeConfig
import EdgeCore
public import EdgeFlux

/// Renders frames as short human lines for `edgeflow run`'s live view:
/// `12:00:01.250  boiler  temp=81.5 degC  pressure=1.62 bar`.
public struct LiveView: Sendable {
    let config: AgentConfig

    /// Creates the view for a config's sources.
    public init(config: AgentConfig) {
        self.config = config
    }

    /// One line for a frame: its present points, failed reads as `name=? (timeout)`.
    public func describe(_ frame: FrameView) -> String {
        let source = config.sources[frame.source]
        var parts: [String] = []
        for i in 0..<min(frame.count, source.pointNames.count) where frame.qualities[i] != .absent {
            let name = source.pointNames[i]
            guard frame.qualities[i] == .good else {
                parts.append("\(name)=? (\(frame.qualities[i].name))")
                continue
            }
            let unit = i < source.pointUnits.count && !source.pointUnits[i].isEmpty ? " \(source.pointUnits[i])" : ""
            if let text = frame.text(at: i) {
                parts.append("\(name)=\"\(text)\"")
            } else {
                parts.append("\(name)=\(Self.format(frame.values[i]))\(unit)")
            }
        }
        return "\(Self.clockTime(frame.timestamp))  \(source.id.padded(10)) \(parts.joined(separator: "  "))"
    }

    /// One line per action outcome: `  -> boiler-room/too-hot ran: {"temp":91.2}`; nil for
    /// actions that ran without a result worth showing (an archive's spool id every second).
    public func describe(_ trace: FlowTrace) -> String? {
        let who = "\(trace.appId)/\(trace.actionId)"
        switch trace.outcome {
        case .ran(let result):
            // A republish line follows for actions with an output; spool receipts are noise.
            if trace.outputChannelId != nil || result?["queued"] == .bool(true) { return nil }
            return "  -> \(who) ran\(result.map { ": " + Self.short($0) } ?? "")"
        case .failed(let failure):
            return "  !! \(who) failed (\(failure.kind)): \(failure.message)"
        case .republished(let payload, let delay):
            let channel = trace.outputChannelId ?? "?"
            return "  -> \(who) republished to \(channel)\(delay > 0 ? " in \(delay)s" : ""): \(Self.short(payload))"
        case .refused(let reason):
            return "  !! \(who) refused: \(reason)"
        case .dropped:
            return "  !! \(who) dropped (queue full)"
        case .conditionError(let value):
            return "  !! \(who) condition gave \(Self.short(value)), not a boolean"
        }
    }

    static func short(_ value: JSONValue) -> String {
        let text = value.compactJSON
        return text.count > 120 ? String(text.prefix(117)) + "..." : text
    }

    /// Two decimals at most, trailing zeros trimmed: easy to read on a terminal.
    static func format(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return JSONValue.formatNumber(rounded)
    }

    /// `HH:MM:SS.mmm` in UTC.
    static func clockTime(_ ns: Int64) -> String {
        let ms = (ns / 1_000_000) % 86_400_000
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let millis = ms % 1000
        let m = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(two(ms / 3_600_000)):\(two(ms / 60_000 % 60)):\(two(ms / 1000 % 60)).\(m)"
    }
}

extension String {
    func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
