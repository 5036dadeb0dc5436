public import EdgeCore
public import EdgeFlux

/// Decodes a Flux app document (JSON or YAML) into `AppDocument`, strictly: unknown fields,
/// wrong types, duplicate ids and dangling channel references are all reported with their path.
enum AppDecoder {
    static func decode(_ root: YAMLNode, reader: inout NodeReader) -> AppDocument? {
        let allowed = ["appId", "name", "description", "dialect", "channels", "eventSources", "actions"]
        guard let f = reader.fields(root, "", allowed: allowed) else { return nil }
        let appId = reader.require(f, "appId", in: root, "").flatMap { reader.string($0, "appId") }
        let name = f["name"].flatMap { reader.string($0, "name") } ?? appId ?? ""
        var dialect = 1
        if let node = f["dialect"], let d = reader.integer(node, "dialect", in: 0...1000) {
            if !supportedDialects.contains(d) {
                reader.bag.error(node.location, "dialect", "dialect \(d) is not supported",
                    hint: "this edgeflow implements dialect \(supportedDialects.map(String.init).joined(separator: ", ")); see `edgeflow version`")
            }
            dialect = d
        }
        var channels: [AppChannel] = []
        var channelIds: [String: SourceLocation] = [:]
        if let node = reader.require(f, "channels", in: root, ""), let items = reader.list(node, "channels") {
            for (i, item) in items.enumerated() {
                let path = "channels[\(i)]"
                guard let cf = reader.fields(item, path, allowed: ["channelId", "name", "description"]),
                    let idNode = reader.require(cf, "channelId", in: item, path),
                    let id = reader.string(idNode, join(path, "channelId"))
                else { continue }
                if let first = channelIds[id] {
                    reader.bag.error(idNode.location, join(path, "channelId"), "duplicate channel id '\(id)'",
                        hint: "first defined at line \(first.line)")
                    continue
                }
                channelIds[id] = idNode.location
                channels.append(AppChannel(channelId: id, name: cf["name"].flatMap { reader.string($0, join(path, "name")) } ?? id))
            }
        }
        let known = Array(channelIds.keys).sorted()
        func channelRef(_ node: YAMLNode, _ path: String, reader: inout NodeReader) -> LocatedText? {
            guard let id = reader.string(node, path) else { return nil }
            if channelIds[id] == nil {
                reader.bag.error(node.location, path, "no channel with id '\(id)'",
                    hint: suggestion(for: id, among: known) ?? "declare it under channels")
                return nil
            }
            return LocatedText(id, at: node.location, path: path)
        }
        var sources: [AppEventSource] = []
        var sourceIds = Set<String>()
        if let node = f["eventSources"], let items = reader.list(node, "eventSources") {
            for (i, item) in items.enumerated() {
                if let s = decodeEventSource(item, "eventSources[\(i)]", reader: &reader, channelRef: channelRef) {
                    if !sourceIds.insert(s.id).inserted {
                        reader.bag.error(item.location, "eventSources[\(i)].id", "duplicate event source id '\(s.id)'")
                    } else {
                        sources.append(s)
                    }
                }
            }
        }
        var actions: [AppAction] = []
        var actionIds = Set<String>()
        if let node = f["actions"], let items = reader.list(node, "actions") {
            for (i, item) in items.enumerated() {
                if let a = decodeAction(item, "actions[\(i)]", reader: &reader, channelRef: channelRef) {
                    if !actionIds.insert(a.actionId).inserted {
                        reader.bag.error(item.location, "actions[\(i)].actionId", "duplicate action id '\(a.actionId)'")
                    } else {
                        actions.append(a)
                    }
                }
            }
        }
        guard let appId else { return nil }
        return AppDocument(
            appId: appId, name: name, dialect: dialect, channels: channels, eventSources: sources, actions: actions)
    }

    typealias ChannelRef = (YAMLNode, String, inout NodeReader) -> LocatedText?

    static func decodeEventSource(
        _ node: YAMLNode, _ path: String, reader: inout NodeReader, channelRef: ChannelRef
    ) -> AppEventSource? {
        let allowed = ["id", "name", "type", "source", "channelId", "everySeconds", "cron", "timezone", "payload", "path", "report"]
        guard let f = reader.fields(node, path, allowed: allowed) else { return nil }
        let id = reader.require(f, "id", in: node, path).flatMap { reader.string($0, join(path, "id")) }
        let channel = reader.require(f, "channelId", in: node, path).flatMap { channelRef($0, join(path, "channelId"), &reader) }
        let types = ["device", "interval", "cron", "webhook", "manual"]
        let type = reader.require(f, "type", in: node, path).flatMap { reader.choice($0, join(path, "type"), types) }
        let payload = f["payload"]?.jsonValue ?? .null
        var kind: AppEventSource.Kind?
        func need(_ key: String) -> YAMLNode? { reader.require(f, key, in: node, path) }
        func refuse(_ keys: [String], for type: String) {
            for key in keys { if let n = f[key] { reader.bag.error(n.location, join(path, key), "'\(key)' does not apply to a \(type) event source") } }
        }
        switch type {
        case "device":
            refuse(["everySeconds", "cron", "timezone", "path", "payload"], for: "device")
            if let s = need("source").flatMap({ reader.string($0, join(path, "source")) }) {
                let report = f["report"].flatMap { decodeReport($0, join(path, "report"), reader: &reader) } ?? .every
                kind = .device(source: s, report: report)
            }
        case "interval":
            refuse(["source", "cron", "timezone", "path", "report"], for: "interval")
            if let n = need("everySeconds").flatMap({ reader.integer($0, join(path, "everySeconds"), in: 1...31_536_000) }) {
                kind = .interval(everySeconds: n)
            }
        case "cron":
            refuse(["source", "everySeconds", "path", "report"], for: "cron")
            if let cronNode = need("cron"), let text = reader.string(cronNode, join(path, "cron")) {
                let fields = text.split(separator: " ", omittingEmptySubsequences: true)
                if fields.count != 5 {
                    reader.bag.error(cronNode.location, join(path, "cron"), "cron needs 5 fields, found \(fields.count)",
                        hint: "minute hour day-of-month month day-of-week, e.g. \"0 3 * * *\"")
                }
                let tz = f["timezone"].flatMap { reader.string($0, join(path, "timezone")) } ?? "UTC"
                kind = .cron(expression: LocatedText(text, at: cronNode.location, path: join(path, "cron")), timezone: tz)
            }
        case "webhook":
            refuse(["source", "everySeconds", "cron", "timezone", "report"], for: "webhook")
            let p = f["path"].flatMap { reader.string($0, join(path, "path")) } ?? "/"
            if !p.hasPrefix("/"), let n = f["path"] {
                reader.bag.error(n.location, join(path, "path"), "a webhook path must start with '/'")
            }
            kind = .webhook(path: p)
        case "manual":
            refuse(["source", "everySeconds", "cron", "timezone", "path", "report"], for: "manual")
            kind = .manual
        default:
            break
        }
        guard let id, let channel, let kind else { return nil }
        return AppEventSource(id: id, kind: kind, payload: payload, channelId: channel)
    }

    static func decodeReport(_ node: YAMLNode, _ path: String, reader: inout NodeReader) -> ReportPolicy? {
        if node.scalarText != nil {
            switch reader.choice(node, path, ["every", "on-change"]) {
            case "every": return .every
            case "on-change": return .onChange
            default: return nil
            }
        }
        guard let f = reader.fields(node, path, allowed: ["deadband", "maxSilence"]) else { return nil }
        guard let band = reader.require(f, "deadband", in: node, path).flatMap({ reader.number($0, join(path, "deadband"), in: 0...1e12) })
        else { return nil }
        let silence = f["maxSilence"].flatMap { reader.duration($0, join(path, "maxSilence"), in: 1_000_000_000...86_400_000_000_000) }
            ?? 300_000_000_000
        return .deadband(band, maxSilenceSeconds: Double(silence) / 1e9)
    }

    static func decodeAction(_ node: YAMLNode, _ path: String, reader: inout NodeReader, channelRef: ChannelRef) -> AppAction? {
        let allowed = ["actionId", "channelId", "name", "description", "enabled", "condition", "type", "config", "output"]
        guard let f = reader.fields(node, path, allowed: allowed) else { return nil }
        let id = reader.require(f, "actionId", in: node, path).flatMap { reader.string($0, join(path, "actionId")) }
        let channel = reader.require(f, "channelId", in: node, path).flatMap { channelRef($0, join(path, "channelId"), &reader) }
        let type = reader.require(f, "type", in: node, path).flatMap { reader.choice($0, join(path, "type"), knownActionTypes) }
        let enabled = f["enabled"].flatMap { reader.bool($0, join(path, "enabled")) } ?? true
        var condition: LocatedText?
        if let c = f["condition"], let text = reader.string(c, join(path, "condition"), allowEmpty: true), !text.isEmpty {
            condition = LocatedText(text, at: c.location, path: join(path, "condition"))
        }
        var config: JSONValue = .object(JSONObject())
        if let c = f["config"] {
            if case .mapping = c.kind { config = c.jsonValue } else { reader.expected("a mapping", c, join(path, "config")) }
        }
        let output = f["output"].flatMap { decodeOutput($0, join(path, "output"), reader: &reader, channelRef: channelRef) }
        guard let id, let channel, let type else { return nil }
        return AppAction(
            actionId: id, channelId: channel, name: f["name"].flatMap { reader.string($0, join(path, "name")) } ?? id,
            enabled: enabled, condition: condition, type: type, config: config, configLocation: f["config"]?.location,
            output: output)
    }

    static func decodeOutput(_ node: YAMLNode, _ path: String, reader: inout NodeReader, channelRef: ChannelRef) -> AppActionOutput? {
        let allowed = ["enabled", "channelId", "splitArray", "transform", "delaySeconds", "errorChannelId"]
        guard let f = reader.fields(node, path, allowed: allowed) else { return nil }
        let enabled = f["enabled"].flatMap { reader.bool($0, join(path, "enabled")) } ?? true
        let channel = f["channelId"].flatMap { channelRef($0, join(path, "channelId"), &reader) }
        if enabled, f["channelId"] == nil {
            reader.bag.error(node.location, path, "an enabled output needs a channelId", hint: "add channelId, or set enabled: false")
        }
        let split = f["splitArray"].flatMap { reader.bool($0, join(path, "splitArray")) } ?? false
        let delay = f["delaySeconds"].flatMap { reader.integer($0, join(path, "delaySeconds"), in: 0...900) } ?? 0
        let errorChannel = f["errorChannelId"].flatMap { channelRef($0, join(path, "errorChannelId"), &reader) }
        var contentType: String?
        var content: LocatedText?
        if let t = f["transform"], let tf = reader.fields(t, join(path, "transform"), allowed: ["contentType", "content"]) {
            let tp = join(path, "transform")
            contentType = tf["contentType"].flatMap { reader.string($0, join(tp, "contentType")) }
            if let c = reader.require(tf, "content", in: t, tp), let text = reader.string(c, join(tp, "content"), allowEmpty: true) {
                content = LocatedText(text, at: c.location, path: join(tp, "content"))
            }
        }
        return AppActionOutput(
            enabled: enabled, channelId: channel, splitArray: split, transformContentType: contentType,
            transformContent: content, delaySeconds: delay, errorChannelId: errorChannel)
    }
}

/// Loads one Flux app document from JSON or YAML text, for tools and tests that work on an
/// app without a whole agent config.
public enum AppLoader {
    /// Parses and structurally validates `text`; `file` names it in diagnostics.
    public static func parse(text: String, file: String) -> (document: AppDocument?, diagnostics: [Diagnostic]) {
        var reader = NodeReader()
        do {
            guard let root = try YAMLParser.parse(text, file: file) else {
                return (nil, [Diagnostic(.error, at: SourceLocation(file: file, line: 1, column: 1), "the app file is empty")])
            }
            let document = AppDecoder.decode(root, reader: &reader)
            return (reader.bag.hasErrors ? nil : document, reader.bag.all)
        } catch {
            return (nil, [error.diagnostic])
        }
    }
}
