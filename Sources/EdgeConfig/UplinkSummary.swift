import EdgeCore

extension AgentConfig {
    /// Records per second the sources spool with `record: frames`: one frame per simulated or
    /// Modbus source per interval. GPIO sources send a frame per edge, which no config can
    /// foretell, so they are not counted.
    public var estimatedRecordsPerSecond: Double {
        sources.reduce(0) { rate, source in
            let interval: Int64
            switch source.kind {
            case .simulated(let device): interval = device.intervalNanoseconds
            case .modbus(_, let device): interval = Quantity.nanoseconds(device.pollInterval)
            case .gpio: return rate
            }
            return rate + (interval > 0 ? 1e9 / Double(interval) : 0)
        }
    }

    /// A rough spooled size of one frame record: its envelope plus a few dozen bytes per point.
    /// Only good for telling whether `batch_bytes` is in reach, which is all it is used for.
    var estimatedRecordBytes: Int {
        let points = sources.map(\.pointNames.count).max() ?? 1
        return 64 + 32 * points
    }

    /// The `uplink` row of `edgeflow check`: transport, encoder, batch limits, topic.
    var uplinkSummary: String {
        guard let u = uplink else { return "none (frames are recorded in agent.data_dir/records.jsonl)" }
        let limits = "\(u.batchRecords) records or \(Quantity.formatSize(Int64(u.batchBytes)))"
        let batches =
            u.batchIntervalNanoseconds == 0
            ? "batch_interval 0: what waits goes as soon as the last batch is acknowledged, at most \(limits)"
            : "batches every \(Quantity.formatDuration(u.batchIntervalNanoseconds)) or at \(limits)"
        var parts = ["\(u.transport) \(u.url)", "encoder \(u.encoder)", batches]
        if u.transport == "mqtt" {
            parts.append("topic \(u.topic.replacing("${gateway}", with: agent.name))")
            parts.append("client id \(u.clientID ?? "edgeflow-" + agent.name)")
        }
        parts.append("retry max \(Quantity.formatDuration(u.retryMaxNanoseconds))")
        parts.append("spool cap \(Quantity.formatSize(u.spoolMaxBytes))")
        return parts.joined(separator: ", ")
    }

    /// Why `batch_records` or `batch_bytes` will close batches before `batch_interval` at the
    /// sources' rate: the key at fault and the message; nil when the interval is what closes them.
    public var uplinkBatchCutShort: (key: String, message: String)? {
        guard let u = uplink, u.recordFrames, u.batchIntervalNanoseconds > 0 else { return nil }
        let rate = estimatedRecordsPerSecond
        guard rate > 0 else { return nil }
        let seconds = Double(u.batchIntervalNanoseconds) / 1e9
        let perInterval = rate * seconds
        let fmt = JSONValue.formatNumber
        let ratePhrase = "at about \(fmt((rate * 10).rounded() / 10)) records/s"
        let interval = Quantity.formatDuration(u.batchIntervalNanoseconds)
        if perInterval > Double(u.batchRecords) {
            let after = (Double(u.batchRecords) / rate * 10).rounded() / 10
            return (
                "batch_records",
                "batches close at \(u.batchRecords) records after about \(fmt(after)) s \(ratePhrase), "
                    + "before batch_interval (\(interval))"
            )
        }
        let bytes = perInterval * Double(estimatedRecordBytes)
        if bytes > Double(u.batchBytes) {
            let after = (Double(u.batchBytes) / Double(estimatedRecordBytes) / rate * 10).rounded() / 10
            return (
                "batch_bytes",
                "batches close at \(Quantity.formatSize(Int64(u.batchBytes))) after about \(fmt(after)) s "
                    + "\(ratePhrase), before batch_interval (\(interval))"
            )
        }
        return nil
    }
}
