import EdgeConfig
import EdgeCore
import EdgePipeline
import EdgeUplink
import Logging

/// Where the agent's records go for its whole life, across reloads: `records.jsonl` under the
/// data directory, or the uplink's spool when the config has an `uplink`, written by one
/// `RecordWriter` thread. Each generation gets a recorder over that writer which knows that
/// generation's sources; the numbering carries on.
struct AgentRecording: Sendable {
    /// The spool, when there is one.
    let spool: Spool?
    /// The only thread that writes records (docs/safety.md, "Storage off the control path").
    let writer: RecordWriter

    /// Opens the record file or the spool for `config` and builds its writer (not started).
    static func open(config: AgentConfig, clock: any EdgeClock, logger: Logger) throws -> AgentRecording {
        do {
            let handoff = config.agent.recordBufferBytes
            guard let settings = config.uplink else {
                let file = try RecordFile(directory: config.agent.dataDir)
                let writer = try RecordWriter(store: file, handoffBytes: handoff, clock: clock, logger: logger)
                return AgentRecording(spool: nil, writer: writer)
            }
            let spool = try Spool(
                directory: config.agent.dataDir + "/spool",
                settings: SpoolSettings(
                    maxBytes: settings.spoolMaxBytes, maxAgeNanoseconds: settings.spoolMaxAgeNanoseconds),
                logger: logger)
            let writer = try RecordWriter(
                store: SpoolStore(spool: spool), handoffBytes: handoff,
                syncIntervalNanoseconds: settings.syncIntervalNanoseconds, clock: clock, logger: logger)
            return AgentRecording(spool: spool, writer: writer)
        } catch {
            throw AgentError(message: "\(error)")
        }
    }

    /// A recorder for one generation running `config` (its schema stored first); it also sets
    /// the writer's sync interval to that config's.
    func recorder(for config: AgentConfig) throws -> any Recorder {
        do {
            guard let settings = config.uplink, spool != nil else {
                return try HandoffRecorder(writer: writer, sources: config.recordSources)
            }
            writer.setSyncInterval(nanoseconds: settings.syncIntervalNanoseconds)
            return try HandoffRecorder(
                writer: writer, sources: config.recordSources, recordFrames: settings.recordFrames,
                redacted: Set(config.sources.flatMap(\.redactedPoints)))
        } catch {
            throw AgentError(message: "cannot record this config's frames: \(error)")
        }
    }
}

/// The spool as the record writer's store: each record is one spool record.
final class SpoolStore: RecordStore {
    let spool: Spool

    init(spool: Spool) { self.spool = spool }

    func append(_ record: UnsafeRawBufferPointer) throws(RecorderError) -> UInt64 {
        do {
            return try spool.append(Array(record))
        } catch {
            throw RecorderError(error.message)
        }
    }

    func sync() throws(RecorderError) {
        do {
            try spool.sync()
        } catch {
            throw RecorderError(error.message)
        }
    }

    var lastSequence: UInt64 { spool.stats.lastSequence }

    func register(_ schema: RecordSchema) throws(RecorderError) {
        do {
            try spool.storeSchema(schema)
        } catch {
            throw RecorderError(error.message)
        }
    }
}

extension AgentConfig {
    /// Source ids and point names in config order, as records label them.
    var recordSources: [(id: String, points: [String])] { sources.map { ($0.id, $0.pointNames) } }
}
