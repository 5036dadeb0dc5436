import EdgeCore
import EdgeFlux
import EdgePipeline

/// The Prometheus text exposition (format 0.0.4) of a snapshot, built only when scraped: the
/// counters themselves are atomics bumped on the data path, never strings.
extension StatusSnapshot {
    var prometheusText: String {
        var out = MetricsText()
        out.gauge("edgeflow_up", "1 while the agent answers; the scrape failing is the 0.", 1)
        out.gauge(
            "edgeflow_healthy", "1 when no source, uplink or spool is stale (edgeflow status --check).", healthy ? 1 : 0
        )
        out.gauge("edgeflow_generation", "1 plus the number of successful reloads.", Double(generation))
        out.gauge("edgeflow_uptime_seconds", "Seconds since the agent started.", uptimeSeconds)
        out.gauge("edgeflow_resident_memory_bytes", "Resident set size of the process.", Double(process.residentBytes))
        out.counter("edgeflow_cpu_seconds_total", "User and system CPU time of the process.", process.cpuSeconds)
        out.family("edgeflow_source_frames_total", "counter", "Frames delivered per source.")
        for s in sources { out.sample("edgeflow_source_frames_total", [("source", s.id)], Double(s.frames)) }
        out.family("edgeflow_source_good_frames_total", "counter", "Frames with at least one good point, per source.")
        for s in sources { out.sample("edgeflow_source_good_frames_total", [("source", s.id)], Double(s.goodFrames)) }
        out.family("edgeflow_source_bad_points_total", "counter", "Points read with a failure quality, per source.")
        for s in sources { out.sample("edgeflow_source_bad_points_total", [("source", s.id)], Double(s.badPoints)) }
        out.family("edgeflow_source_errors_total", "counter", "Failures the source counted (failed polls), per source.")
        for s in sources { out.sample("edgeflow_source_errors_total", [("source", s.id)], Double(s.errors)) }
        out.family("edgeflow_source_silent_seconds", "gauge", "Seconds since the source's last good frame.")
        for s in sources { out.sample("edgeflow_source_silent_seconds", [("source", s.id)], s.silentSeconds) }
        out.family("edgeflow_source_stale", "gauge", "1 when the source is silent past its health limit.")
        for s in sources { out.sample("edgeflow_source_stale", [("source", s.id)], s.stale ? 1 : 0) }
        out.gauge("edgeflow_ring_capacity", "Sample ring capacity.", Double(ring.capacity))
        out.gauge("edgeflow_ring_occupancy", "Samples waiting in the ring.", Double(ring.occupancy))
        out.counter("edgeflow_ring_pushed_samples_total", "Samples accepted into the ring.", Double(ring.pushed))
        out.counter(
            "edgeflow_ring_dropped_samples_total", "Samples the ring's drop policy discarded.", Double(ring.dropped))
        out.counter(
            "edgeflow_pipeline_frames_total", "Frames the pipeline delivered (this generation).", Double(frames))
        let actionFamilies: [(String, String, (FlowActionStatsView) -> UInt64)] = [
            ("edgeflow_action_evaluated_total", "Conditions evaluated per action.", { $0.evaluated }),
            ("edgeflow_action_runs_total", "Invocations started per action.", { $0.ran }),
            ("edgeflow_action_failures_total", "Runs that failed per action.", { $0.failed }),
            ("edgeflow_action_dropped_total", "Invocations dropped by backpressure per action.", { $0.dropped }),
            (
                "edgeflow_action_condition_errors_total", "Conditions that were not booleans per action.",
                { $0.conditionErrors }
            ),
        ]
        for (name, help, value) in actionFamilies {
            out.family(name, "counter", help)
            for a in actions { out.sample(name, [("app", a.appId), ("action", a.actionId)], Double(value(a))) }
        }
        out.family("edgeflow_output_value", "gauge", "Value the driver confirmed on each confirmed output.")
        for o in outputs {
            if let v = o.lifecycle.value { out.sample("edgeflow_output_value", [("output", o.id)], v) }
        }
        out.family("edgeflow_output_commanded_value", "gauge", "Value last commanded on each output.")
        for o in outputs { out.sample("edgeflow_output_commanded_value", [("output", o.id)], o.lifecycle.commanded) }
        out.family("edgeflow_output_state", "gauge", "1 for the state each output is in (pending, confirmed, unknown).")
        for o in outputs {
            for state in OutputState.allCases {
                out.sample(
                    "edgeflow_output_state", [("output", o.id), ("state", state.rawValue)],
                    o.lifecycle.state == state ? 1 : 0)
            }
        }
        out.family("edgeflow_output_mismatch", "gauge", "1 while an output's read-back disagrees with its command.")
        for o in outputs { out.sample("edgeflow_output_mismatch", [("output", o.id)], o.lifecycle.mismatch ? 1 : 0) }
        let outputFamilies: [(String, String, (OutputStatus) -> UInt64)] = [
            (
                "edgeflow_output_mismatches_total", "Disagreements between read-back and command per output.",
                { $0.mismatches }
            ),
            ("edgeflow_output_failures_total", "Writes the driver failed per output.", { $0.failures }),
            ("edgeflow_output_refused_total", "Writes the envelope refused per output.", { $0.refused }),
        ]
        for (name, help, value) in outputFamilies {
            out.family(name, "counter", help)
            for o in outputs { out.sample(name, [("output", o.id)], Double(value(o.lifecycle))) }
        }
        out.counter(
            "edgeflow_recorder_last_sequence", "Sequence number of the newest record.", Double(recorderLastSequence))
        if let w = recorder {
            out.gauge(
                "edgeflow_recorder_handoff_bytes", "Bytes waiting in the hand-off to the record writer.",
                Double(w.occupancy))
            out.gauge("edgeflow_recorder_handoff_capacity_bytes", "Size of that hand-off.", Double(w.capacity))
            out.gauge(
                "edgeflow_recorder_handoff_high_water_bytes", "The most bytes that ever waited in the hand-off.",
                Double(w.highWater))
            out.counter(
                "edgeflow_recorder_handoff_dropped_total",
                "Frame records dropped because the hand-off was full (drop-newest).", Double(w.dropped))
            out.counter("edgeflow_recorder_written_total", "Frame records the writer stored.", Double(w.written))
            out.counter("edgeflow_recorder_failures_total", "Record writes and fsyncs that failed.", Double(w.failures))
            out.gauge(
                "edgeflow_recorder_last_sync_seconds", "How long the writer's last fsync took.",
                Double(w.lastSyncNanoseconds) / 1e9)
            out.gauge(
                "edgeflow_recorder_max_sync_seconds", "The writer's longest fsync.", Double(w.maxSyncNanoseconds) / 1e9)
        }
        if let spool {
            out.gauge("edgeflow_spool_records", "Records waiting in the spool.", Double(spool.stats.records))
            out.gauge("edgeflow_spool_bytes", "Bytes in the spool.", Double(spool.stats.bytes))
            out.gauge("edgeflow_spool_cap_bytes", "The spool's cap.", Double(spool.capBytes))
            if let oldest = spool.oldestPendingMilliseconds {
                out.gauge(
                    "edgeflow_spool_oldest_age_seconds", "Age of the oldest waiting record.",
                    Double(max(0, nowWall / 1_000_000 - oldest)) / 1000)
            }
            out.gauge("edgeflow_spool_dead_letters", "Refused batches kept on disk.", Double(spool.deadLetters))
        }
        if let uplink {
            out.counter(
                "edgeflow_uplink_acknowledged_records_total", "Records the endpoint acknowledged.",
                Double(uplink.acknowledgedRecords))
            out.counter(
                "edgeflow_uplink_retries_total", "Failed attempts that will be tried again.", Double(uplink.retries))
            out.counter(
                "edgeflow_uplink_reconnects_total", "Links that came back after a failure or a forced reconnect.",
                Double(uplink.reconnects))
            if let at = uplink.lastAcknowledgedAt {
                out.gauge(
                    "edgeflow_uplink_last_ack_age_seconds", "Seconds since the last acknowledgement.",
                    Double(max(0, nowWall - at)) / 1e9)
            }
        }
        return out.text
    }
}

typealias FlowActionStatsView = FlowActionStats

/// Builds exposition text: `# HELP`, `# TYPE`, then samples with escaped label values.
struct MetricsText {
    private(set) var text = ""

    mutating func family(_ name: String, _ type: String, _ help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    mutating func gauge(_ name: String, _ help: String, _ value: Double) {
        family(name, "gauge", help)
        sample(name, [], value)
    }

    mutating func counter(_ name: String, _ help: String, _ value: Double) {
        family(name, "counter", help)
        sample(name, [], value)
    }

    mutating func sample(_ name: String, _ labels: [(String, String)], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
        }
        text += " " + Self.format(value) + "\n"
    }

    /// Label values escape backslash, double quote and newline.
    static func escape(_ value: String) -> String {
        var out = ""
        for c in value {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        return JSONValue.formatNumber(value)
    }
}
