internal import CCurl
internal import CCurlShims

/// An HTTP request as actions and the uplink make it.
public struct HTTPRequest: Sendable {
    /// `GET`, `POST`, `PUT`, `PATCH`, `DELETE`.
    public var method: String
    /// Absolute `http://` or `https://` URL.
    public var url: String
    /// Request headers in order.
    public var headers: [(name: String, value: String)]
    /// The body (empty for none).
    public var body: [UInt8]
    /// Whole-request timeout in milliseconds.
    public var timeoutMilliseconds: Int
    /// Bytes of response body kept; the transfer stops once this many have arrived.
    public var maxResponseBytes: Int
    /// CA bundle to verify the server with instead of the system's (TLS verification is always on).
    public var caFile: String?
    /// Proxy URL (`http://proxy:3128`); nil: libcurl's default, which honours the usual environment variables.
    public var proxy: String?

    /// Creates a request.
    public init(
        method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        timeoutMilliseconds: Int = 10_000, maxResponseBytes: Int = 8192, caFile: String? = nil, proxy: String? = nil
    ) {
        self.caFile = caFile
        self.proxy = proxy
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutMilliseconds = timeoutMilliseconds
        self.maxResponseBytes = maxResponseBytes
    }
}

/// What came back.
public struct HTTPResponse: Sendable {
    /// The status code.
    public var status: Int
    /// Response headers (names lower-cased), in order.
    public var headers: [(name: String, value: String)]
    /// The body, at most `maxResponseBytes`.
    public var body: [UInt8]
    /// True when the body was cut at `maxResponseBytes`.
    public var truncated: Bool

    /// Creates a response (the client builds them; tests of answer readers too).
    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8], truncated: Bool) {
        self.status = status
        self.headers = headers
        self.body = body
        self.truncated = truncated
    }
}

/// A failed transfer: timeout, refused connection, DNS failure, TLS problem, bad URL.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    /// Broad classes callers act on (a circuit breaker counts them all as "unavailable").
    public enum Kind: String, Sendable {
        case timeout
        case connection
        case invalidRequest = "invalid-request"
        case other
    }

    /// The class.
    public var kind: Kind
    /// libcurl's message.
    public var message: String

    /// `timeout: Operation timed out after 1000 milliseconds`.
    public var description: String { "\(kind.rawValue): \(message)" }
}

/// A blocking HTTP client on libcurl's easy interface. Calls block the calling thread, so
/// they belong on an owner thread (an action worker, the uplink thread), never on Swift's
/// cooperative pool. One client per thread: a curl handle is not thread-safe.
public final class HTTPClient {
    let handle: UnsafeMutableRawPointer

    private static let globalInit: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    /// Creates a client (one reusable curl handle, which keeps connections alive).
    public init() throws(HTTPError) {
        guard HTTPClient.globalInit, let h = curl_easy_init() else {
            throw HTTPError(kind: .other, message: "libcurl failed to initialise")
        }
        handle = h
    }

    deinit { curl_easy_cleanup(handle) }

    /// Performs the request and waits for the response (bounded by the request's timeout).
    public func perform(_ request: HTTPRequest) throws(HTTPError) -> HTTPResponse {
        guard request.url.hasPrefix("http://") || request.url.hasPrefix("https://") else {
            throw HTTPError(kind: .invalidRequest, message: "'\(request.url)' is not an http(s) URL")
        }
        let allowedMethods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
        guard allowedMethods.contains(request.method) else {
            throw HTTPError(kind: .invalidRequest, message: "unsupported method '\(request.method)'")
        }
        curl_easy_reset(handle)
        let raw = handle
        let sink = Unmanaged.passRetained(ResponseSink(limit: request.maxResponseBytes))
        defer { sink.release() }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        for (name, value) in request.headers {
            // A header with CR/LF would let a template inject extra headers; refuse it.
            guard !(name + value).unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) else {
                throw HTTPError(kind: .invalidRequest, message: "header '\(name)' contains a line break")
            }
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }
        // Without this curl sends "Expect: 100-continue" for larger bodies and waits a second.
        headerList = curl_slist_append(headerList, "Expect:")
        _ = edgeflow_curl_setopt_string(raw, opt(CURLOPT_URL), request.url)
        _ = edgeflow_curl_setopt_long(raw, opt(CURLOPT_NOSIGNAL), 1)
        _ = edgeflow_curl_setopt_long(raw, opt(CURLOPT_TIMEOUT_MS), request.timeoutMilliseconds)
        _ = edgeflow_curl_setopt_long(raw, opt(CURLOPT_CONNECTTIMEOUT_MS), min(request.timeoutMilliseconds, 5000))
        _ = edgeflow_curl_setopt_string(raw, opt(CURLOPT_PROTOCOLS_STR), "http,https")
        if let caFile = request.caFile { _ = edgeflow_curl_setopt_string(raw, opt(CURLOPT_CAINFO), caFile) }
        if let proxy = request.proxy { _ = edgeflow_curl_setopt_string(raw, opt(CURLOPT_PROXY), proxy) }
        _ = edgeflow_curl_setopt_pointer(raw, opt(CURLOPT_HTTPHEADER), UnsafeMutableRawPointer(headerList))
        _ = edgeflow_curl_setopt_write_function(raw) { data, size, count, user in
            guard let data, let user else { return 0 }
            let sink = Unmanaged<ResponseSink>.fromOpaque(user).takeUnretainedValue()
            return sink.body(UnsafeRawBufferPointer(start: data, count: size * count))
        }
        _ = edgeflow_curl_setopt_pointer(raw, opt(CURLOPT_WRITEDATA), sink.toOpaque())
        _ = edgeflow_curl_setopt_header_function(raw) { data, size, count, user in
            guard let data, let user else { return 0 }
            let sink = Unmanaged<ResponseSink>.fromOpaque(user).takeUnretainedValue()
            sink.header(UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        }
        _ = edgeflow_curl_setopt_pointer(raw, opt(CURLOPT_HEADERDATA), sink.toOpaque())
        if request.method == "HEAD" {
            _ = edgeflow_curl_setopt_long(raw, opt(CURLOPT_NOBODY), 1)
        } else if request.method != "GET" {
            _ = edgeflow_curl_setopt_string(raw, opt(CURLOPT_CUSTOMREQUEST), request.method)
        }
        let code: CURLcode = request.body.withUnsafeBufferPointer { body in
            if !body.isEmpty || (request.method != "GET" && request.method != "HEAD") {
                _ = edgeflow_curl_setopt_long(raw, opt(CURLOPT_POSTFIELDSIZE), body.count)
                // COPYPOSTFIELDS copies, so the buffer's lifetime does not matter to curl.
                if let base = body.baseAddress {
                    _ = edgeflow_curl_setopt_pointer(raw, opt(CURLOPT_COPYPOSTFIELDS), UnsafeMutableRawPointer(mutating: base))
                } else {
                    _ = edgeflow_curl_setopt_string(raw, opt(CURLOPT_COPYPOSTFIELDS), "")
                }
            }
            return curl_easy_perform(handle)
        }
        let response = sink.takeUnretainedValue()
        if code != CURLE_OK && !(code == CURLE_WRITE_ERROR && response.truncated) {
            let message = String(cString: curl_easy_strerror(code))
            let kind: HTTPError.Kind
            switch code {
            case CURLE_OPERATION_TIMEDOUT: kind = .timeout
            case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING,
                CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION:
                kind = .connection
            case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: kind = .invalidRequest
            default: kind = .other
            }
            throw HTTPError(kind: kind, message: message)
        }
        var status = 0
        _ = edgeflow_curl_getinfo_long(raw, Int32(bitPattern: CURLINFO_RESPONSE_CODE.rawValue), &status)
        return HTTPResponse(status: status, headers: response.headers, body: response.bytes, truncated: response.truncated)
    }

    private func opt(_ option: CURLoption) -> Int32 { Int32(bitPattern: option.rawValue) }
}

/// Collects the response; stops the transfer (by returning 0 to curl) once the cap is reached.
private final class ResponseSink {
    let limit: Int
    var bytes: [UInt8] = []
    var headers: [(name: String, value: String)] = []
    var truncated = false

    init(limit: Int) { self.limit = limit }

    func body(_ chunk: UnsafeRawBufferPointer) -> Int {
        let room = limit - bytes.count
        if chunk.count > room {
            bytes.append(contentsOf: chunk.prefix(max(room, 0)))
            truncated = true
            return 0
        }
        bytes.append(contentsOf: chunk)
        return chunk.count
    }

    func header(_ line: UnsafeRawBufferPointer) {
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix("HTTP/") {
            headers.removeAll()  // a new status line (redirect, 100-continue) starts a new header set
            return
        }
        guard headers.count < 100, let colon = text.firstIndex(of: ":") else { return }
        let name = text[..<colon].lowercased()
        let value = text[text.index(after: colon)...].trimmingCharacters()
        headers.append((name, value))
    }
}

extension Substring {
    /// Trims by scalar: "\r\n" is one Character in Swift, so Character comparisons miss it.
    fileprivate func trimmingCharacters() -> String {
        var s = Substring.UnicodeScalarView(unicodeScalars)
        let space: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        while let f = s.first, space(f) { s = s.dropFirst() }
        while let l = s.last, space(l) { s = s.dropLast() }
        return String(s)
    }
}

extension HTTPClient {
    /// The libcurl this process runs with, as libcurl describes itself
    /// (`libcurl/7.88.1 OpenSSL/3.0.17 zlib/1.2.13 ...`).
    public static var libraryVersion: String {
        guard let text = curl_version() else { return "unknown" }
        return String(cString: text)
    }
}
