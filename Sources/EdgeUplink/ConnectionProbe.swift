import CCurl
import CCurlShims

/// How far a connection to an endpoint got, for `edgeflow doctor`: name resolution, the TCP
/// connection, and (for https and mqtts) the TLS handshake with certificate verification.
public struct ConnectionProbe: Sendable, Equatable {
    /// The stage a probe stopped at.
    public enum Stage: String, Sendable {
        /// The host name did not resolve.
        case dns
        /// The host resolved but nothing accepted the TCP connection (in time).
        case tcp
        /// TCP connected but the TLS handshake or the certificate check failed.
        case tls
        /// Everything the scheme needs succeeded.
        case connected
    }

    /// Where it stopped.
    public var stage: Stage
    /// Whether a TLS handshake was part of it (https, mqtts).
    public var tls: Bool
    /// libcurl's account when it failed.
    public var message: String?
}

extension HTTPClient {
    /// Resolves, connects and (for `https://` and `mqtts://`) completes the TLS handshake to the
    /// host and port of `url`, sending nothing else. MQTT URLs are probed as their TCP/TLS
    /// transport. Bounded by `timeoutMilliseconds`.
    public func probeConnection(
        url: String, caFile: String? = nil, proxy: String? = nil, timeoutMilliseconds: Int = 5000
    ) -> ConnectionProbe {
        var target = url
        for (scheme, transport) in [("mqtts://", "https://"), ("mqtt://", "http://")] where url.hasPrefix(scheme) {
            // libcurl's own MQTT speaks only QoS 0; the probe needs just the connection.
            target = transport + url.dropFirst(scheme.count)
        }
        let tls = target.hasPrefix("https://")
        guard target.hasPrefix("http://") || tls else {
            return ConnectionProbe(stage: .dns, tls: false, message: "'\(url)' is not an http(s) or mqtt(s) URL")
        }
        curl_easy_reset(handle)
        let raw = handle
        func opt(_ o: CURLoption) -> Int32 { Int32(bitPattern: o.rawValue) }
        _ = edgeflow_curl_setopt_string(raw, opt(CURLOPT_URL), target)
        _ = edgeflow_curl_setopt_long(raw, opt(CURLOPT_NOSIGNAL), 1)
        _ = edgeflow_curl_setopt_long(raw, opt(CURLOPT_CONNECT_ONLY), 1)
        _ = edgeflow_curl_setopt_long(raw, opt(CURLOPT_TIMEOUT_MS), timeoutMilliseconds)
        _ = edgeflow_curl_setopt_long(raw, opt(CURLOPT_CONNECTTIMEOUT_MS), timeoutMilliseconds)
        if let caFile { _ = edgeflow_curl_setopt_string(raw, opt(CURLOPT_CAINFO), caFile) }
        if let proxy { _ = edgeflow_curl_setopt_string(raw, opt(CURLOPT_PROXY), proxy) }
        let code = curl_easy_perform(raw)
        // The next request must not reuse a connect-only handle's settings.
        defer { curl_easy_reset(raw) }
        guard code != CURLE_OK else { return ConnectionProbe(stage: .connected, tls: tls, message: nil) }
        let message = String(cString: curl_easy_strerror(code))
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return ConnectionProbe(stage: .dns, tls: tls, message: message)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
            CURLE_SSL_CERTPROBLEM:
            return ConnectionProbe(stage: .tls, tls: tls, message: message)
        default:
            return ConnectionProbe(stage: .tcp, tls: tls, message: message)
        }
    }
}
