import EdgeConfig
import EdgeCore
import EdgePipeline
import EdgeUplink
import Logging

/// Where the agent's records go for its whole life, across reloads: `records.jsonl` under the
/// data directory, or the uplink's spool when the config has an `uplink`. Each generation gets a
/// recorder over it that knows that generation's sources; the numbering carries on.
enum AgentRecording: Sendable {
    case file(RecordFile)
    case spool(Spool, capBytes: Int64, deadLetterDirectory: String)

    /// Opens the record file or the spool for `config`.
    static func open(config: AgentConfig, logger: Logger) throws -> AgentRecording {
        do {
            guard let settings = config.uplink else {
                return .file(try RecordFile(directory: config.agent.dataDir, sources: config.recordSources))
            }
            let spool = try Spool(
                directory: config.agent.dataDir + "/spool",
                settings: SpoolSettings(
                    maxBytes: settings.spoolMaxBytes, maxAgeNanoseconds: settings.spoolMaxAgeNanoseconds),
                logger: logger)
            return .spool(
                spool, capBytes: settings.spoolMaxBytes, deadLetterDirectory: config.agent.dataDir + "/dead-letters")
        } catch {
            throw AgentError(message: "\(error)")
        }
    }

    /// A recorder for one generation running `config`, and the step that points the shared
    /// record file at its sources (run when that generation starts, after the previous one
    /// flushed its last frames).
    func recorder(for config: AgentConfig, clock: any EdgeClock, logger: Logger) -> (any Recorder, @Sendable () -> Void)
    {
        let sources = config.recordSources
        switch self {
        case .file(let file):
            return (file, { file.relabel(sources: sources) })
        case .spool(let spool, _, _):
            let settings = config.uplink
            let recorder = SpoolRecorder(
                spool: spool, sources: sources, recordFrames: settings?.recordFrames ?? true,
                syncIntervalNanoseconds: settings?.syncIntervalNanoseconds ?? 1_000_000_000, clock: clock,
                redacted: Set(config.sources.flatMap(\.redactedPoints))
            ) { error in
                logger.error("a frame could not be spooled", metadata: ["error": "\(error)"])
            }
            return (recorder, {})
        }
    }

    /// The spool, when there is one.
    var spool: Spool? {
        if case .spool(let spool, _, _) = self { return spool }
        return nil
    }
}

extension AgentConfig {
    /// Source ids and point names in config order, as records label them.
    var recordSources: [(id: String, points: [String])] { sources.map { ($0.id, $0.pointNames) } }
}
