import EdgeCore

/// Apps compiled for the runtime: every expression, template and schedule parsed, every
/// channel reference resolved to an index, every action bound to its handler. Immutable and
/// shareable; a `FlowEngine` runs one. Build with `FlowCompiler.compile`.
public final class CompiledFlows: Sendable {
    /// The limits the runtime applies.
    public let options: FlowOptions
    /// The app ids, in load order.
    public let appIds: [String]
    let channels: [ChannelPlan]
    let actions: [ActionPlan]
    let eventSources: [EventSourcePlan]
    let sources: [FlowSourceInfo]
    /// One table per configured source, shared by every condition compiled against it.
    let tables: [PointSlotTable]

    init(
        options: FlowOptions, appIds: [String], channels: [ChannelPlan], actions: [ActionPlan],
        eventSources: [EventSourcePlan], sources: [FlowSourceInfo], tables: [PointSlotTable]
    ) {
        self.options = options
        self.appIds = appIds
        self.channels = channels
        self.actions = actions
        self.eventSources = eventSources
        self.sources = sources
        self.tables = tables
    }

    /// The paths `webhook` event sources listen on (sorted, without repeats), for the listener.
    public var webhookPaths: [String] {
        var paths = Set<String>()
        for source in eventSources { if case .webhook(let path) = source.kind { paths.insert(path) } }
        return paths.sorted()
    }

    /// What `FlowEngine.inject` accepts: event source ids and channel ids, as `appId/id`.
    public var injectTargets: [String] {
        eventSources.map { "\($0.appId)/\($0.id)" } + channels.map { "\(appIds[$0.app])/\($0.id)" }
    }

    /// The number of actions (enabled or not).
    public var actionCount: Int { actions.count }
    /// The number of channels.
    public var channelCount: Int { channels.count }
    /// The number of event sources.
    public var eventSourceCount: Int { eventSources.count }
}

/// A channel: its app and the enabled actions attached to it.
struct ChannelPlan: Sendable {
    var app: Int
    var id: String
    var actions: [Int]
}

/// One action, ready to run.
struct ActionPlan: Sendable {
    var app: Int
    var appId: String
    var actionId: String
    var type: String
    var enabled: Bool
    var channel: Int
    /// The condition for JSON messages.
    var condition: CompiledCondition
    var config: FlowConfigTemplate
    var handler: any FlowActionHandler
    var output: OutputPlan
}

/// What happens to an action's result.
struct OutputPlan: Sendable {
    /// Destination of the result; nil when the output is off.
    var channel: Int?
    /// Destination of failures (edge rule).
    var errorChannel: Int?
    var splitArray: Bool
    var delaySeconds: Int
    var transform: Template?
    var transformContentType: String?

    static let none = OutputPlan(
        channel: nil, errorChannel: nil, splitArray: false, delaySeconds: 0, transform: nil, transformContentType: nil)
}

/// An event source, ready to fire.
struct EventSourcePlan: Sendable {
    enum Kind: Sendable {
        case device(source: Int, report: ReportPolicy)
        case interval(everyNanoseconds: Int64)
        case cron(CronSchedule)
        case webhook(path: String)
        case manual
    }

    var app: Int
    var appId: String
    var id: String
    var kind: Kind
    var payload: JSONValue
    var channel: Int
    /// For device sources: the channel's enabled actions with their conditions compiled against
    /// this source's point slots, so a reading is judged without building JSON.
    var firstHop: [FirstHop]
}

/// An action's condition specialised to one device source's slots.
struct FirstHop: Sendable {
    var action: Int
    var condition: CompiledCondition
    /// Whether the condition reads `context` (or `event.context`, the same on the first hop),
    /// so the reading's context must be current before it runs.
    var readsContext: Bool
}
