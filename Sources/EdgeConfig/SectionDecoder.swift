import EdgeCore

/// Decodes the `uplink:` and `ai:` sections. Their engines arrive with later issues; the
/// settings are validated now so configs written today keep working.
enum SectionDecoder {
    static func uplink(_ node: YAMLNode, reader: inout NodeReader) -> UplinkConfig? {
        let path = "uplink"
        let allowed = [
            "transport", "url", "batch_interval", "spool_max", "encoder", "batch_records", "batch_bytes", "timeout", "budget",
        ]
        guard let f = reader.fields(node, path, allowed: allowed) else { return nil }
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
        let encoder = f["encoder"].flatMap { reader.choice($0, "uplink.encoder", ["harvest", "json", "columnar-gzip"]) } ?? "harvest"
        if encoder == "columnar-gzip", let n = f["encoder"] {
            reader.bag.error(
                n.location, "uplink.encoder", "encoder 'columnar-gzip' is not available in this build",
                hint: "use harvest (SORACOM Harvest Data) or json")
        }
        var records = f["batch_records"].flatMap { reader.integer($0, "uplink.batch_records", in: 1...10_000) } ?? 100
        if encoder == "harvest", records > 100, let n = f["batch_records"] {
            reader.bag.error(
                n.location, "uplink.batch_records", "\(records) records is more than one Harvest Data write takes",
                hint: "use at most 100 with encoder harvest")
            records = 100
        }
        let bytes = f["batch_bytes"].flatMap { reader.size($0, "uplink.batch_bytes", in: 1024...(16 << 20)) } ?? (64 << 10)
        let timeout = f["timeout"].flatMap { reader.duration($0, "uplink.timeout", in: 1_000_000_000...120_000_000_000) }
            ?? 10_000_000_000
        var bytesPerHour: Int64?
        var requestsPerHour: Int?
        if let budget = f["budget"], let b = reader.fields(budget, "uplink.budget", allowed: ["bytes_per_hour", "requests_per_hour"]) {
            bytesPerHour = b["bytes_per_hour"].flatMap { reader.size($0, "uplink.budget.bytes_per_hour", in: 1024...(1 << 40)) }
            requestsPerHour = b["requests_per_hour"].flatMap {
                reader.integer($0, "uplink.budget.requests_per_hour", in: 1...1_000_000)
            }
        }
        guard let transport, let url else { return nil }
        return UplinkConfig(
            transport: transport, url: url, batchIntervalNanoseconds: batch, spoolMaxBytes: spool, encoder: encoder,
            batchRecords: records, batchBytes: Int(bytes), timeoutNanoseconds: timeout, bytesPerHour: bytesPerHour,
            requestsPerHour: requestsPerHour)
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
