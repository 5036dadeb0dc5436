public import EdgeCore

/// A Flux app document (docs/flow-language.md §1): channels, event sources and actions, as loaded
/// and structurally validated. Expressions are kept as text with their positions; the flow
/// compiler turns them into executable form.
public struct AppDocument: Sendable {
    /// The app id (`appId`).
    public var appId: String
    /// Human name.
    public var name: String
    /// Declared dialect (1 when absent).
    public var dialect: Int
    /// Channels.
    public var channels: [AppChannel]
    /// Event sources.
    public var eventSources: [AppEventSource]
    /// Actions.
    public var actions: [AppAction]

    /// Creates an app document.
    public init(
        appId: String, name: String, dialect: Int, channels: [AppChannel], eventSources: [AppEventSource],
        actions: [AppAction]
    ) {
        self.appId = appId
        self.name = name
        self.dialect = dialect
        self.channels = channels
        self.eventSources = eventSources
        self.actions = actions
    }
}

/// A text field with where it came from, so expression errors point into the file.
public struct LocatedText: Sendable, Equatable {
    /// The text.
    public var text: String
    /// Where the text's node starts in the file.
    public var location: SourceLocation
    /// The field path (`actions[0].condition`).
    public var path: String

    /// Creates located text.
    public init(_ text: String, at location: SourceLocation, path: String) {
        self.text = text
        self.location = location
        self.path = path
    }
}

/// A relay point for messages.
public struct AppChannel: Sendable, Equatable {
    /// Unique id within the app.
    public var channelId: String
    /// Human name.
    public var name: String

    /// Creates a channel.
    public init(channelId: String, name: String) {
        self.channelId = channelId
        self.name = name
    }
}

/// What starts a run.
public struct AppEventSource: Sendable {
    /// The kinds of event source at the edge.
    public enum Kind: Sendable, Equatable {
        /// A configured device source produced a reading.
        case device(source: String, report: ReportPolicy)
        /// Every N seconds.
        case interval(everySeconds: Int)
        /// A 5-field cron expression in a named time zone.
        case cron(expression: LocatedText, timezone: String)
        /// POST to the local listener at this path.
        case webhook(path: String)
        /// `edgeflow flow inject`.
        case manual
    }

    /// Unique id within the app.
    public var id: String
    /// What fires it.
    public var kind: Kind
    /// The payload of scheduled events (`null` when absent).
    public var payload: JSONValue
    /// The channel it feeds.
    public var channelId: LocatedText

    /// Creates an event source.
    public init(id: String, kind: Kind, payload: JSONValue, channelId: LocatedText) {
        self.id = id
        self.kind = kind
        self.payload = payload
        self.channelId = channelId
    }
}

/// When a device source reports a reading to its flows.
public enum ReportPolicy: Sendable, Equatable {
    /// Every reading.
    case every
    /// Only when any point's value changed.
    case onChange
    /// When a point moved more than `deadband`, or at least every `maxSilenceSeconds`.
    case deadband(Double, maxSilenceSeconds: Double)
}

/// An action attached to a channel.
public struct AppAction: Sendable {
    /// Unique id within the app.
    public var actionId: String
    /// The input channel.
    public var channelId: LocatedText
    /// Human name.
    public var name: String
    /// Disabled actions are loaded and checked but never run.
    public var enabled: Bool
    /// The condition expression; nil or empty = always.
    public var condition: LocatedText?
    /// The action type (`republish`, `webhook`, `gpio-write`, ...).
    public var type: String
    /// Type-specific configuration, as written.
    public var config: JSONValue
    /// Where `config` starts, for messages about its fields.
    public var configLocation: SourceLocation?
    /// What to do with the result.
    public var output: AppActionOutput?

    /// Creates an action.
    public init(
        actionId: String, channelId: LocatedText, name: String, enabled: Bool, condition: LocatedText?, type: String,
        config: JSONValue, configLocation: SourceLocation?, output: AppActionOutput?
    ) {
        self.actionId = actionId
        self.channelId = channelId
        self.name = name
        self.enabled = enabled
        self.condition = condition
        self.type = type
        self.config = config
        self.configLocation = configLocation
        self.output = output
    }
}

/// The `output` of an action.
public struct AppActionOutput: Sendable {
    /// Whether the result is republished.
    public var enabled: Bool
    /// Destination channel.
    public var channelId: LocatedText?
    /// Republish each element of an array result as its own message.
    public var splitArray: Bool
    /// Optional transform template of the result.
    public var transformContentType: String?
    /// The transform content template.
    public var transformContent: LocatedText?
    /// Delay before republishing, 0...900 seconds.
    public var delaySeconds: Int
    /// Where failures are republished (edge rule).
    public var errorChannelId: LocatedText?

    /// Creates an output.
    public init(
        enabled: Bool, channelId: LocatedText?, splitArray: Bool, transformContentType: String?,
        transformContent: LocatedText?, delaySeconds: Int, errorChannelId: LocatedText?
    ) {
        self.enabled = enabled
        self.channelId = channelId
        self.splitArray = splitArray
        self.transformContentType = transformContentType
        self.transformContent = transformContent
        self.delaySeconds = delaySeconds
        self.errorChannelId = errorChannelId
    }
}

/// The action types this engine knows (docs/flow-language.md §4).
public let knownActionTypes = [
    "republish", "webhook", "ai", "harvest", "slack", "gpio-write", "modbus-write", "log",
]

/// The dialects of docs/flow-language.md this engine implements.
public let supportedDialects = [1]
