import EdgeCore

/// The paths of the status socket and the metrics endpoint (docs/status.md).
enum StatusRoutes {
    /// Status socket: `GET /status` (JSON), `GET /metrics`, `POST /reload`, `POST /uplink/reconnect`
    /// (`reconnect` answers whether there is an uplink to reconnect).
    static func status(
        _ request: HTTPRequestHead, board: StatusBoard, reload: () -> ReloadOutcome, reconnect: () -> Bool = { false }
    ) -> HTTPResponse {
        switch (request.method, request.path) {
        case ("GET", "/status"), ("HEAD", "/status"):
            return HTTPResponse(status: 200, body: Array(board.snapshot().json.compactJSON.utf8))
        case ("GET", "/metrics"):
            return metrics(request, board: board)
        case ("POST", "/reload"):
            let outcome = reload()
            return HTTPResponse(
                status: outcome.applied ? 200 : 409, body: Array(StatusSnapshot.reloadJSON(outcome).compactJSON.utf8))
        case ("POST", "/uplink/reconnect"):
            guard reconnect() else { return .error(409, "the agent has no uplink to reconnect") }
            return HTTPResponse(
                status: 200, body: Array(#"{"reconnecting":true}"#.utf8))
        case (_, "/status"), (_, "/reload"), (_, "/uplink/reconnect"):
            return .error(405, "\(request.method) is not allowed on \(request.path)")
        default:
            return .error(
                404, "no such path: \(request.path) (try /status, /metrics, POST /reload or POST /uplink/reconnect)")
        }
    }

    /// Metrics endpoint: `GET /metrics` only.
    static func metrics(_ request: HTTPRequestHead, board: StatusBoard) -> HTTPResponse {
        guard request.path == "/metrics" else { return .error(404, "no such path: \(request.path) (try /metrics)") }
        guard request.method == "GET" else { return .error(405, "\(request.method) is not allowed on /metrics") }
        return HTTPResponse(
            status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8",
            body: Array(board.snapshot().prometheusText.utf8))
    }
}
