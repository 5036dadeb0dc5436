import EdgeCore

/// App-level checks that need the whole app: loops, actions nothing reaches, and
/// `payload.<name>` reads of names a device source does not have. All are warnings: loops are
/// legal (the hop cap ends them) and a point name may be right for messages we cannot see.
extension FlowCompilation {
    mutating func checkGraph(
        app: AppDocument, channels range: Range<Int>, sources: [EventSourcePlan], facts: [ActionFacts]
    ) {
        let lower = range.lowerBound
        var graph = FlowGraph(channelCount: range.count)
        for (i, fact) in facts.enumerated() where fact.document.enabled {
            guard let channel = fact.channel else { continue }
            if let output = fact.outputChannel {
                graph.add(from: channel - lower, FlowGraph.Edge(to: output - lower, action: i, viaError: false))
            }
            if let errorChannel = fact.errorChannel {
                graph.add(from: channel - lower, FlowGraph.Edge(to: errorChannel - lower, action: i, viaError: true))
            }
        }
        for cycle in graph.cycles() {
            let spelled = cycle.channels.map { channels[lower + $0].id }.joined(separator: " -> ")
            let fact = facts[cycle.closing.action]
            let output = fact.document.output
            let reference = cycle.closing.viaError ? output?.errorChannelId : output?.channelId
            bag.warning(
                reference?.location ?? fact.document.channelId.location, reference?.path ?? fact.path,
                "loop: \(spelled) (closed by action '\(fact.document.actionId)')",
                hint: "loops are allowed, but a run stops after \(options.maxHops) hops; make sure a condition ends it")
        }
        let reached = graph.reachable(from: sources.map { $0.channel - lower })
        for fact in facts where fact.document.enabled {
            guard let channel = fact.channel, !reached[channel - lower] else { continue }
            let channelId = channels[channel].id
            bag.warning(
                fact.document.channelId.location, fact.document.channelId.path,
                "action '\(fact.document.actionId)' never runs: no event source reaches channel '\(channelId)'",
                hint: "add an event source for '\(channels[channel].id)' or an action output into it")
        }
        checkPointNames(range: range, graph: graph, sources: sources, facts: facts)
    }

    /// Warns about `payload.<name>` reads on channels fed only by device sources when no
    /// feeding source declares the name (a misspelt point reads as `null` forever).
    private mutating func checkPointNames(
        range: Range<Int>, graph: FlowGraph, sources: [EventSourcePlan], facts: [ActionFacts]
    ) {
        let lower = range.lowerBound
        var deviceFeeders = Array(repeating: [Int](), count: range.count)
        var otherFeeders = Array(repeating: false, count: range.count)
        for source in sources {
            if case .device(let index, _) = source.kind {
                if !deviceFeeders[source.channel - lower].contains(index) {
                    deviceFeeders[source.channel - lower].append(index)
                }
            } else {
                otherFeeders[source.channel - lower] = true
            }
        }
        for edges in graph.edges { for edge in edges { otherFeeders[edge.to] = true } }
        for fact in facts {
            guard let channel = fact.channel else { continue }
            let feeders = deviceFeeders[channel - lower]
            guard !feeders.isEmpty, !otherFeeders[channel - lower],
                feeders.allSatisfy({ !self.sources[$0].pointNames.isEmpty })
            else { continue }
            let names = feeders.flatMap { self.sources[$0].pointNames }
            let sourceNames = feeders.map { "'\(self.sources[$0].id)'" }.joined(separator: ", ")
            let what = feeders.count == 1 ? "device source \(sourceNames)" : "device sources \(sourceNames)"
            func check(
                _ references: [PayloadReference], locate: (Int) -> SourceLocation, path: String,
                suffix: (Int) -> String = { _ in "" }
            ) {
                for reference in references where !names.contains(reference.name) {
                    let prefix = reference.viaEvent ? "event.payload." : "payload."
                    bag.warning(
                        locate(reference.column), path,
                        "\(prefix)\(reference.name) names no point of \(what)\(suffix(reference.column))",
                        hint: FlowNames.suggestion(for: reference.name, among: names)
                            ?? "points: \(names.joined(separator: ", "))")
                }
            }
            if let parsed = fact.condition, let text = fact.document.condition {
                check(
                    parsed.payloadReferences, locate: { FlowSourcePosition.location(ofColumn: $0, in: text) },
                    path: text.path)
            }
            if let transform = fact.transform, let text = fact.document.output?.transformContent {
                check(
                    transform.payloadReferences, locate: { FlowSourcePosition.location(ofColumn: $0, in: text) },
                    path: text.path)
            }
            let configLocation = fact.document.configLocation ?? fact.document.channelId.location
            for field in fact.configFields {
                check(
                    field.template.payloadReferences, locate: { _ in configLocation }, path: field.path,
                    suffix: { " (column \($0) of the string)" })
            }
        }
    }
}
