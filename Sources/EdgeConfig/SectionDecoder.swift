import EdgeCore

#if canImport(Glibc)
    import Glibc
#endif

/// Decodes the `uplink:` section (the `ai:` section is `AIDecoder`).
enum SectionDecoder {
    static func uplink(_ node: YAMLNode, baseDir: String, reader: inout NodeReader) -> UplinkConfig? {
        let path = "uplink"
        let allowed = [
            "transport", "url", "batch_interval", "spool_max", "encoder", "batch_records", "batch_bytes", "timeout", "budget",
            "headers", "header_files", "ca_file", "proxy", "topic", "client_id", "username", "password_file", "keep_alive",
            "profile", "record", "sync_interval", "spool_max_age", "retry_max",
        ]
        guard let f = reader.fields(node, path, allowed: allowed) else { return nil }
        // A profile fills in transport, URL and encoder for SORACOM's endpoints (plain HTTP,
        // which stays inside the SIM's network); keys given explicitly still win.
        let profiles = ["soracom-harvest": "http://harvest.soracom.io", "soracom-unified": "http://uni.soracom.io"]
        let profile = f["profile"].flatMap { reader.choice($0, "uplink.profile", profiles.keys.sorted()) }
        let transport = f["transport"].map { reader.choice($0, "uplink.transport", ["http", "mqtt"]) }
            ?? (profile != nil ? "http" : reader.require(f, "transport", in: node, path).flatMap { reader.choice($0, "uplink.transport", ["http", "mqtt"]) })
        let url = f["url"].map { reader.string($0, "uplink.url") }
            ?? (profile.flatMap { profiles[$0] } ?? reader.require(f, "url", in: node, path).flatMap { reader.string($0, "uplink.url") })
        if let n = f["profile"], transport == "mqtt" {
            reader.bag.error(n.location, "uplink.profile", "the SORACOM profiles use transport http")
        }
        let record = f["record"].flatMap { reader.choice($0, "uplink.record", ["frames", "flows"]) } ?? "frames"
        if let transport, let url, let n = f["url"] {
            let schemes = transport == "http" ? ["http://", "https://"] : ["mqtt://", "mqtts://"]
            if !schemes.contains(where: url.hasPrefix) {
                reader.bag.error(n.location, "uplink.url", "'\(url)' is not a \(transport) URL",
                    hint: "start it with \(schemes.joined(separator: " or "))")
            }
        }
        // A bare 0 needs no unit: it means "no window", not a length of time.
        let batch = f["batch_interval"].flatMap {
            $0.scalarText == "0" ? 0 : reader.duration($0, "uplink.batch_interval", in: 0...3_600_000_000_000)
        } ?? 10_000_000_000
        let spool = f["spool_max"].flatMap { reader.size($0, "uplink.spool_max", in: 65_536...(1 << 40)) } ?? (64 << 20)
        let encoder = f["encoder"].flatMap { reader.choice($0, "uplink.encoder", ["harvest", "json", "columnar-gzip"]) }
            ?? (transport == "mqtt" ? "json" : "harvest")
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
        var headers: [(name: String, value: String)] = []
        for (key, files) in [("headers", false), ("header_files", true)] {
            guard let map = f[key] else { continue }
            guard case .mapping(let pairs) = map.kind else {
                reader.bag.error(map.location, "uplink.\(key)", "expected a mapping of header name to \(files ? "file" : "value")")
                continue
            }
            for (nameNode, valueNode) in pairs {
                let name = nameNode.scalarText ?? ""
                let path = "uplink.\(key).\(name)"
                let token = name.unicodeScalars.allSatisfy { $0.value > 32 && $0.value < 127 && $0 != ":" }
                guard !name.isEmpty, token else {
                    reader.bag.error(nameNode.location, path, "'\(name)' is not a valid header name")
                    continue
                }
                guard let text = reader.string(valueNode, path) else { continue }
                var value = text
                if files {
                    let file = Files.resolve(text, against: baseDir)
                    do {
                        value = try Files.readText(file, limit: 16 << 10)
                        while value.hasSuffix("\n") || value.hasSuffix("\r") { value.removeLast() }
                    } catch {
                        reader.bag.error(valueNode.location, path, "\(error)", hint: "the file holds the header's value (a secret)")
                        continue
                    }
                }
                guard !value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) else {
                    reader.bag.error(valueNode.location, path, "the value of header '\(name)' has a line break")
                    continue
                }
                headers.append((name, value))
            }
        }
        var caFile: String?
        if let n = f["ca_file"], let text = reader.string(n, "uplink.ca_file") {
            let file = Files.resolve(text, against: baseDir)
            if Files.exists(file) {
                caFile = file
            } else {
                reader.bag.error(n.location, "uplink.ca_file", "no file '\(file)'", hint: "a PEM bundle of the CAs to trust")
            }
        }
        var proxy: String?
        if let n = f["proxy"], let text = reader.string(n, "uplink.proxy") {
            if ["http://", "https://", "socks5://", "socks5h://"].contains(where: text.hasPrefix) {
                proxy = text
            } else {
                reader.bag.error(n.location, "uplink.proxy", "'\(text)' is not a proxy URL", hint: "e.g. http://proxy.local:3128")
            }
        }
        // MQTT settings: only with transport mqtt, and the topic must be publishable.
        let mqttKeys = ["topic", "client_id", "username", "password_file", "keep_alive"]
        if transport == "mqtt" {
            for key in ["headers", "header_files", "proxy"] {
                if let n = f[key] {
                    reader.bag.error(n.location, "uplink.\(key)", "\(key) applies to transport http only")
                }
            }
        } else {
            for key in mqttKeys {
                if let n = f[key] {
                    reader.bag.error(n.location, "uplink.\(key)", "\(key) applies to transport mqtt only")
                }
            }
        }
        let topic = f["topic"].flatMap { reader.string($0, "uplink.topic") } ?? "edgeflow/${gateway}/data"
        if let n = f["topic"], topic.contains("+") || topic.contains("#") || topic.hasPrefix("$") {
            reader.bag.error(n.location, "uplink.topic", "'\(topic)' is not a topic one can publish to",
                hint: "no wildcards (+ #) and no leading $; e.g. edgeflow/${gateway}/data")
        }
        let clientID = f["client_id"].flatMap { reader.string($0, "uplink.client_id") }
        let username = f["username"].flatMap { reader.string($0, "uplink.username") }
        var passwordFile: String?
        if let n = f["password_file"], let text = reader.string(n, "uplink.password_file") {
            let file = Files.resolve(text, against: baseDir)
            if access(file, R_OK) == 0 {
                passwordFile = file
            } else {
                reader.bag.error(n.location, "uplink.password_file", "cannot read '\(file)'", hint: "the file holds the password")
            }
        }
        let keepAlive = f["keep_alive"].flatMap { reader.duration($0, "uplink.keep_alive", in: 5_000_000_000...3_600_000_000_000) }
            .map { Int($0 / 1_000_000_000) } ?? 30
        guard let transport, let url else { return nil }
        return UplinkConfig(
            transport: transport, url: url, batchIntervalNanoseconds: batch, spoolMaxBytes: spool, encoder: encoder,
            batchRecords: records, batchBytes: Int(bytes), timeoutNanoseconds: timeout, bytesPerHour: bytesPerHour,
            requestsPerHour: requestsPerHour, headers: headers, caFile: caFile, proxy: proxy, topic: topic,
            clientID: clientID, username: username, passwordFile: passwordFile, keepAliveSeconds: keepAlive,
            recordFrames: record == "frames",
            syncIntervalNanoseconds: f["sync_interval"].flatMap {
                reader.duration($0, "uplink.sync_interval", in: 10_000_000...3_600_000_000_000)
            } ?? 1_000_000_000,
            spoolMaxAgeNanoseconds: f["spool_max_age"].flatMap {
                reader.duration($0, "uplink.spool_max_age", in: 60_000_000_000...(3650 * 86_400_000_000_000))
            },
            retryMaxNanoseconds: f["retry_max"].flatMap {
                reader.duration($0, "uplink.retry_max", in: 1_000_000_000...3_600_000_000_000)
            } ?? 30_000_000_000)
    }
}
