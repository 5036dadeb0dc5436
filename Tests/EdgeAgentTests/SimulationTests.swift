@testable import EdgeAgent
import EdgeConfig
import EdgeCore
import Logging
import Testing

#if canImport(Glibc)
    import Glibc
#endif

struct WaveformTests {
    @Test func sineStartsAtMidpointAndPeaksAtAQuarterPeriod() {
        let w = SimulatedPoint.Waveform.sine(min: 60, max: 100, periodNanoseconds: 40_000_000_000)
        #expect(abs(w.value(at: 0, previous: nil, random: 0) - 80) < 1e-9)
        #expect(abs(w.value(at: 10_000_000_000, previous: nil, random: 0) - 100) < 1e-6)
        #expect(abs(w.value(at: 30_000_000_000, previous: nil, random: 0) - 60) < 1e-6)
    }

    @Test func rampAndSquareFollowThePeriod() {
        let ramp = SimulatedPoint.Waveform.ramp(min: 0, max: 10, periodNanoseconds: 10)
        #expect(ramp.value(at: 5, previous: nil, random: 0) == 5)
        #expect(ramp.value(at: 12, previous: nil, random: 0) == 2)
        let square = SimulatedPoint.Waveform.square(min: 1, max: 2, periodNanoseconds: 10)
        #expect(square.value(at: 4, previous: nil, random: 0) == 1)
        #expect(square.value(at: 6, previous: nil, random: 0) == 2)
    }

    @Test func randomWalkStaysWithinBounds() {
        let walk = SimulatedPoint.Waveform.randomWalk(min: 1, max: 2, step: 0.5)
        var rng = SplitMix64(state: 1)
        var v: Double? = nil
        for _ in 0..<1000 {
            let r = Double(rng.next() >> 11) / Double(1 << 53)
            v = walk.value(at: 0, previous: v, random: r)
            #expect((1...2).contains(v ?? -1))
        }
    }
}

struct ReadingGrouperTests {
    @Test func samplesWithOneTimestampBecomeOneReadingPerSource() {
        var g = ReadingGrouper(pointCounts: [2, 1])
        #expect(g.add(Sample(source: 0, point: 0, timestamp: 10, value: 1)) == nil)
        #expect(g.add(Sample(source: 1, point: 0, timestamp: 10, value: 5)) == nil)
        #expect(g.add(Sample(source: 0, point: 1, timestamp: 10, value: 2, quality: .timeout)) == nil)
        let first = g.add(Sample(source: 0, point: 0, timestamp: 20, value: 3))
        #expect(first?.values == [1, 2])
        #expect(first?.qualities == [.good, .timeout])
        let rest = g.flushAll()
        #expect(rest.map(\.source) == [1, 0])
        #expect(rest.last?.values == [3, nil])
    }

    @Test func samplesOfUnknownSourcesOrPointsAreIgnored() {
        var g = ReadingGrouper(pointCounts: [1])
        #expect(g.add(Sample(source: 3, point: 0, timestamp: 1, value: 1)) == nil)
        #expect(g.add(Sample(source: 0, point: 9, timestamp: 1, value: 1)) == nil)
        #expect(g.flushAll().isEmpty)
    }
}

/// Runs the simulated board through the ring and pipeline for real (threads, clock), then
/// stops it and checks what reached the outbox.
struct SimulatedPipelineTests {
    func makeConfig(dataDir: String) throws -> AgentConfig {
        let root = Files.directory(of: Files.directory(of: Files.directory(of: #filePath)))
        let text = """
            agent: {data_dir: \(dataDir), ring: {capacity: 64}}
            boards_dir: \(root)/boards
            board: sim
            sources:
              - id: boiler
                type: simulated
                interval: 20ms
                points:
                  - {name: temp, waveform: constant, value: 21.5}
                  - {name: hours, waveform: ramp, min: 0, max: 100, period: 1h}
              - id: door
                type: gpio
                lines: [{line: GPIO17, name: door, simulate: {toggle_every: 30ms}}]
            """
        let compilation = ConfigCompiler.compile(text: text, file: "\(root)/config/test.yaml")
        return try #require(compilation.config, "\(compilation.diagnostics.map(\.description))")
    }

    @Test func readingsFlowFromTheSimulatedBoardToTheOutbox() throws {
        var template = Array("/tmp/edgeflow-agent-XXXXXX".utf8CString)
        let made: String? = template.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress, let path = mkdtemp(base) as UnsafeMutablePointer<CChar>? else { return nil }
            return String(cString: path)
        }
        let dir = try #require(made)
        let config = try makeConfig(dataDir: dir)
        let ring = try SampleRing(capacity: 64, policy: .dropOldest)
        let wake = WakeSignal()
        let outbox = try Outbox(directory: dir)
        let pipeline = Pipeline(config: config, ring: ring, wake: wake, outbox: outbox, logger: Logger(label: "test")) { _ in }
        let board = SimulatedBoard(config: config, ring: ring, wake: wake, clock: SystemClock())
        try pipeline.start()
        try board.start()
        // Bounded wait: at most 5 s for 5 readings (about 100 ms of simulated time).
        for _ in 0..<500 where pipeline.readings < 5 { threadSleep(nanoseconds: 10_000_000) }
        board.stop()
        pipeline.stop()
        #expect(pipeline.readings >= 5)
        let lines = try Files.readText("\(dir)/outbox.jsonl").split(separator: "\n")
        #expect(lines.count == pipeline.readings)
        #expect(lines.contains { $0.hasPrefix("{\"source\":\"boiler\",\"ts\":") && $0.contains("\"temp\":21.5") })
        #expect(lines.contains { $0.contains("\"source\":\"door\"") && $0.contains("\"door\":") })
        #expect(ring.droppedCount == 0)
    }

    @Test func outboxLineCarriesQualityInsteadOfFakeValues() throws {
        let config = try makeConfig(dataDir: "/tmp")
        let ring = try SampleRing(capacity: 64, policy: .dropOldest)
        let pipeline = Pipeline(config: config, ring: ring, wake: WakeSignal(), outbox: nil, logger: Logger(label: "t")) { _ in }
        let line = pipeline.outboxLine(
            DeviceReading(source: 0, timestamp: 1_000_000_000, values: [21.5, 0], qualities: [.good, .timeout]))
        #expect(line == #"{"source":"boiler","ts":1000,"temp":21.5,"quality":{"hours":"timeout"}}"#)
    }
}
