import EdgeCore

/// The request line and headers of one HTTP/1.1 request to the status or metrics endpoint.
/// Only what the endpoints need is kept: method, path (query dropped), Content-Length.
struct HTTPRequestHead: Sendable, Equatable {
    /// `GET`, `POST`, ...
    var method: String
    /// The path without the query (`/status`).
    var path: String
    /// Body length announced by the client (0 without the header).
    var contentLength: Int

    /// Why a request could not be parsed; becomes a 400 with this text.
    struct Malformed: Error, Equatable {
        var reason: String
    }

    /// The largest request head accepted; more is a 431.
    static let maxHeadBytes = 8192

    /// Index just past the blank line ending the head in `bytes`, if it has arrived.
    static func headEnd(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 3..<bytes.count where bytes[i] == 10 && bytes[i - 1] == 13 && bytes[i - 2] == 10 && bytes[i - 3] == 13
        {
            return i + 1
        }
        return nil
    }

    /// Parses a head (`bytes` up to and including the blank line).
    static func parse(_ bytes: ArraySlice<UInt8>) throws(Malformed) -> HTTPRequestHead {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw Malformed(reason: "the request is not UTF-8")
        }
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
        guard !lines.isEmpty else { throw Malformed(reason: "empty request") }
        let requestLine = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: false)
        guard requestLine.count == 3 else {
            throw Malformed(reason: "the request line is not 'METHOD /path HTTP/1.1'")
        }
        let method = String(requestLine[0])
        guard !method.isEmpty, method.utf8.allSatisfy({ (65...90).contains($0) }) else {
            throw Malformed(reason: "'\(method)' is not an HTTP method")
        }
        guard requestLine[2] == "HTTP/1.1" || requestLine[2] == "HTTP/1.0" else {
            throw Malformed(reason: "'\(requestLine[2])' is not HTTP/1.0 or HTTP/1.1")
        }
        var target = requestLine[1]
        // curl sends an absolute path; an absolute-form target (`http://x/status`) is allowed too.
        if target.hasPrefix("http://") {
            let rest = target.dropFirst(7)
            target = rest.firstIndex(of: "/").map { rest[$0...] } ?? "/"
        }
        guard target.hasPrefix("/") else { throw Malformed(reason: "the target '\(target)' is not a path") }
        let path = String(target.prefix { $0 != "?" && $0 != "#" })
        var contentLength = 0
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else {
                throw Malformed(reason: "header line '\(line.prefix(40))' has no colon")
            }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces
            if name == "content-length" {
                guard let n = Int(value), n >= 0 else {
                    throw Malformed(reason: "Content-Length '\(value)' is not a length")
                }
                contentLength = n
            } else if name == "transfer-encoding" {
                throw Malformed(reason: "chunked request bodies are not accepted")
            }
        }
        return HTTPRequestHead(method: method, path: path, contentLength: contentLength)
    }
}

/// A response of the status or metrics endpoint; always sent with `Connection: close`.
public struct HTTPResponse: Sendable {
    /// Status code.
    public var status: Int
    /// Media type of the body.
    public var contentType: String
    /// The body.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, contentType: String = "application/json", body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// A JSON error body `{"error": "..."}` with `status`.
    static func error(_ status: Int, _ message: String) -> HTTPResponse {
        HTTPResponse(
            status: status, body: Array(JSONValue.object(JSONObject([("error", .string(message))])).compactJSON.utf8))
    }

    /// The bytes on the wire.
    var serialized: [UInt8] {
        let head =
            "HTTP/1.1 \(status) \(Self.reason(status))\r\nContent-Type: \(contentType)\r\n"
            + "Content-Length: \(body.count)\r\n"
            + "Connection: close\r\nCache-Control: no-store\r\n\r\n"
        return Array(head.utf8) + body
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
