import EdgeCore
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// The HTTP side of the uplink loop: one POST per batch through libcurl, classified into
/// acknowledged (2xx), retry (408, 429, 5xx, no answer) and refused for good (any other 4xx,
/// kept as a dead letter so it cannot block everything behind it).
final class HTTPTransport: UplinkTransport {
    private let settings: HTTPUplinkSettings
    private let deadLetterDirectory: String
    private let logger: Logger
    private var client: HTTPClient?

    /// At most this many refused batches are kept.
    static let deadLetterLimit = 100

    init(settings: HTTPUplinkSettings, deadLetterDirectory: String, logger: Logger) {
        self.settings = settings
        self.deadLetterDirectory = deadLetterDirectory
        self.logger = logger
    }

    var logPrefix: String { "uplink" }
    var keepsConnection: Bool { false }
    // libcurl connects per request (reusing a kept-alive connection); there is no link to keep.
    var isConnected: Bool { true }
    var maintenanceNanoseconds: Int64 { 3_600_000_000_000 }
    var connectionMetadata: Logger.Metadata { ["url": "\(settings.url)"] }

    func ensureConnected(abandon: () -> Bool) -> ConnectOutcome { .ready(fresh: false) }

    func maintain() -> String? { nil }

    /// A new libcurl handle: the next request opens a new connection.
    func dropConnection() { client = nil }

    func close(inFlight: UplinkBatch?) -> Bool {
        client = nil
        return false
    }

    func send(_ batch: UplinkBatch, abandon: () -> Bool) -> SendOutcome {
        if client == nil {
            do {
                client = try HTTPClient()
            } catch {
                return .retry("cannot create an HTTP client: \(error)", after: nil)
            }
        }
        guard let client else { return .retry("no HTTP client", after: nil) }
        let request = HTTPRequest(
            method: "POST", url: settings.url,
            headers: settings.encoder.contentHeaders + [("X-Edgeflow-Batch", batch.id)] + settings.headers,
            body: batch.body, timeoutMilliseconds: settings.timeoutMilliseconds, maxResponseBytes: 4096,
            caFile: settings.caFile, proxy: settings.proxy)
        let response: HTTPResponse
        do {
            response = try client.perform(request)
        } catch {
            return .retry("\(error)", after: nil)
        }
        switch response.status {
        case 200..<300:
            return .acknowledged
        case 408, 429, 500..<600:
            let after = response.status == 429 || response.status == 503 ? retryAfter(response) : nil
            return .retry("HTTP \(response.status)", after: after)
        default:
            return deadLetter(batch, status: response.status)
        }
    }

    private func deadLetter(_ batch: UplinkBatch, status: Int) -> SendOutcome {
        let path = "\(deadLetterDirectory)/\(batch.id).json"
        do {
            try Files.writeAtomically(path, bytes: batch.body)
        } catch {
            // Without its dead-letter copy the batch must not be dropped: it stays and is retried.
            logger.error("uplink: cannot keep a refused batch as a dead letter", metadata: ["error": "\(error)"])
            return .retry("HTTP \(status), and the dead letter cannot be written: \(error)", after: nil)
        }
        pruneDeadLetters()
        logger.error(
            "uplink: the endpoint refused a batch for good; kept as a dead letter",
            metadata: ["status": "\(status)", "batch": "\(batch.id)", "file": "\(path)"])
        return .deadLettered("HTTP \(status): batch \(batch.id) moved to \(path)")
    }

    /// The dead-letter area is bounded: beyond `deadLetterLimit` batches the oldest go (logged),
    /// so an endpoint that refuses everything cannot fill the disk through it.
    private func pruneDeadLetters() {
        let batches = DeadLetters.list(in: deadLetterDirectory)
        guard batches.count > Self.deadLetterLimit else { return }
        let excess = batches.prefix(batches.count - Self.deadLetterLimit)
        for name in excess { unlink("\(deadLetterDirectory)/\(name)") }
        logger.warning(
            "uplink: dead-letter area full; oldest refused batches deleted",
            metadata: ["deleted": "\(excess.count)", "kept": "\(Self.deadLetterLimit)"])
    }

    /// `Retry-After` in whole seconds (ns); the HTTP-date form is not accepted: a wrong gateway
    /// clock would make it meaningless. The loop caps it at `retry_max`.
    private func retryAfter(_ response: HTTPResponse) -> Int64? {
        guard let value = response.headers.first(where: { $0.name == "retry-after" })?.value,
            let seconds = Int64(value.trimmingSpaces()), seconds >= 0
        else { return nil }
        return min(seconds, 86_400) * 1_000_000_000
    }
}
