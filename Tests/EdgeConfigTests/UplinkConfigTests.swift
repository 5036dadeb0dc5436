import EdgeConfig
import EdgeCore
import Testing

/// The uplink keys the loop's timing depends on, and what `check` says about them.
@Suite struct UplinkConfigTests {
    func compile(interval: String, uplink: String) -> ConfigCompilation {
        let text = """
            agent: {name: gw, data_dir: /tmp/edgeflow-uplink-config}
            board: sim
            sources:
              - id: tank
                type: simulated
                interval: \(interval)
                points: [{name: level, waveform: constant, value: 1}]
            uplink:
            \(uplink)
            """
        return ConfigCompiler.compile(text: text, file: "\(RepoPaths.root)/config/uplink-test.yaml")
    }

    func warnings(_ c: ConfigCompilation) -> [String] {
        c.diagnostics.filter { $0.severity == .warning }.map(\.description)
    }

    @Test func batchIntervalZeroAndRetryMaxAreAcceptedAndShown() throws {
        let c = compile(
            interval: "1s",
            uplink: "  {transport: mqtt, url: mqtt://broker.local, batch_interval: 0, retry_max: 5s}")
        let config = try #require(c.config, "\(c.diagnostics.map(\.description))")
        #expect(config.uplink?.batchIntervalNanoseconds == 0 && config.uplink?.retryMaxNanoseconds == 5_000_000_000)
        #expect(warnings(c).isEmpty, "no window, nothing to cut short")
        let row = try #require(config.summary.split(separator: "\n").first { $0.hasPrefix("uplink") })
        #expect(row.contains("encoder json") && row.contains("100 records or 64KiB"), "\(row)")
        #expect(row.contains("topic edgeflow/gw/data") && row.contains("retry max 5s"), "\(row)")
    }

    @Test func defaultsAreThirtySecondsOfRetryAndTenSecondBatches() throws {
        let c = compile(interval: "1s", uplink: "  {transport: http, url: http://ingest.local/in}")
        let uplink = try #require(c.config?.uplink, "\(c.diagnostics.map(\.description))")
        #expect(uplink.retryMaxNanoseconds == 30_000_000_000 && uplink.batchIntervalNanoseconds == 10_000_000_000)
        #expect(uplink.encoder == "harvest" && uplink.batchRecords == 100 && uplink.batchBytes == 64 << 10)
        #expect(warnings(c).isEmpty, "10 records per 10 s window stay under 100")
    }

    @Test func checkWarnsWhenBatchRecordsCloseBatchesBeforeTheInterval() throws {
        // 20 readings a second fill 100 records in 5 s, half the 10 s window.
        let c = compile(interval: "50ms", uplink: "  {transport: http, url: http://ingest.local/in}")
        #expect(c.config != nil)
        let found = warnings(c)
        #expect(found.count == 1 && found[0].contains("uplink.batch_records"), "\(found)")
        #expect(found.first?.contains("after about 5 s at about 20 records/s") == true, "\(found)")
        let raised = compile(
            interval: "50ms", uplink: "  {transport: mqtt, url: mqtt://b, batch_records: 1000, batch_bytes: 16KiB}")
        #expect(
            warnings(raised).count == 1 && warnings(raised)[0].contains("uplink.batch_bytes"), "\(warnings(raised))")
    }
}
