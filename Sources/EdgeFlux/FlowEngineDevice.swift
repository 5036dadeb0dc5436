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
    /// context carrying `quality` (flux-subset.md §2). The buffers are only read during the call.
    public func handleReading(
        source: Int, timestampNanoseconds: Int64, values: UnsafeBufferPointer<Double>,
        qualities: UnsafeBufferPointer<SampleQuality>
    ) {
        guard source >= 0, source < devicesBySource.count, !devicesBySource[source].isEmpty else {
            counters.readingsIgnored.increment()
            return
        }
        var started = false
        for device in devicesBySource[source] {
            guard device.shouldReport(timestampNanoseconds, values: values, qualities: qualities) else {
                counters.readingsSuppressed.increment()
                continue
            }
            if runFirstHop(device, timestampNanoseconds, values: values, qualities: qualities) { started = true }
        }
        if started { pump() }
    }

    /// A device event that is not a row of numbers (a GPIO edge:
    /// `{"line": "GPIO17", "value": 1, "edge": "rising"}`). Report policies compare payloads
    /// (numbers of a top-level object within the deadband count as unchanged). Rare, so it
    /// takes the JSON path.
    public func handleDeviceEvent(source: Int, timestampNanoseconds: Int64, payload: JSONValue) {
        guard source >= 0, source < devicesBySource.count, !devicesBySource[source].isEmpty else {
            counters.readingsIgnored.increment()
            return
        }
        let context = Self.deviceContext(flows.sources[source], milliseconds: timestampNanoseconds / 1_000_000)
        for device in devicesBySource[source] {
            guard device.shouldReport(timestampNanoseconds, payload: payload) else {
                counters.readingsSuppressed.increment()
                continue
            }
            fire(eventSource: device.eventSource, payload: payload, context: context)
        }
        pump()
    }

    /// Judges the first-hop actions of one device event source; true when any started.
    private func runFirstHop(
        _ device: FlowDeviceState, _ timestampNanoseconds: Int64, values: UnsafeBufferPointer<Double>,
        qualities: UnsafeBufferPointer<SampleQuality>
    ) -> Bool {
        device.context.replaceMember("timestamp", with: .number(Double(timestampNanoseconds / 1_000_000)))
        let count = min(device.table.count, values.count, qualities.count)
        var failedRead = false
        for slot in 0..<count where qualities[slot] != .good {
            failedRead = true
            break
        }
        let context = failedRead ? device.contextWithQuality(qualities, count: count) : device.context
        let readings = SlotReadings(table: device.table, values: values, qualities: qualities)
        let environment = EvaluationEnvironment(slots: readings, context: context, clock: clock)
        var message: FlowMessage?
        var started = false
        for hop in device.firstHop {
            let counters = self.counters.actions[hop.action]
            counters.evaluated.increment()
            switch hop.condition.outcome(environment) {
            case .satisfied:
                let run = message ?? FlowMessage(trigger: readings.payloadObject(), context: context)
                message = run
                enqueue(hop.action, run)
                started = true
            case .unsatisfied:
                counters.skipped.increment()
            case .notBoolean(let value):
                conditionError(action: hop.action, value: value, hop: 0)
            }
        }
        return started
    }
}

/// One `device` event source's state: its report policy's memory and its prebuilt context.
final class FlowDeviceState {
    let eventSource: Int
    let table: PointSlotTable
    let report: ReportPolicy
    let firstHop: [FirstHop]
    /// `{"eventType": "device", "resource": {...}, "timestamp": ...}`; the timestamp is replaced
    /// in place per reading.
    var context: JSONValue
    private let silenceNanoseconds: Int64
    private var lastValues: [Double]
    private var lastQualities: [SampleQuality]
    private var lastPayload: JSONValue?
    private var hasReported = false
    private var lastReportNanoseconds: Int64 = 0

    init(eventSource: Int, plan: EventSourcePlan, table: PointSlotTable, report: ReportPolicy, context: JSONValue) {
        self.eventSource = eventSource
        self.table = table
        self.report = report
        self.firstHop = plan.firstHop
        self.context = context
        if case .deadband(_, let seconds) = report {
            silenceNanoseconds = Int64(min(seconds, 1e9) * 1e9)
        } else {
            silenceNanoseconds = .max
        }
        lastValues = Array(repeating: 0, count: table.count)
        lastQualities = Array(repeating: .good, count: table.count)
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
            report = !hasReported || changed(values, qualities, count: count, band: nil)
        case .deadband(let band, _):
            report = !hasReported || timestamp &- lastReportNanoseconds >= silenceNanoseconds
                || changed(values, qualities, count: count, band: band)
        }
        guard report else { return false }
        for slot in 0..<count {
            lastValues[slot] = values[slot]
            lastQualities[slot] = qualities[slot]
        }
        hasReported = true
        lastReportNanoseconds = timestamp
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
            report = lastPayload == nil || timestamp &- lastReportNanoseconds >= silenceNanoseconds
                || Self.differs(payload, lastPayload ?? .null, band: band)
        }
        guard report else { return false }
        lastPayload = payload
        lastReportNanoseconds = timestamp
        return true
    }

    /// The context plus `quality` of each point whose read failed.
    func contextWithQuality(_ qualities: UnsafeBufferPointer<SampleQuality>, count: Int) -> JSONValue {
        var failed = JSONObject()
        for slot in 0..<count where qualities[slot] != .good && table.slot(named: table.names[slot]) == slot {
            failed[table.names[slot]] = .string(qualities[slot].name)
        }
        var out = context
        out.replaceMember("quality", with: .object(failed))
        return out
    }

    private func changed(
        _ values: UnsafeBufferPointer<Double>, _ qualities: UnsafeBufferPointer<SampleQuality>, count: Int,
        band: Double?
    ) -> Bool {
        for slot in 0..<count {
            if qualities[slot] != lastQualities[slot] { return true }
            guard qualities[slot] == .good else { continue }
            let value = values[slot]
            let last = lastValues[slot]
            if value.isNaN || last.isNaN {
                if value.isNaN != last.isNaN { return true }
                continue
            }
            if let band {
                if abs(value - last) > band || (value.isInfinite && value != last) { return true }
            } else if value != last {
                return true
            }
        }
        return false
    }

    private static func differs(_ a: JSONValue, _ b: JSONValue, band: Double) -> Bool {
        guard case .object(let x) = a, case .object(let y) = b, x.keys == y.keys else { return a != b }
        for (key, value) in x.members {
            if case .number(let n) = value, case .number(let m)? = y[key] {
                if abs(n - m) > band || (n.isInfinite && n != m) { return true }
            } else if value != y[key] {
                return true
            }
        }
        return false
    }
}
