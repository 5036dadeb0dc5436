import EdgeCore

#if canImport(Glibc)
    import Glibc
#endif

/// Decodes the `ai:` section (docs/ai.md): either a list of named endpoints,
///
///     ai:
///       endpoints:
///         - {name: local, url: http://127.0.0.1:18081/v1, model: demo, ...}
///
/// or, for a single endpoint, its keys directly under `ai:` (the endpoint is then named
/// `default`). The API key is named by `api_key_file` or `api_key_env`, never written in the file.
enum AIDecoder {
    static let endpointKeys = [
        "name", "url", "model", "api_key_file", "api_key_env", "timeout", "max_tokens", "concurrency",
        "requests_per_minute", "requests_per_day", "breaker_failures", "breaker_backoff", "breaker_max_backoff", "ca_file",
    ]

    static func decode(_ node: YAMLNode, baseDir: String, reader: inout NodeReader) -> AIConfig? {
        var hasList = false
        if case .mapping(let pairs) = node.kind { hasList = pairs.contains { $0.key.scalarText == "endpoints" } }
        guard hasList else {
            // The single-endpoint form: the endpoint's keys directly under `ai:`.
            guard let endpoint = decodeEndpoint(node, "ai", defaultName: "default", baseDir: baseDir, reader: &reader)
            else { return nil }
            return AIConfig(endpoints: [endpoint])
        }
        guard let f = reader.fields(node, "ai", allowed: ["endpoints"]), let listNode = f["endpoints"],
            let items = reader.list(listNode, "ai.endpoints")
        else { return nil }
        if items.isEmpty {
            reader.bag.error(listNode.location, "ai.endpoints", "the list is empty", hint: "declare at least one endpoint, or remove the ai section")
        }
        var endpoints: [AIEndpointConfig] = []
        var failed = false
        for (i, item) in items.enumerated() {
            let path = "ai.endpoints[\(i)]"
            guard let e = decodeEndpoint(item, path, defaultName: nil, baseDir: baseDir, reader: &reader) else {
                failed = true
                continue
            }
            if endpoints.contains(where: { $0.name == e.name }) {
                reader.bag.error(item.location, join(path, "name"), "duplicate endpoint name '\(e.name)'")
                failed = true
                continue
            }
            endpoints.append(e)
        }
        return failed || endpoints.isEmpty ? nil : AIConfig(endpoints: endpoints)
    }

    static func decodeEndpoint(
        _ node: YAMLNode, _ path: String, defaultName: String?, baseDir: String, reader: inout NodeReader
    ) -> AIEndpointConfig? {
        let allowed = defaultName == nil ? endpointKeys : endpointKeys.filter { $0 != "name" }
        guard let f = reader.fields(node, path, allowed: allowed) else { return nil }
        let name: String? =
            defaultName ?? reader.require(f, "name", in: node, path).flatMap { reader.identifier($0, join(path, "name")) }
        var url = reader.require(f, "url", in: node, path).flatMap { reader.string($0, join(path, "url")) }
        if let text = url, let n = f["url"] {
            if !(text.hasPrefix("http://") || text.hasPrefix("https://")) {
                reader.bag.error(n.location, join(path, "url"), "'\(text)' is not an http(s) URL",
                    hint: "the base URL of an OpenAI-compatible API, e.g. https://api.openai.com/v1")
                url = nil
            } else {
                url = requestURL(base: text)
            }
        }
        let model = reader.require(f, "model", in: node, path).flatMap { reader.string($0, join(path, "model")) }
        var key = AIEndpointConfig.KeySource.none
        if f["api_key_file"] != nil, let b = f["api_key_env"] {
            reader.bag.error(b.location, join(path, "api_key_env"), "api_key_file and api_key_env are both set",
                hint: "name the key in one place")
        } else if let n = f["api_key_file"], let text = reader.string(n, join(path, "api_key_file")) {
            let file = Files.resolve(text, against: baseDir)
            if access(file, R_OK) == 0 {
                key = .file(file)
            } else {
                reader.bag.error(n.location, join(path, "api_key_file"), "cannot read '\(file)'",
                    hint: "the file holds the API key (a trailing newline is ignored)")
            }
        } else if let n = f["api_key_env"], let variable = reader.string(n, join(path, "api_key_env")) {
            if getenv(variable) == nil {
                reader.bag.error(n.location, join(path, "api_key_env"), "the environment variable '\(variable)' is not set",
                    hint: "set it in the agent's environment (systemd: Environment= or EnvironmentFile=)")
            } else {
                key = .environment(variable)
            }
        }
        var caFile: String?
        if let n = f["ca_file"], let text = reader.string(n, join(path, "ca_file")) {
            let file = Files.resolve(text, against: baseDir)
            if Files.exists(file) {
                caFile = file
            } else {
                reader.bag.error(n.location, join(path, "ca_file"), "no file '\(file)'")
            }
        }
        let second: Int64 = 1_000_000_000
        var endpoint = AIEndpointConfig(name: name ?? "", url: url ?? "", model: model ?? "", key: key, caFile: caFile)
        if let n = f["timeout"], let v = reader.duration(n, join(path, "timeout"), in: (second / 10)...(120 * second)) {
            endpoint.timeoutNanoseconds = v
        }
        if let n = f["max_tokens"], let v = reader.integer(n, join(path, "max_tokens"), in: 1...32_768) { endpoint.maxTokens = v }
        if let n = f["concurrency"], let v = reader.integer(n, join(path, "concurrency"), in: 1...16) { endpoint.concurrency = v }
        if let n = f["requests_per_minute"], let v = reader.integer(n, join(path, "requests_per_minute"), in: 1...10_000) {
            endpoint.requestsPerMinute = v
        }
        if let n = f["requests_per_day"], let v = reader.integer(n, join(path, "requests_per_day"), in: 1...10_000_000) {
            endpoint.requestsPerDay = v
        }
        if let n = f["breaker_failures"], let v = reader.integer(n, join(path, "breaker_failures"), in: 1...100) {
            endpoint.breakerFailures = v
        }
        if let n = f["breaker_backoff"], let v = reader.duration(n, join(path, "breaker_backoff"), in: (second / 10)...(3600 * second)) {
            endpoint.breakerBackoffNanoseconds = v
        }
        if let n = f["breaker_max_backoff"],
            let v = reader.duration(n, join(path, "breaker_max_backoff"), in: (second / 10)...(86_400 * second))
        {
            endpoint.breakerMaxBackoffNanoseconds = v
        }
        if endpoint.breakerMaxBackoffNanoseconds < endpoint.breakerBackoffNanoseconds, let n = f["breaker_max_backoff"] {
            reader.bag.error(n.location, join(path, "breaker_max_backoff"), "breaker_max_backoff is shorter than breaker_backoff",
                hint: "the pause between probes grows from breaker_backoff up to breaker_max_backoff")
        }
        guard name != nil, url != nil, model != nil else { return nil }
        return endpoint
    }

    /// `https://host/v1` → `https://host/v1/chat/completions`; a URL that already ends in
    /// `/chat/completions` is kept (Azure deployments and gateways name the full path).
    static func requestURL(base: String) -> String {
        if base.contains("/chat/completions") { return base }
        var trimmed = base
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        return trimmed + "/chat/completions"
    }
}
