import EdgeAI
import EdgeCore
import EdgeUplink
import Testing

/// Strict reading of chat-completions answers: each malformed answer gets a precise reason.
struct ChatCompletionsTests {
    func response(_ status: Int, _ body: String, headers: [(name: String, value: String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: headers, body: Array(body.utf8), truncated: false)
    }

    func failure(_ r: HTTPResponse, json: Bool = true) -> AIFailure? {
        if case .failure(let f) = ChatCompletions.content(of: r, json: json) { return f }
        return nil
    }

    @Test func aValidAnswerGivesTheParsedContent() throws {
        let body = #"{"choices": [{"message": {"role": "assistant", "content": "{\"alarm\": true}"}, "finish_reason": "stop"}]}"#
        #expect(try ChatCompletions.content(of: response(200, body), json: true).get() == ["alarm": true])
        #expect(try ChatCompletions.content(of: response(200, body), json: false).get() == .string(#"{"alarm": true}"#))
    }

    @Test func malformedAnswersNameWhatIsWrong() {
        let html = failure(response(200, "<html>"))
        #expect(html?.kind == .malformedResponse)
        #expect(html?.message.hasPrefix("the answer is not JSON (") == true, "\(String(describing: html))")
        #expect(failure(response(200, "[]"))?.message == "the answer is not a JSON object")
        #expect(failure(response(200, "{}"))?.message == "the answer has no 'choices' array")
        #expect(failure(response(200, #"{"choices": []}"#))?.message == "the answer's 'choices' is empty")
        #expect(failure(response(200, #"{"choices": [{"message": {}}]}"#))?.message == "choices[0].message.content is missing or not a string")
        let cut = #"{"choices": [{"message": {"content": "{\"a\""}, "finish_reason": "length"}]}"#
        #expect(failure(response(200, cut)) == AIFailure(.invalidOutput, "the answer was cut off at max_tokens"))
        let prose = #"{"choices": [{"message": {"content": "It is fine."}}]}"#
        #expect(failure(response(200, prose))?.kind == .invalidOutput)
    }

    @Test func statusesMapToKindsAndRetryAfterIsRead() {
        #expect(failure(response(429, "{}", headers: [("Retry-After", "7")])) == AIFailure(.rateLimited, "HTTP 429, Retry-After 7 s", retryAfterNanoseconds: 7_000_000_000))
        #expect(failure(response(500, "boom")) == AIFailure(.httpStatus, "HTTP 500: boom"))
        #expect(failure(response(401, "no key"))?.kind == .httpStatus)
    }

    @Test func theRequestAsksForJSONWithinMaxTokens() throws {
        let body = try JSONValue.parse(String(decoding: ChatCompletions.requestBody(model: "m", system: "S", user: "U", maxTokens: 99, json: true), as: UTF8.self))
        #expect(body["model"] == "m")
        #expect(body["max_tokens"] == 99)
        #expect(body["response_format"]["type"] == "json_object")
        #expect(body["messages"][0] == ["role": "system", "content": "S"])
        #expect(body["messages"][1] == ["role": "user", "content": "U"])
    }
}
