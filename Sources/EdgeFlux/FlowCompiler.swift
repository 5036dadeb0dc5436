public import EdgeCore

/// Compiles app documents for the runtime (docs/flow-language.md §6): parses every condition,
/// template and schedule, resolves channel and source references, checks action configs with
/// their handlers, and reports every problem with file, line:column and field path.
public enum FlowCompiler {
    /// Compiles `apps` against the configured `sources` (a source's index in the array is its
    /// sample source index) and the action types `handlers` can run. `flows` is nil when any
    /// diagnostic is an error; warnings (loops, unreachable actions, unknown point names) do
    /// not stop compilation.
    public static func compile(
        apps: [AppDocument], sources: [FlowSourceInfo], handlers: FlowActionRegistry,
        options: FlowOptions = FlowOptions()
    ) -> (flows: CompiledFlows?, diagnostics: [Diagnostic]) {
        var compilation = FlowCompilation(sources: sources, handlers: handlers, options: options)
        for app in apps { compilation.add(app) }
        return compilation.finish()
    }
}

/// The state of one compile: plans built so far and diagnostics.
struct FlowCompilation {
    let sources: [FlowSourceInfo]
    let handlers: FlowActionRegistry
    let options: FlowOptions
    let tables: [PointSlotTable]
    var bag = DiagnosticBag()
    var appIds: [String] = []
    var channels: [ChannelPlan] = []
    var actions: [ActionPlan] = []
    var eventSources: [EventSourcePlan] = []

    /// What the app-level checks need to know about an action beyond its plan.
    struct ActionFacts {
        var document: AppAction
        var path: String
        var channel: Int?
        var plan: Int?
        var condition: ParsedExpression?
        var configFields: [FlowConfigTemplate.Field]
        var transform: Template?
        var outputChannel: Int?
        var errorChannel: Int?
    }

    init(sources: [FlowSourceInfo], handlers: FlowActionRegistry, options: FlowOptions) {
        self.sources = sources
        self.handlers = handlers
        self.options = options
        tables = sources.map { PointSlotTable(names: $0.pointNames) }
    }

    mutating func add(_ app: AppDocument) {
        let appIndex = appIds.count
        appIds.append(app.appId)
        let documentLocation = Self.documentLocation(of: app)
        if !supportedDialects.contains(app.dialect) {
            bag.error(
                documentLocation, "dialect", "dialect \(app.dialect) is not supported",
                hint: "this edgeflow implements dialect \(supportedDialects.map(String.init).joined(separator: ", "))")
        }
        var channelIndex: [String: Int] = [:]
        let firstChannel = channels.count
        for (i, channel) in app.channels.enumerated() {
            if channelIndex[channel.channelId] != nil {
                bag.error(documentLocation, "channels[\(i)].channelId", "duplicate channel id '\(channel.channelId)'")
                continue
            }
            channelIndex[channel.channelId] = channels.count
            channels.append(ChannelPlan(app: appIndex, id: channel.channelId, actions: []))
        }
        let known = app.channels.map(\.channelId)
        func resolve(_ reference: LocatedText, bag: inout DiagnosticBag) -> Int? {
            if let index = channelIndex[reference.text] { return index }
            bag.error(
                reference.location, reference.path, "no channel with id '\(reference.text)'",
                hint: FlowNames.hint(for: reference.text, among: known, kind: "channel"))
            return nil
        }
        let firstSource = eventSources.count
        for (i, source) in app.eventSources.enumerated() {
            let path = FlowNames.itemPath(of: source.channelId.path, field: "channelId", fallback: "eventSources[\(i)]")
            let channel = resolve(source.channelId, bag: &bag)
            let kind = compileKind(source, path: path)
            guard let channel, let kind else { continue }
            eventSources.append(EventSourcePlan(
                app: appIndex, appId: app.appId, id: source.id, kind: kind, payload: source.payload, channel: channel,
                firstHop: []))
        }
        var facts: [ActionFacts] = []
        for (i, action) in app.actions.enumerated() {
            let path = FlowNames.itemPath(of: action.channelId.path, field: "channelId", fallback: "actions[\(i)]")
            facts.append(compileAction(action, path: path, app: appIndex, appId: app.appId, resolve: resolve))
        }
        let appChannels = firstChannel..<channels.count
        checkGraph(
            app: app, channels: appChannels, sources: eventSources[firstSource...].map { $0 }, facts: facts)
        bindFirstHops(sources: firstSource..<eventSources.count)
    }

    /// The result: plans when nothing is an error, and every diagnostic in the order found.
    func finish() -> (flows: CompiledFlows?, diagnostics: [Diagnostic]) {
        guard !bag.hasErrors else { return (nil, bag.all) }
        let flows = CompiledFlows(
            options: options, appIds: appIds, channels: channels, actions: actions, eventSources: eventSources,
            sources: sources, tables: tables)
        return (flows, bag.all)
    }

    private mutating func compileKind(_ source: AppEventSource, path: String) -> EventSourcePlan.Kind? {
        switch source.kind {
        case .device(let name, let report):
            guard let index = sources.firstIndex(where: { $0.id == name }) else {
                bag.error(
                    source.channelId.location, path + ".source", "no configured source named '\(name)'",
                    hint: FlowNames.hint(for: name, among: sources.map(\.id), kind: "configured source"))
                return nil
            }
            if case .deadband(let band, let silence) = report, !(band >= 0) || !(silence > 0) || !silence.isFinite {
                bag.error(
                    source.channelId.location, path + ".report",
                    "a deadband needs a non-negative band and a positive, finite maxSilence")
                return nil
            }
            return .device(source: index, report: report)
        case .interval(let seconds):
            guard seconds >= 1, seconds <= 31_536_000 else {
                bag.error(
                    source.channelId.location, path + ".everySeconds",
                    "everySeconds must be between 1 and 31536000, found \(seconds)")
                return nil
            }
            return .interval(everyNanoseconds: Int64(seconds) * 1_000_000_000)
        case .cron(let expression, let timezone):
            do throws(CronError) {
                return .cron(try CronSchedule(expression.text, timeZone: timezone))
            } catch where error.column < 1 {
                // Column 0: the time zone is wrong. Its node has no location of its own here; the
                // cron field sits next to it.
                bag.error(expression.location, path + ".timezone", error.message, hint: error.hint)
                return nil
            } catch {
                bag.error(
                    FlowSourcePosition.location(ofColumn: error.column, in: expression), expression.path,
                    "\(error.message) (column \(error.column) of the cron expression)", hint: error.hint)
                return nil
            }
        case .webhook(let webhookPath):
            guard webhookPath.hasPrefix("/") else {
                bag.error(source.channelId.location, path + ".path", "a webhook path must start with '/'")
                return nil
            }
            return .webhook(path: webhookPath)
        case .manual:
            return .manual
        }
    }

    private mutating func compileAction(
        _ action: AppAction, path: String, app: Int, appId: String,
        resolve: (LocatedText, inout DiagnosticBag) -> Int?
    ) -> ActionFacts {
        var facts = ActionFacts(
            document: action, path: path, channel: resolve(action.channelId, &bag), plan: nil, condition: nil,
            configFields: [], transform: nil, outputChannel: nil, errorChannel: nil)
        let configLocation = action.configLocation ?? action.channelId.location
        let handler = handlers.handler(for: action.type)
        if let handler {
            for issue in handler.validate(config: action.config, path: path + ".config") {
                bag.error(configLocation, issue.path, issue.message, hint: issue.hint)
            }
        } else {
            let available = handlers.types.joined(separator: ", ")
            let known = knownActionTypes.joined(separator: ", ")
            bag.error(
                action.channelId.location, path + ".type",
                "action type '\(action.type)' is not available in this build",
                hint: knownActionTypes.contains(action.type)
                    ? "this agent runs: \(available)" : "known action types: \(known)")
        }
        var condition = CompiledCondition.always
        if let text = action.condition, !Self.isBlank(text.text) {
            do throws(ExpressionError) {
                let parsed = try ParsedExpression(text.text, options: CompileOptions())
                facts.condition = parsed
                condition = CompiledCondition(parsed)
            } catch {
                expressionError(error, in: text, what: "condition")
            }
        }
        var failures: [FlowConfigTemplate.Failure] = []
        let config = FlowConfigTemplate.compile(
            action.config, path: path + ".config", options: CompileOptions(), failures: &failures,
            fields: &facts.configFields)
        for failure in failures {
            bag.error(
                configLocation, failure.path,
                "\(failure.error.message) (column \(failure.error.column) of the string)", hint: failure.error.hint)
        }
        let output = compileOutput(action.output, path: path + ".output", facts: &facts, resolve: resolve)
        guard let channel = facts.channel, let handler, let output else { return facts }
        facts.plan = actions.count
        actions.append(ActionPlan(
            app: app, appId: appId, actionId: action.actionId, type: action.type, enabled: action.enabled,
            channel: channel, condition: condition, config: config, handler: handler, output: output))
        if action.enabled, let plan = facts.plan { channels[channel].actions.append(plan) }
        return facts
    }

    private mutating func compileOutput(
        _ output: AppActionOutput?, path: String, facts: inout ActionFacts,
        resolve: (LocatedText, inout DiagnosticBag) -> Int?
    ) -> OutputPlan? {
        guard let output else { return OutputPlan.none }
        let anchor = output.channelId?.location ?? facts.document.channelId.location
        var ok = true
        if let errorChannel = output.errorChannelId {
            facts.errorChannel = resolve(errorChannel, &bag)
            ok = ok && facts.errorChannel != nil
        }
        if output.enabled {
            if let channel = output.channelId {
                facts.outputChannel = resolve(channel, &bag)
                ok = ok && facts.outputChannel != nil
            } else {
                bag.error(
                    anchor, path, "an enabled output needs a channelId", hint: "add channelId, or set enabled: false")
                ok = false
            }
        }
        if !(0...900).contains(output.delaySeconds) {
            bag.error(
                anchor, path + ".delaySeconds", "delaySeconds must be between 0 and 900, found \(output.delaySeconds)")
            ok = false
        }
        if let content = output.transformContent {
            do throws(ExpressionError) {
                facts.transform = try Template(content.text, options: CompileOptions(allowsResult: true))
            } catch {
                expressionError(error, in: content, what: "template")
                ok = false
            }
        }
        guard ok else { return nil }
        return OutputPlan(
            channel: facts.outputChannel, errorChannel: facts.errorChannel, splitArray: output.splitArray,
            delaySeconds: output.delaySeconds, transform: facts.transform,
            transformContentType: output.transformContentType)
    }

    private mutating func expressionError(_ error: ExpressionError, in text: LocatedText, what: String) {
        bag.error(
            FlowSourcePosition.location(ofColumn: error.column, in: text), text.path,
            "\(error.message) (column \(error.column) of the \(what))", hint: error.hint)
    }

    /// Device sources get their channel's enabled actions with conditions compiled against the
    /// source's point slots.
    private mutating func bindFirstHops(sources range: Range<Int>) {
        for index in range {
            guard case .device(let source, _) = eventSources[index].kind else { continue }
            let table = tables[source]
            eventSources[index].firstHop = channels[eventSources[index].channel].actions.map { action in
                let condition = actions[action].condition
                guard !condition.source.isEmpty,
                    let parsed = try? ParsedExpression(condition.source, options: CompileOptions(pointSlots: table))
                else { return FirstHop(action: action, condition: condition, readsContext: false) }
                return FirstHop(
                    action: action, condition: CompiledCondition(parsed), readsContext: Self.readsContext(parsed.node))
            }
        }
    }

    /// Whether an expression reads the message's context (directly, or through `event`).
    static func readsContext(_ node: Node) -> Bool {
        switch node {
        case .literal: return false
        case .root(let root): return root == .context || root == .eventContext || root == .event
        case .member(let base, _), .not(let base), .negate(let base): return readsContext(base)
        case .index(let base, let key): return readsContext(base) || readsContext(key)
        case .call(_, let arguments): return arguments.contains(where: readsContext)
        case .and(let lhs, let rhs), .or(let lhs, let rhs), .comparison(_, let lhs, let rhs),
            .arithmetic(_, let lhs, let rhs):
            return readsContext(lhs) || readsContext(rhs)
        }
    }

    static func isBlank(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
    }

    /// A location naming the app's file, for problems with no field of their own.
    static func documentLocation(of app: AppDocument) -> SourceLocation? {
        let file =
            app.eventSources.first?.channelId.location.file ?? app.actions.first?.channelId.location.file
        return file.map { SourceLocation(file: $0, line: 1, column: 1) }
    }
}
