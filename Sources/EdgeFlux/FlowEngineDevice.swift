public import EdgeCore

/// Device readings into flows: report policies, then first-hop conditions evaluated on the
/// reading's slots.
extension FlowEngine {
    /// One reading of configured source `source` (its index in the compile's source list):
    /// `values[i]` and `qualities[i]` are point `i`. Each `device` event source on the source
    /// applies its report policy, then judges its channel's actions on the slots.
    ///
    /// Allocation-free unless an action fires or a read failed: the policy compares against
    /// preallocated arrays, the context is a per-source object whose timestamp is replaced in
    /// place, conditions run on `SlotReadings` over the caller's buffers, and counters are
    /// atomics. The JSON payload is built only for an action that runs; a failed read builds a
    /// context carrying `quality` (docs/flow-language.md §2). The buffers are only read during the call.
    public func handleReading(
        source: Int, timestampNanoseconds: Int64, values: UnsafeBufferPointer<Double>,
        qualities: UnsafeBufferPointer<SampleQuality>
    ) {
        guard source >= 0, source < devicesBySource.count, !devicesBySource[source].isEmpty else {
            counters.readingsIgnored.bump()
            return
        }
        var started = false
        for ref in deviceRefs[source] {
            ref._withUnsafeGuaranteedRef { device in
                guard device.shouldReport(timestampNanoseconds, values: values, qualities: qualities) else {
                    counters.readingsSuppressed.bump()
                    return
                }
                if runFirstHop(device, timestampNanoseconds, values: values, qualities: qualities) { started = true }
            }
        }
        if started { pump() }
    }

    /// A device event that is not a row of numbers (a GPIO edge:
    /// `{"line": "GPIO17", "value": 1, "edge": "rising"}`). Report policies compare payloads
    /// (numbers of a top-level object within the deadband count as unchanged). Rare, so it
    /// takes the JSON path.
    ///
    /// `quality` names the points whose read failed (`{"serial": "timeout"}`); it becomes the
    /// context's `quality` member, as on the slot path. Sources with string points take this
    /// path, since slots hold numbers only.
    public func handleDeviceEvent(
        source: Int, timestampNanoseconds: Int64, payload: JSONValue, quality: JSONObject? = nil
    ) {
        guard source >= 0, source < devicesBySource.count, !devicesBySource[source].isEmpty else {
            counters.readingsIgnored.bump()
            return
        }
        var context = Self.deviceContext(flows.sources[source], milliseconds: timestampNanoseconds / 1_000_000)
        if let quality, quality.count > 0 { context.replaceMember("quality", with: .object(quality)) }
        for device in devicesBySource[source] {
            guard device.shouldReport(timestampNanoseconds, payload: payload) else {
                counters.readingsSuppressed.bump()
                continue
            }
            fire(eventSource: device.eventSource, payload: payload, context: context)
        }
        pump()
    }

    /// Judges the first-hop actions of one device event source; true when any started.
    ///
    /// Written for the reading path: each condition sits in a final class and is used in place
    /// (copying a `CompiledCondition` out of an array retains each of its parts, which cost more
    /// than evaluating it), and the context's timestamp is brought up to date only when a
    /// condition reads the context, a read failed, or an action fires.
    private func runFirstHop(
        _ device: FlowDeviceState, _ timestampNanoseconds: Int64, values: UnsafeBufferPointer<Double>,
        qualities: UnsafeBufferPointer<SampleQuality>
    ) -> Bool {
        if device.hops.isEmpty { return false }
        let milliseconds = timestampNanoseconds / 1_000_000
        let count = min(device.table.count, values.count, qualities.count)
        var failedRead = false
        for slot in 0..<count where qualities[slot] != .good && qualities[slot] != .absent {
            failedRead = true
            break
        }
        var contextCurrent = false
        if device.readsContext || failedRead {
            device.setTimestamp(milliseconds)
            contextCurrent = true
        }
        // No condition reads the context: hand them none rather than pay for a reference to it.
        let context =
            failedRead
            ? device.contextWithQuality(qualities, count: count) : contextCurrent ? device.context : JSONValue.null
        let readings = SlotReadings(table: device.table, values: values, qualities: qualities)
        // The device keeps one environment and only its slots and context change per reading:
        // building a fresh one per reading cost a clock existential copy and its destruction.
        device.environment.pointee.slots = readings
        device.environment.pointee.context = context
        var message: FlowMessage?
        var started = false
        // Unmanaged refs: iterating the hop objects directly retained and released each one.
        for ref in device.hopRefs {
            ref._withUnsafeGuaranteedRef { hop in
                hop.counters.evaluated.bump()
                switch hop.condition.outcome(device.environment.pointee) {
                case .satisfied:
                    if message == nil {
                        if !contextCurrent {
                            device.setTimestamp(milliseconds)
                            contextCurrent = true
                        }
                        message = FlowMessage(
                            trigger: readings.payloadObject(), context: failedRead ? context : device.context)
                    }
                    if let message { enqueue(hop.action, message) }
                    started = true
                case .unsatisfied:
                    hop.counters.skipped.bump()
                case .notBoolean(let value):
                    conditionError(action: hop.action, value: value, hop: 0)
                }
            }
        }
        // Drop the reading's buffers and context: they are only valid during this call.
        device.environment.pointee.slots = nil
        device.environment.pointee.context = .null
        return started
    }
}

/// One action as a device event source's first hop: its condition against the source's slots.
/// A class so the reading loop borrows the condition instead of copying it.
final class FlowFirstHopAction {
    let action: Int
    let condition: CompiledCondition
    let counters: FlowActionCounters

    init(action: Int, condition: CompiledCondition, counters: FlowActionCounters) {
        self.action = action
        self.condition = condition
        self.counters = counters
    }
}

/// One `device` event source's state: its report policy's memory and its prebuilt context.
final class FlowDeviceState {
    let eventSource: Int
    let table: PointSlotTable
    let report: ReportPolicy
    /// The channel's enabled actions with their slot conditions.
    let hops: [FlowFirstHopAction]
    /// The same hops without reference counting, for the per-reading loop (`hops` keeps them alive).
    let hopRefs: [Unmanaged<FlowFirstHopAction>]
    /// One evaluation environment reused for every reading of this source.
    let environment: UnsafeMutablePointer<EvaluationEnvironment>
    /// Whether any condition reads the context.
    let readsContext: Bool
    private let silenceNanoseconds: Int64
    // The reading path's mutable memory lives in storage allocated once and owned by this
    // object: a class's `var` properties cost a run-time exclusivity check per access, and
    // arrays a uniqueness check per write, which together cost more than a condition.
    private let memory: UnsafeMutablePointer<ReportMemory>
    private let lastValues: UnsafeMutableBufferPointer<Double>
    private let lastQualities: UnsafeMutableBufferPointer<SampleQuality>
    /// `{"eventType": "device", "resource": {...}, "timestamp": ...}`; see `setTimestamp`.
    private let contextStorage: UnsafeMutablePointer<JSONValue>
    private var lastPayload: JSONValue?

    private struct ReportMemory {
        var hasReported = false
        var lastReportNanoseconds: Int64 = 0
    }

    /// The context as of the last `setTimestamp`.
    var context: JSONValue { contextStorage.pointee }

    init(
        eventSource: Int, plan: EventSourcePlan, table: PointSlotTable, report: ReportPolicy, context: JSONValue,
        counters: [FlowActionCounters], clock: any EdgeClock
    ) {
        self.eventSource = eventSource
        self.table = table
        self.report = report
        hops = plan.firstHop.map {
            FlowFirstHopAction(action: $0.action, condition: $0.condition, counters: counters[$0.action])
        }
        hopRefs = hops.map { Unmanaged.passUnretained($0) }
        environment = UnsafeMutablePointer.allocate(capacity: 1)
        environment.initialize(to: EvaluationEnvironment(clock: clock))
        readsContext = plan.firstHop.contains { $0.readsContext }
        if case .deadband(_, let seconds) = report {
            silenceNanoseconds = Int64(min(seconds, 1e9) * 1e9)
        } else {
            silenceNanoseconds = .max
        }
        memory = UnsafeMutablePointer.allocate(capacity: 1)
        memory.initialize(to: ReportMemory())
        lastValues = UnsafeMutableBufferPointer.allocate(capacity: table.count)
        lastValues.initialize(repeating: 0)
        lastQualities = UnsafeMutableBufferPointer.allocate(capacity: table.count)
        lastQualities.initialize(repeating: .good)
        contextStorage = UnsafeMutablePointer.allocate(capacity: 1)
        contextStorage.initialize(to: context)
    }

    deinit {
        environment.deinitialize(count: 1)
        environment.deallocate()
        memory.deinitialize(count: 1)
        memory.deallocate()
        lastValues.deallocate()
        lastQualities.deallocate()
        contextStorage.deinitialize(count: 1)
        contextStorage.deallocate()
    }

    /// Whether the policy lets this reading through; remembers it when it does. Compares
    /// with the last reading let through, so slow drift past a deadband is still reported.
    func shouldReport(
        _ timestamp: Int64, values: UnsafeBufferPointer<Double>, qualities: UnsafeBufferPointer<SampleQuality>
    ) -> Bool {
        let count = min(table.count, values.count, qualities.count)
        let report: Bool
        switch self.report {
        case .every:
            return true
        case .onChange:
            report = !memory.pointee.hasReported || changed(values, qualities, count: count, band: nil)
        case .deadband(let band, _):
            report = !memory.pointee.hasReported
                || timestamp &- memory.pointee.lastReportNanoseconds >= silenceNanoseconds
                || changed(values, qualities, count: count, band: band)
        }
        guard report else { return false }
        for slot in 0..<count where qualities[slot] != .absent {
            lastValues[slot] = values[slot]
            lastQualities[slot] = qualities[slot]
        }
        memory.pointee.hasReported = true
        memory.pointee.lastReportNanoseconds = timestamp
        return true
    }

    /// The same policy for a JSON event.
    func shouldReport(_ timestamp: Int64, payload: JSONValue) -> Bool {
        let report: Bool
        switch self.report {
        case .every:
            return true
        case .onChange:
            report = lastPayload != payload
        case .deadband(let band, _):
            report = lastPayload == nil || timestamp &- memory.pointee.lastReportNanoseconds >= silenceNanoseconds
                || Self.differs(payload, lastPayload ?? .null, band: band)
        }
        guard report else { return false }
        lastPayload = payload
        memory.pointee.lastReportNanoseconds = timestamp
        return true
    }

    /// Replaces the context's timestamp. Allocation-free while no message holds the context:
    /// the object is then uniquely owned and changes in place.
    func setTimestamp(_ milliseconds: Int64) {
        contextStorage.pointee.replaceMember("timestamp", with: .number(Double(milliseconds)))
    }

    /// The context plus `quality` of each point whose read failed.
    func contextWithQuality(_ qualities: UnsafeBufferPointer<SampleQuality>, count: Int) -> JSONValue {
        var failed = JSONObject()
        for slot in 0..<count
        where qualities[slot] != .good && qualities[slot] != .absent && table.slot(named: table.names[slot]) == slot {
            failed[table.names[slot]] = .string(qualities[slot].name)
        }
        var out = contextStorage.pointee
        out.replaceMember("quality", with: .object(failed))
        return out
    }

    private func changed(
        _ values: UnsafeBufferPointer<Double>, _ qualities: UnsafeBufferPointer<SampleQuality>, count: Int,
        band: Double?
    ) -> Bool {
        for slot in 0..<count {
            // A point absent from this frame says nothing about a change.
            if qualities[slot] == .absent { continue }
            if qualities[slot] != lastQualities[slot] { return true }
            guard qualities[slot] == .good else { continue }
            if Deadband.moved(values[slot], from: lastValues[slot], band: band) { return true }
        }
        return false
    }

    private static func differs(_ a: JSONValue, _ b: JSONValue, band: Double) -> Bool {
        guard case .object(let x) = a, case .object(let y) = b, x.keys == y.keys else { return a != b }
        for (key, value) in x.members {
            if case .number(let n) = value, case .number(let m)? = y[key] {
                if Deadband.moved(n, from: m, band: band) { return true }
            } else if value != y[key] {
                return true
            }
        }
        return false
    }
}
