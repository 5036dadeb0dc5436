import EdgeCore

/// Decodes the `uplink:` and `ai:` sections. Their engines arrive with later issues; the
/// settings are validated now so configs written today keep working.
enum SectionDecoder {
    static func uplink(_ node: YAMLNode, reader: inout NodeReader) -> UplinkConfig? {
        let path = "uplink"
        guard let f = reader.fields(node, path, allowed: ["transport", "url", "batch_interval", "spool_max"]) else { return nil }
        let transport = reader.require(f, "transport", in: node, path).flatMap { reader.choice($0, "uplink.transport", ["http", "mqtt"]) }
        let url = reader.require(f, "url", in: node, path).flatMap { reader.string($0, "uplink.url") }
        if let transport, let url, let n = f["url"] {
            let schemes = transport == "http" ? ["http://", "https://"] : ["mqtt://", "mqtts://"]
            if !schemes.contains(where: url.hasPrefix) {
                reader.bag.error(n.location, "uplink.url", "'\(url)' is not a \(transport) URL",
                    hint: "start it with \(schemes.joined(separator: " or "))")
            }
        }
        let batch = f["batch_interval"].flatMap { reader.duration($0, "uplink.batch_interval", in: 100_000_000...3_600_000_000_000) }
            ?? 10_000_000_000
        let spool = f["spool_max"].flatMap { reader.size($0, "uplink.spool_max", in: 65_536...(1 << 40)) } ?? (64 << 20)
        guard let transport, let url else { return nil }
        return UplinkConfig(transport: transport, url: url, batchIntervalNanoseconds: batch, spoolMaxBytes: spool)
    }

    static func ai(_ node: YAMLNode, reader: inout NodeReader) -> AIConfig? {
        let path = "ai"
        let allowed = ["url", "timeout", "requests_per_minute", "requests_per_day", "breaker_failures"]
        guard let f = reader.fields(node, path, allowed: allowed) else { return nil }
        let url = reader.require(f, "url", in: node, path).flatMap { reader.string($0, "ai.url") }
        if let url, let n = f["url"], !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            reader.bag.error(n.location, "ai.url", "'\(url)' is not an http(s) URL")
        }
        let timeout = f["timeout"].flatMap { reader.duration($0, "ai.timeout", in: 100_000_000...120_000_000_000) } ?? 10_000_000_000
        let rpm = f["requests_per_minute"].flatMap { reader.integer($0, "ai.requests_per_minute", in: 1...10_000) } ?? 10
        let rpd = f["requests_per_day"].flatMap { reader.integer($0, "ai.requests_per_day", in: 1...10_000_000) } ?? 1000
        let breaker = f["breaker_failures"].flatMap { reader.integer($0, "ai.breaker_failures", in: 1...100) } ?? 3
        guard let url else { return nil }
        return AIConfig(url: url, timeoutNanoseconds: timeout, requestsPerMinute: rpm, requestsPerDay: rpd, breakerFailures: breaker)
    }
}
