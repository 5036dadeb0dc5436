public import EdgeCore
public import EdgeUplink

/// Why an `ai` request produced no usable answer. Every kind except the local refusals counts as
/// a failure of the endpoint for its circuit breaker (docs/safety.md S3).
public struct AIFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds, as they appear in results, the audit log and logs.
    public enum Kind: String, Sendable {
        /// No answer within the timeout.
        case timeout
        /// The endpoint could not be reached.
        case connection
        /// HTTP 429.
        case rateLimited = "rate-limited"
        /// Another HTTP status of 400 or more.
        case httpStatus = "http-status"
        /// The HTTP answer is not a chat-completions answer.
        case malformedResponse = "malformed-response"
        /// The model's content is not JSON or does not match the action's schema.
        case invalidOutput = "invalid-output"
        /// Refused locally: the requests-per-minute or per-day budget is used up.
        case budget
        /// Refused locally: the endpoint's concurrency limit is reached.
        case concurrency
        /// Refused locally: the circuit is open.
        case circuitOpen = "circuit-open"
        /// Refused locally: the rendered prompt is longer than allowed.
        case promptTooLong = "prompt-too-long"
        /// The API key could not be read.
        case key
        /// Anything else (libcurl could not start).
        case other
    }

    /// What happened.
    public var kind: Kind
    /// Details for logs and the audit record (never the API key).
    public var message: String
    /// From `Retry-After`, for 429 and 503 answers.
    public var retryAfterNanoseconds: Int64?

    /// Creates a failure.
    public init(_ kind: Kind, _ message: String, retryAfterNanoseconds: Int64? = nil) {
        self.kind = kind
        self.message = message
        self.retryAfterNanoseconds = retryAfterNanoseconds
    }

    /// True for the refusals decided on the gateway, which never reached the endpoint.
    public var isLocalRefusal: Bool { [.budget, .concurrency, .circuitOpen, .promptTooLong, .key].contains(kind) }

    /// `kind: message`.
    public var description: String { "\(kind.rawValue): \(message)" }
}

/// The OpenAI chat-completions wire format: the request body, and a strict reading of the
/// answer that names precisely what is wrong with a malformed one.
public enum ChatCompletions {
    /// The JSON body of a request.
    public static func requestBody(model: String, system: String, user: String, maxTokens: Int, json: Bool) -> [UInt8] {
        var members: [(key: String, value: JSONValue)] = [
            ("model", .string(model)),
            ("messages", .array([
                ["role": "system", "content": .string(system)],
                ["role": "user", "content": .string(user)],
            ])),
            ("max_tokens", .number(Double(maxTokens))),
            ("temperature", .number(0)),
        ]
        if json { members.append(("response_format", ["type": "json_object"])) }
        return Array(JSONValue.object(JSONObject(members)).compactJSON.utf8)
    }

    /// The message content of a 2xx answer, or why there is none. With `json`, the content is
    /// parsed as JSON; without, it is returned as a string.
    public static func content(of response: HTTPResponse, json: Bool) -> Result<JSONValue, AIFailure> {
        if response.status == 429 || response.status == 503 {
            let retry = retryAfter(response.headers)
            let kind: AIFailure.Kind = response.status == 429 ? .rateLimited : .httpStatus
            return .failure(AIFailure(kind, "HTTP \(response.status)\(retry.map { ", Retry-After \($0 / 1_000_000_000) s" } ?? "")",
                retryAfterNanoseconds: retry))
        }
        guard (200..<300).contains(response.status) else {
            let text = String(decoding: response.body.prefix(200), as: UTF8.self)
            return .failure(AIFailure(.httpStatus, "HTTP \(response.status): \(text)"))
        }
        if response.truncated { return .failure(AIFailure(.malformedResponse, "the answer is larger than the response limit")) }
        let body: JSONValue
        do {
            body = try JSONValue.parse(String(decoding: response.body, as: UTF8.self))
        } catch {
            return .failure(AIFailure(.malformedResponse, "the answer is not JSON (\(error))"))
        }
        guard case .object = body else { return .failure(AIFailure(.malformedResponse, "the answer is not a JSON object")) }
        guard case .array(let choices) = body["choices"] else {
            return .failure(AIFailure(.malformedResponse, "the answer has no 'choices' array"))
        }
        guard let first = choices.first else { return .failure(AIFailure(.malformedResponse, "the answer's 'choices' is empty")) }
        guard case .string(let content) = first["message"]["content"] else {
            return .failure(AIFailure(.malformedResponse, "choices[0].message.content is missing or not a string"))
        }
        if first["finish_reason"].stringValue == "length" {
            return .failure(AIFailure(.invalidOutput, "the answer was cut off at max_tokens"))
        }
        guard json else { return .success(.string(content)) }
        do {
            return .success(try JSONValue.parse(content))
        } catch {
            let preview = content.count <= 80 ? content : String(content.prefix(80)) + "..."
            return .failure(AIFailure(.invalidOutput, "the content is not JSON (\(error)): \(JSONValue.string(preview).compactJSON)"))
        }
    }

    /// `Retry-After` in whole seconds (the HTTP-date form is taken as 60 s), capped at an hour.
    static func retryAfter(_ headers: [(name: String, value: String)]) -> Int64? {
        guard let value = headers.first(where: { $0.name.lowercased() == "retry-after" })?.value else { return nil }
        let seconds = Int64(value.trimmingSpaces()) ?? 60
        return min(max(seconds, 0), 3600) * 1_000_000_000
    }
}
