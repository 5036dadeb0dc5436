import EdgeConfig
public import EdgeCore
import EdgeFlux
import EdgePipeline
import EdgeUplink
import Synchronization

/// Everything `GET /status` and `GET /metrics` report, read at one moment from atomics and
/// short locks (docs/status.md has the JSON schema). Built per request, never per sample.
struct StatusSnapshot: Sendable {
    var version: String
    var agentName: String
    var configFile: String
    var generation: Int
    var lastReload: ReloadOutcome?
    var nowWall: Int64
    var uptimeSeconds: Double
    var process: ProcessUsage
    var sources: [Source]
    var ring: Ring
    var frames: Int
    var partialFrames: Int
    var actions: [FlowActionStats]
    var outputs: [Output]
    var recorderLastSequence: UInt64
    /// The record writer and its hand-off from the pipeline.
    var recorder: RecordWriterStatus?
    var spool: SpoolReport?
    var uplink: UplinkStatus?
    var health: [HealthProblem]
    /// Sections other subsystems provide (`ai`, `approvals`), absent until one is registered.
    var sections: [(key: String, value: JSONValue)] = []

    /// One sample source.
    struct Source: Sendable {
        var id: String
        var type: String
        /// `pending`, `ok`, `failing`, `parked`, `stale`.
        var state: String
        /// The poll or sampling interval (ns); nil for event sources (GPIO lines).
        var intervalNanoseconds: Int64?
        var frames: UInt64
        var goodFrames: UInt64
        var badPoints: UInt64
        var lastGoodAt: Int64?
        /// Seconds since the last good frame (or since the generation started, before the first).
        var silentSeconds: Double
        var errors: UInt64
        var lastError: String?
        var lastErrorAt: Int64?
        var stale: Bool
    }

    /// The sample ring.
    struct Ring: Sendable {
        var capacity: Int
        var occupancy: Int
        var pushed: UInt64
        var dropped: UInt64
        var dropPolicy: String
    }

    /// One output: its config and its lifecycle.
    struct Output: Sendable {
        var id: String
        var target: String
        var safeValue: Double
        var lifecycle: OutputStatus
    }

    /// Whether nothing is stale.
    var healthy: Bool { health.isEmpty }
}

/// A section of the status document that a subsystem outside the agent's core provides. The
/// keys are reserved in docs/status.md; a section is absent until its provider is registered
/// and returns a value.
public enum StatusSection: String, Sendable, CaseIterable {
    /// AI circuit states and budgets.
    case ai
    /// Pending approvals.
    case approvals
}

/// Reads the agent's parts into a `StatusSnapshot`.
final class StatusBoard: Sendable {
    private let providers = Mutex<[StatusSection: @Sendable () -> JSONValue?]>([:])
    private let version: String
    private let ring: SampleRing
    private let recording: AgentRecording
    private let control: GenerationControl
    private let clock: any EdgeClock
    private let startedAt: Int64

    init(version: String, ring: SampleRing, recording: AgentRecording, control: GenerationControl, clock: any EdgeClock)
    {
        self.version = version
        self.ring = ring
        self.recording = recording
        self.control = control
        self.clock = clock
        startedAt = clock.monotonicNanoseconds()
    }

    /// Registers (or replaces) the provider of `section`.
    func provide(_ section: StatusSection, _ provider: @escaping @Sendable () -> JSONValue?) {
        providers.withLock { $0[section] = provider }
    }

    /// The agent as it is now.
    func snapshot() -> StatusSnapshot {
        let current = control.snapshot
        let nowMono = clock.monotonicNanoseconds()
        let config = current.config
        let generation = current.generation
        var snapshot = StatusSnapshot(
            version: version, agentName: config?.agent.name ?? "", configFile: config?.file ?? "",
            generation: generation?.number ?? 0, lastReload: current.lastReload, nowWall: clock.wallNanoseconds(),
            uptimeSeconds: Double(nowMono - startedAt) / 1e9, process: ProcessUsage.current(), sources: [],
            ring: .init(
                capacity: ring.capacity, occupancy: ring.count, pushed: ring.pushedCount, dropped: ring.droppedCount,
                dropPolicy: ring.policy.rawValue),
            frames: generation?.pipeline.frames ?? 0, partialFrames: generation?.pipeline.partialFrames ?? 0,
            actions: generation?.flowCounters.snapshot().actions ?? [], outputs: [],
            recorderLastSequence: generation?.recorder.lastSequence ?? 0, spool: nil, uplink: current.uplink?.status(now: nowMono),
            health: [])
        let registered = providers.withLock { $0 }
        for section in StatusSection.allCases {
            if let value = registered[section]?() { snapshot.sections.append((section.rawValue, value)) }
        }
        snapshot.recorder = recording.writer.status
        if let spool = recording.spool, let config, let uplink = config.uplink {
            snapshot.spool = SpoolReport(
                spool: spool, capBytes: uplink.spoolMaxBytes,
                deadLetterDirectory: config.agent.dataDir + "/dead-letters")
        }
        if let generation, let config {
            snapshot.sources = Self.sources(generation: generation, config: config, nowMono: nowMono)
            let lifecycles = generation.outputs.statuses()
            snapshot.outputs = config.outputs.compactMap { output in
                lifecycles.first { $0.id == output.id }.map {
                    .init(id: output.id, target: output.targetName, safeValue: output.safeValue, lifecycle: $0)
                }
            }
            snapshot.health = Health.problems(
                HealthInputs(
                    sources: snapshot.sources, outputs: lifecycles,
                    spool: snapshot.spool.map { ($0.stats.records, $0.fillRatio) },
                    lastAcknowledgedAt: snapshot.uplink?.lastAcknowledgedAt, uplinkError: snapshot.uplink?.lastError,
                    recorderError: snapshot.recorder.flatMap { $0.failing ? ($0.lastError ?? "failing") : nil },
                    nowWall: snapshot.nowWall, uptimeSeconds: snapshot.uptimeSeconds),
                thresholds: config.agent.health)
            let staleIDs = Set(snapshot.health.filter { $0.kind == .sourceStale }.map(\.subject))
            for i in snapshot.sources.indices where staleIDs.contains(snapshot.sources[i].id) {
                snapshot.sources[i].stale = true
                if snapshot.sources[i].state == "ok" { snapshot.sources[i].state = "stale" }
            }
        }
        return snapshot
    }

    private static func sources(generation: AgentGeneration, config: AgentConfig, nowMono: Int64) -> [StatusSnapshot
        .Source]
    {
        var reported: [Int: FrameSourceStatus] = [:]
        for source in generation.sources {
            guard let reporter = source as? any FrameSourceStatusReporting else { continue }
            for status in reporter.sourceStatuses() { reported[status.source] = status }
        }
        return config.sources.enumerated().map { index, source in
            let activity = generation.pipeline.activity[index]
            let since = activity.lastGoodMonotonicAt ?? generation.builtAt
            let own = reported[index]
            let state =
                own?.state ?? (activity.frames.value == 0 ? "pending" : activity.lastGoodAt == nil ? "failing" : "ok")
            return StatusSnapshot.Source(
                id: source.id, type: source.kindName, state: state, intervalNanoseconds: source.intervalNanoseconds,
                frames: activity.frames.value, goodFrames: activity.goodFrames.value,
                badPoints: activity.badPoints.value,
                lastGoodAt: activity.lastGoodAt, silentSeconds: Double(max(0, nowMono - since)) / 1e9,
                errors: own?.errors ?? activity.badPoints.value, lastError: own?.lastError,
                lastErrorAt: own?.lastErrorAt,
                stale: false)
        }
    }
}

extension SourceConfig {
    /// `modbus`, `gpio` or `simulated`.
    var kindName: String {
        switch kind {
        case .simulated: "simulated"
        case .gpio: "gpio"
        case .modbus: "modbus"
        }
    }

    /// How often the source delivers (ns); nil for sources that report only changes.
    var intervalNanoseconds: Int64? {
        switch kind {
        case .simulated(let device): device.intervalNanoseconds
        case .gpio: nil
        case .modbus(_, let device):
            device.pollInterval.components.seconds * 1_000_000_000 + device.pollInterval.components.attoseconds
                / 1_000_000_000
        }
    }
}
