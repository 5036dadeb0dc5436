public import EdgeConfig
import EdgeCore
import EdgePipeline
import EdgeUplink
import Logging
import Synchronization

/// What a reload did, for the log, `edgeflow reload` and the status socket.
public struct ReloadOutcome: Sendable {
    /// Whether the new config now runs.
    public var applied: Bool
    /// One line: what happened.
    public var message: String
    /// The config's problems (file:line:col) when it did not compile, or what blocked the swap.
    public var problems: [String]
    /// Wall time of the attempt (ns).
    public var at: Int64
    /// The generation running afterwards.
    public var generation: Int
}

/// Owns the running generation and swaps it on reload. A reload compiles the file first; a
/// config with errors is logged (file:line:col) and the running one stays. Otherwise the new
/// generation is built, the old one stops (acquisition, then the pipeline drains the ring to the
/// last sample and flushes the recorder, in-flight actions finish), and the new one starts on
/// the same ring and record stream, so no sample is lost or recorded twice. Outputs that keep
/// their id and target stay as they are; the others go to their safe value. A changed `uplink`
/// transport is swapped on the same spool. Settings that only a restart can change are refused
/// by name (`restartOnlyChanges`).
final class GenerationControl: Sendable {
    private let ring: SampleRing
    private let recording: AgentRecording
    private let clock: any EdgeClock
    private let logger: Logger
    private let onActivity: @Sendable (String) -> Void
    /// Serializes reloads with start and shutdown; held for the length of a swap.
    private let operation = Mutex<Running>(Running())
    /// What the status socket reads: swapped in a short critical section.
    private let published = Mutex<Published>(Published())
    /// Outputs the generation being stopped must leave alone (a reload's kept outputs).
    private let keepOnStop = Mutex<Set<String>>([])

    private struct Running {
        var started: [Stage] = []
        var stopped = false
        var uplinkFingerprint = ""
    }

    struct Published: Sendable {
        var generation: AgentGeneration?
        var uplink: UplinkRunner?
        var lastReload: ReloadOutcome?
        var config: AgentConfig?
    }

    init(
        config: AgentConfig, ring: SampleRing, recording: AgentRecording, clock: any EdgeClock, logger: Logger,
        onActivity: @escaping @Sendable (String) -> Void
    ) throws {
        self.ring = ring
        self.recording = recording
        self.clock = clock
        self.logger = logger
        self.onActivity = onActivity
        let generation = try AgentGeneration(
            config: config, number: 1, ring: ring, recording: recording, clock: clock, logger: logger,
            onActivity: onActivity)
        let uplink = try Self.makeUplink(
            config: config, recording: recording, clock: clock, logger: logger, onActivity: onActivity)
        published.withLock {
            $0 = Published(generation: generation, uplink: uplink, lastReload: nil, config: config)
        }
        operation.withLock { $0.uplinkFingerprint = Self.uplinkFingerprint(config) }
    }

    /// The current generation, uplink and last reload, for status.
    var snapshot: Published { published.withLock { $0 } }

    // MARK: Lifecycle

    /// Starts the uplink the agent began with.
    func startUplink() throws { try published.withLock { $0.uplink }?.start() }

    /// Ends the current uplink's backoff and opens a new connection; false without an uplink.
    func reconnectUplink() -> Bool {
        guard let uplink = published.withLock({ $0.uplink }) else { return false }
        uplink.reconnect()
        return true
    }

    /// Stops the current uplink, letting it deliver for a few seconds.
    func stopUplink() { published.withLock { $0.uplink }?.stop() }

    /// Starts the first generation.
    func startFirst() throws {
        try operation.withLock { running in
            guard let generation = published.withLock({ $0.generation }) else { return }
            running.started = try Stage.startAll(
                generation.stages(keptOutputs: [:], stopKeeping: keeping), logger: logger)
        }
    }

    /// Stops the current generation for good: every output goes to its safe value.
    func stopForShutdown() {
        operation.withLock { running in
            running.stopped = true
            keepOnStop.withLock { $0 = [] }
            Stage.stopAll(running.started, logger: logger)
            running.started = []
        }
    }

    private var keeping: @Sendable () -> Set<String> {
        { [self] in keepOnStop.withLock { $0 } }
    }

    /// Counters for the stop line.
    func stopSummary() -> Logger.Metadata {
        let now = snapshot
        var metadata: Logger.Metadata = [
            "dropped_samples": "\(ring.droppedCount)",
            "generation": "\(now.generation?.number ?? 0)",
        ]
        if let generation = now.generation {
            metadata["frames"] = "\(generation.pipeline.frames)"
            metadata["partial_frames"] = "\(generation.pipeline.partialFrames)"
            metadata["last_record"] = "\(generation.recorder.lastSequence)"
        }
        if let uplink = now.uplink { metadata.merge(uplink.summary) { a, _ in a } }
        return metadata
    }

    // MARK: Reload

    /// Compiles the config file again and swaps to it when it is free of errors (see the type's
    /// documentation). Safe to call from any thread; reloads run one at a time.
    func reload() -> ReloadOutcome {
        let outcome = operation.withLock { running in swap(&running) }
        published.withLock { $0.lastReload = outcome }
        if outcome.applied {
            logger.notice(
                "config reloaded", metadata: ["generation": "\(outcome.generation)", "detail": "\(outcome.message)"])
        } else {
            logger.error("reload refused; the running config stays", metadata: ["reason": "\(outcome.message)"])
            for problem in outcome.problems { logger.error("\(problem)") }
        }
        return outcome
    }

    private func swap(_ running: inout Running) -> ReloadOutcome {
        let now = published.withLock { $0 }
        let at = clock.wallNanoseconds()
        guard let old = now.generation, !running.stopped, !running.started.isEmpty else {
            return ReloadOutcome(
                applied: false, message: "the agent is not running", problems: [], at: at,
                generation: now.generation?.number ?? 0)
        }
        func refused(_ message: String, _ problems: [String] = []) -> ReloadOutcome {
            ReloadOutcome(applied: false, message: message, problems: problems, at: at, generation: old.number)
        }
        let compilation = ConfigCompiler.compile(file: old.config.file)
        guard let config = compilation.config else {
            let errors = compilation.diagnostics.filter { $0.severity == .error }.map(\.description)
            return refused("\(old.config.file) has \(errors.count) error\(errors.count == 1 ? "" : "s")", errors)
        }
        let blocked = Self.restartOnlyChanges(from: old.config, to: config)
        if !blocked.isEmpty {
            return refused(
                "settings that take effect only at a restart changed: \(blocked.joined(separator: ", "))", blocked)
        }
        let kept = Self.keptOutputs(from: old, to: config)
        let next: AgentGeneration
        do {
            next = try AgentGeneration(
                config: config, number: old.number + 1, ring: ring, recording: recording, clock: clock, logger: logger,
                onActivity: onActivity)
        } catch {
            return refused("the new config could not be built: \(error)")
        }
        // Hand over: the old generation drains the ring completely before the new one starts.
        // Kept outputs stay as they are through the hand-over, and also if the new generation
        // fails part way and its started stages are undone; cleared once one generation runs.
        keepOnStop.withLock { $0 = Set(kept.keys) }
        defer { keepOnStop.withLock { $0 = [] } }
        Stage.stopAll(running.started, logger: logger)
        running.started = []
        var detail = "sources, apps and outputs swapped; outputs kept at their value: \(kept.count)"
        let fingerprint = Self.uplinkFingerprint(config)
        if fingerprint != running.uplinkFingerprint {
            swapUplink(config: config)
            running.uplinkFingerprint = fingerprint
            detail += "; uplink restarted with its new settings"
        }
        do {
            running.started = try Stage.startAll(next.stages(keptOutputs: kept, stopKeeping: keeping), logger: logger)
            published.withLock {
                $0.generation = next
                $0.config = config
            }
            return ReloadOutcome(applied: true, message: detail, problems: [], at: at, generation: next.number)
        } catch {
            // The old config is rebuilt and started again, so the agent keeps running as before.
            logger.error(
                "the new config failed to start; going back to the previous one", metadata: ["error": "\(error)"])
            if let back = try? AgentGeneration(
                config: old.config, number: old.number, ring: ring, recording: recording, clock: clock, logger: logger,
                onActivity: onActivity),
                let started = try? Stage.startAll(back.stages(keptOutputs: kept, stopKeeping: keeping), logger: logger)
            {
                running.started = started
                published.withLock { $0.generation = back }
            } else {
                logger.critical("the previous config could not be restarted either; acquisition is stopped")
            }
            return refused("the new config failed to start: \(error)")
        }
    }

    private func swapUplink(config: AgentConfig) {
        let old = published.withLock { $0.uplink }
        old?.stop()
        do {
            let fresh = try Self.makeUplink(
                config: config, recording: recording, clock: clock, logger: logger, onActivity: onActivity)
            try fresh?.start()
            published.withLock { $0.uplink = fresh }
        } catch {
            logger.error("the new uplink could not start; records stay in the spool", metadata: ["error": "\(error)"])
            published.withLock { $0.uplink = nil }
        }
    }

    private static func makeUplink(
        config: AgentConfig, recording: AgentRecording, clock: any EdgeClock, logger: Logger,
        onActivity: @escaping @Sendable (String) -> Void
    ) throws -> UplinkRunner? {
        try UplinkRunner.make(config: config, spool: recording.spool, clock: clock, logger: logger) { first, last in
            onActivity("  <= uplink: records \(first)-\(last) acknowledged (\(last - first + 1))")
        }
    }

    /// Outputs present in both configs with the same target, with their lifecycle now: a kept
    /// output that is unknown stays unknown (and is re-driven when its device answers), so a
    /// reload neither hides a failure nor resets its counters.
    static func keptOutputs(from old: AgentGeneration, to config: AgentConfig) -> [String: OutputHandOver] {
        let handOvers = old.outputs.handOver()
        var kept: [String: OutputHandOver] = [:]
        for output in old.config.outputs {
            guard let same = config.outputs.first(where: { $0.id == output.id }), same.targetName == output.targetName,
                let handOver = handOvers[output.id]
            else { continue }
            kept[output.id] = handOver
        }
        return kept
    }

    /// The settings a reload cannot change (the ring, the record stream, the sockets, the log
    /// set-up belong to the process), by config path; empty when none changed.
    static func restartOnlyChanges(from old: AgentConfig, to new: AgentConfig) -> [String] {
        var changed: [String] = []
        let (a, b) = (old.agent, new.agent)
        if a.dataDir != b.dataDir { changed.append("agent.data_dir") }
        if a.ringCapacity != b.ringCapacity { changed.append("agent.ring.capacity") }
        if a.recordBufferBytes != b.recordBufferBytes { changed.append("agent.record_buffer") }
        if a.dropPolicy != b.dropPolicy { changed.append("agent.ring.drop_policy") }
        if a.statusSocket != b.statusSocket { changed.append("agent.status.socket") }
        if a.metrics != b.metrics { changed.append("agent.metrics") }
        if a.logLevel != b.logLevel { changed.append("agent.log_level") }
        if a.view != b.view { changed.append("agent.view") }
        if (old.uplink == nil) != (new.uplink == nil) { changed.append("uplink (added or removed)") }
        if let u = old.uplink, let v = new.uplink {
            if u.spoolMaxBytes != v.spoolMaxBytes { changed.append("uplink.spool_max") }
            if u.spoolMaxAgeNanoseconds != v.spoolMaxAgeNanoseconds { changed.append("uplink.spool_max_age") }
        }
        return changed
    }

    /// Everything the uplink transport is built from; a change means a new transport.
    static func uplinkFingerprint(_ config: AgentConfig) -> String {
        guard let uplink = config.uplink else { return "" }
        return "\(config.agent.name)|\(String(describing: uplink))"
    }
}
