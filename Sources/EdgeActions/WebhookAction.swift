import EdgeCore
import EdgeUplink

/// Why an action produced no output.
struct ActionFailureInfo: Error, Sendable, Equatable {
    /// `timeout`, `connection`, `http-status`, `envelope`, `invalid-config`, `io`.
    var kind: String
    var message: String
}

/// The `webhook` and `slack` actions (docs/flow-language.md §4): an HTTP request built from the
/// rendered config, result `{"status", "headers", "body"}`; HTTP >= 400 is a failure.
enum WebhookAction {
    static let keys = ["method", "url", "headers", "body", "auth", "timeoutSeconds"]
    static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    /// Checks a webhook config before the app runs.
    static func validate(_ config: JSONValue) -> [ConfigProblem] {
        guard case .object(let object) = config else { return [ConfigProblem(path: "", message: "config must be an object")] }
        var problems: [ConfigProblem] = []
        for key in object.keys where !keys.contains(key) {
            problems.append(ConfigProblem(path: key, message: "unknown key '\(key)'", hint: "webhook config takes \(keys.joined(separator: ", "))"))
        }
        if let method = object["method"] {
            if method.stringValue.map({ methods.contains($0.uppercased()) }) != true {
                problems.append(ConfigProblem(path: "method", message: "method must be one of \(methods.joined(separator: ", "))"))
            }
        }
        switch object["url"] {
        case .string(let url):
            if !(url.hasPrefix("http://") || url.hasPrefix("https://") || url.hasPrefix("${")) {
                problems.append(ConfigProblem(path: "url", message: "'\(url)' is not an http(s) URL"))
            }
        case nil: problems.append(ConfigProblem(path: "url", message: "missing required key 'url'"))
        default: problems.append(ConfigProblem(path: "url", message: "url must be a string"))
        }
        if let headers = object["headers"] {
            if case .object(let h) = headers {
                for (name, value) in h.members where value.stringValue == nil {
                    problems.append(ConfigProblem(path: "headers.\(name)", message: "header values must be strings"))
                }
            } else {
                problems.append(ConfigProblem(path: "headers", message: "headers must be an object of name: value"))
            }
        }
        if let body = object["body"] {
            if case .object(let b) = body {
                if b["content"]?.stringValue == nil { problems.append(ConfigProblem(path: "body.content", message: "body needs a content template string")) }
                for key in b.keys where !["contentType", "content"].contains(key) {
                    problems.append(ConfigProblem(path: "body.\(key)", message: "unknown key '\(key)'", hint: "body takes contentType and content"))
                }
            } else {
                problems.append(ConfigProblem(path: "body", message: "body must be {contentType, content}"))
            }
        }
        if let auth = object["auth"] { problems += validateAuth(auth) }
        if let t = object["timeoutSeconds"] {
            if t.numberValue.map({ $0 > 0 && $0 <= 120 }) != true {
                problems.append(ConfigProblem(path: "timeoutSeconds", message: "timeoutSeconds must be a number in 0...120 (exclusive of 0)"))
            }
        }
        return problems
    }

    static func validateAuth(_ auth: JSONValue) -> [ConfigProblem] {
        guard case .object(let a) = auth, let type = a["type"]?.stringValue else {
            return [ConfigProblem(path: "auth", message: "auth must be {type: none|basic|bearer, ...}")]
        }
        switch type {
        case "none": return []
        case "basic":
            var p: [ConfigProblem] = []
            if a["username"]?.stringValue == nil { p.append(ConfigProblem(path: "auth.username", message: "basic auth needs a username")) }
            if a["passwordFile"]?.stringValue == nil {
                p.append(ConfigProblem(path: "auth.passwordFile", message: "basic auth needs passwordFile",
                    hint: "secrets are read from files, never written in the app"))
            }
            return p
        case "bearer":
            return a["tokenFile"]?.stringValue == nil
                ? [ConfigProblem(path: "auth.tokenFile", message: "bearer auth needs tokenFile", hint: "secrets are read from files, never written in the app")]
                : []
        default:
            return [ConfigProblem(path: "auth.type", message: "'\(type)' is not an auth type", hint: "use none, basic or bearer")]
        }
    }

    /// Builds the request from a rendered config and the input message.
    static func request(config: JSONValue, input: JSONValue) throws(ActionFailureInfo) -> HTTPRequest {
        guard let url = config["url"].stringValue else { throw ActionFailureInfo(kind: "invalid-config", message: "url is missing") }
        let method = config["method"].stringValue?.uppercased() ?? "POST"
        var headers: [(name: String, value: String)] = []
        if case .object(let h) = config["headers"] {
            for (name, value) in h.members { if let v = value.stringValue { headers.append((name, v)) } }
        }
        var body: [UInt8] = []
        if method != "GET" && method != "DELETE" {
            if case .object(let b) = config["body"] {
                body = Array((b["content"]?.stringValue ?? "").utf8)
                if let type = b["contentType"]?.stringValue { headers.append(("Content-Type", type)) }
            } else {
                // No body template: forward the input message as JSON.
                body = Array(input.compactJSON.utf8)
                headers.append(("Content-Type", "application/json"))
            }
        }
        switch config["auth"]["type"].stringValue {
        case "basic":
            let user = config["auth"]["username"].stringValue ?? ""
            let password = try readSecret(config["auth"]["passwordFile"].stringValue ?? "")
            headers.append(("Authorization", "Basic " + base64(Array("\(user):\(password)".utf8))))
        case "bearer":
            let token = try readSecret(config["auth"]["tokenFile"].stringValue ?? "")
            headers.append(("Authorization", "Bearer \(token)"))
        default:
            break
        }
        let timeout = config["timeoutSeconds"].numberValue ?? 10
        return HTTPRequest(method: method, url: url, headers: headers, body: body, timeoutMilliseconds: Int(timeout * 1000))
    }

    /// Performs the request on the calling (worker) thread and shapes the Flux result.
    static func perform(_ request: HTTPRequest, client: HTTPClient) -> Result<JSONValue, ActionFailureInfo> {
        let response: HTTPResponse
        do {
            response = try client.perform(request)
        } catch {
            return .failure(ActionFailureInfo(kind: error.kind.rawValue, message: error.message))
        }
        let text = String(decoding: response.body, as: UTF8.self)
        let body: JSONValue = (try? JSONValue.parse(text)) ?? .string(text)
        var headers = JSONObject()
        for (name, value) in response.headers { headers[name] = .string(value) }
        let result: JSONValue = .object(JSONObject([
            ("status", .number(Double(response.status))), ("headers", .object(headers)), ("body", body),
        ]))
        if response.status >= 400 {
            return .failure(ActionFailureInfo(kind: "http-status", message: "HTTP \(response.status): \(String(text.prefix(200)))"))
        }
        return .success(result)
    }

    /// A secret from a file, without a trailing newline; unreadable files fail the action.
    static func readSecret(_ path: String) throws(ActionFailureInfo) -> String {
        do {
            var text = try Files.readText(path, limit: 65536)
            while text.last == "\n" || text.last == "\r\n" || text.last == " " { text.removeLast() }
            return text
        } catch {
            throw ActionFailureInfo(kind: "io", message: "\(error)")
        }
    }

    static func base64(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(table[Int(b0 >> 2)])
            out.append(table[Int((b0 & 3) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? table[Int((b1 & 15) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? table[Int(b2 & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The `slack` action: an incoming-webhook POST of `{"text": ...}`.
enum SlackAction {
    static func validate(_ config: JSONValue) -> [ConfigProblem] {
        guard case .object(let o) = config else { return [ConfigProblem(path: "", message: "config must be an object")] }
        var p: [ConfigProblem] = []
        for key in o.keys where !["url", "text"].contains(key) {
            p.append(ConfigProblem(path: key, message: "unknown key '\(key)'", hint: "slack config takes url and text"))
        }
        if o["url"]?.stringValue == nil { p.append(ConfigProblem(path: "url", message: "missing required key 'url'")) }
        if o["text"]?.stringValue == nil { p.append(ConfigProblem(path: "text", message: "missing required key 'text'")) }
        return p
    }

    static func request(config: JSONValue) throws(ActionFailureInfo) -> HTTPRequest {
        guard let url = config["url"].stringValue else { throw ActionFailureInfo(kind: "invalid-config", message: "url is missing") }
        let body = JSONValue.object(JSONObject([("text", .string(config["text"].stringValue ?? ""))])).compactJSON
        return HTTPRequest(method: "POST", url: url, headers: [("Content-Type", "application/json")], body: Array(body.utf8))
    }
}
