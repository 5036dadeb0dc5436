import EdgeConfig
import EdgeCore
import EdgePipeline
@testable import EdgeSimulation
import EdgeTestSupport
import Logging
import Synchronization
import Testing

/// A logger that drops everything, so tests do not write to stderr.
private let quietLogger = Logger(label: "simulation-test", factory: { _ in SwiftLogNoOpLogHandler() })

/// The repository root (this file is Tests/EdgeAgentTests/SimulationTests.swift).
private let repositoryRoot = Files.directory(of: Files.directory(of: Files.directory(of: #filePath)))

/// Compiles a config for the simulated board from the `sources:` (and `outputs:`) YAML given.
private func simulatedConfig(dataDir: String = "/tmp", _ body: String) throws -> AgentConfig {
    let text = """
        agent: {data_dir: \(dataDir)}
        boards_dir: \(repositoryRoot)/boards
        board: sim
        \(body)
        """
    let compilation = ConfigCompiler.compile(text: text, file: "\(repositoryRoot)/config/simulation-test.yaml")
    return try #require(compilation.config, "\(compilation.diagnostics.map(\.description))")
}

private let ms: Int64 = 1_000_000

/// A value set from another thread (a driver's completion) and read here.
private final class Slot<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)
    private let signal = WakeSignal()

    func set(_ newValue: Value) {
        value.withLock { $0 = newValue }
        signal.signal()
    }

    /// Waits (at most 5 s, monotonic) until a value was set; nil when none came.
    func wait() -> Value? {
        let deadline = MonotonicDeadline(after: 5_000_000_000)
        while true {
            if let v = value.withLock({ $0 }) { return v }
            if deadline.remaining <= 0 { return nil }
            signal.wait(timeoutNanoseconds: deadline.remaining)
        }
    }
}

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
        #expect(SimulatedPoint.Waveform.constant(21.5).value(at: 123, previous: 3, random: 0.9) == 21.5)
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
        // Starts at the middle; random 0.5 is no move, 1 is a full step up, 0 a full step down.
        #expect(walk.value(at: 0, previous: nil, random: 0.5) == 1.5)
        #expect(walk.value(at: 0, previous: 1.25, random: 1) == 1.75)
        #expect(walk.value(at: 0, previous: 1.25, random: 0) == 1)
    }

    @Test func splitMix64IsReproducibleFromItsSeed() {
        var a = SplitMix64(state: 42)
        var b = SplitMix64(state: 42)
        var c = SplitMix64(state: 43)
        let first = (0..<4).map { _ in a.next() }
        #expect(first == (0..<4).map { _ in b.next() })
        #expect(first != (0..<4).map { _ in c.next() })
    }
}

/// Simulated input lines behave as the kernel presents them: bias sets the idle level,
/// active-low inverts it, debounce delays (or swallows) changes.
struct SimulatedLineTests {
    func lines() throws -> [String: GPIOInputLine] {
        let config = try simulatedConfig(
            """
            sources:
              - id: lines
                type: gpio
                lines:
                  - {line: GPIO4, name: plain, simulate: {toggle_every: 100ms}}
                  - {line: GPIO5, name: pullup, bias: pull-up, simulate: {toggle_every: 100ms}}
                  - {line: GPIO6, name: pullup_low, bias: pull-up, active_low: true, simulate: {toggle_every: 100ms}}
                  - {line: GPIO7, name: low, active_low: true, simulate: {toggle_every: 100ms}}
                  - {line: GPIO8, name: debounced, debounce: 30ms, simulate: {toggle_every: 100ms}}
                  - {line: GPIO9, name: swallowed, debounce: 100ms, simulate: {toggle_every: 100ms}}
                  - {line: GPIO10, name: still, bias: pull-up}
                  - {line: GPIO11, name: still_low, bias: pull-up, active_low: true}
            """)
        guard case .gpio(let inputs) = try #require(config.sources.first).kind else {
            Issue.record("not a gpio source")
            return [:]
        }
        return Dictionary(uniqueKeysWithValues: inputs.lines.map { ($0.name, $0) })
    }

    func levels(_ line: GPIOInputLine?, at times: [Int64]) -> [Double] {
        guard let line else { return [] }
        return times.map { SimulatedLine.level(of: line, at: $0) }
    }

    @Test func biasSetsTheIdleLevelAndActiveLowInvertsIt() throws {
        let l = try lines()
        let times = [0, 100 * ms - 1, 100 * ms, 199 * ms, 200 * ms, 350 * ms]
        #expect(levels(l["plain"], at: times) == [0, 0, 1, 1, 0, 1])
        #expect(levels(l["pullup"], at: times) == [1, 1, 0, 0, 1, 0])
        #expect(levels(l["pullup_low"], at: times) == [0, 0, 1, 1, 0, 1])
        #expect(levels(l["low"], at: times) == [1, 1, 0, 0, 1, 0])
        #expect(levels(l["still"], at: times) == [1, 1, 1, 1, 1, 1])
        #expect(levels(l["still_low"], at: times) == [0, 0, 0, 0, 0, 0])
    }

    @Test func debounceDelaysEachChangeAndALongOneSwallowsTheToggling() throws {
        let l = try lines()
        // The physical level changes at 100, 200, ... ms; seen once stable for 30 ms.
        let times = [0, 100 * ms, 130 * ms - 1, 130 * ms, 229 * ms, 230 * ms, 330 * ms]
        #expect(levels(l["debounced"], at: times) == [0, 0, 0, 1, 1, 0, 1])
        #expect(levels(l["swallowed"], at: times) == [0, 0, 0, 0, 0, 0, 0])
    }

    @Test func nextChangeIsWhenTheReportedLevelChanges() throws {
        let l = try lines()
        let plain = try #require(l["plain"])
        #expect(SimulatedLine.nextChange(of: plain, after: 0) == 100 * ms)
        #expect(SimulatedLine.nextChange(of: plain, after: 99 * ms) == 100 * ms)
        #expect(SimulatedLine.nextChange(of: plain, after: 100 * ms) == 200 * ms)
        let debounced = try #require(l["debounced"])
        #expect(SimulatedLine.nextChange(of: debounced, after: 50 * ms) == 130 * ms)
        #expect(SimulatedLine.nextChange(of: debounced, after: 130 * ms) == 230 * ms)
        #expect(SimulatedLine.nextChange(of: try #require(l["swallowed"]), after: 0) == nil)
        #expect(SimulatedLine.nextChange(of: try #require(l["still"]), after: 0) == nil)
    }

    /// Before the first debounced change nothing changes at `debounce` itself (the level there
    /// is still the idle level); the first change is at toggle + debounce.
    @Test func nextChangeBeforeTheFirstDebouncedChangeIsThatChange() throws {
        let debounced = try #require(try lines()["debounced"])
        let next = SimulatedLine.nextChange(of: debounced, after: 0)
        #expect(next == 130 * ms)
        if let next {
            #expect(SimulatedLine.level(of: debounced, at: next) != SimulatedLine.level(of: debounced, at: next - 1))
        }
    }
}

/// The simulated board on a manual clock: frames appear exactly when the debounced levels change.
struct SimulatedBoardTests {
    /// Waits (bounded) for the next whole frame in `ring`; returns its samples.
    func nextFrame(_ ring: SampleRing, _ wake: WakeSignal) -> [Sample] {
        var samples: [Sample] = []
        let deadline = MonotonicDeadline(after: 10_000_000_000)
        while deadline.remaining > 0 {
            while let s = ring.pop() {
                samples.append(s)
                if s.flags.contains(.frameEnd) { return samples }
            }
            wake.wait(timeoutNanoseconds: min(deadline.remaining, 100_000_000))
        }
        Issue.record("no whole frame within 10 s (got \(samples))")
        return samples
    }

    @Test func gpioFramesCarryOnlyTheLinesWhoseDebouncedLevelChanged() throws {
        let config = try simulatedConfig(
            """
            sources:
              - id: door
                type: gpio
                lines:
                  - {line: GPIO17, name: door, bias: pull-up, active_low: true, debounce: 30ms, simulate: {toggle_every: 100ms}}
                  - {line: GPIO22, name: window, simulate: {toggle_every: 100ms}}
            """)
        let ring = try SampleRing(capacity: 64)
        let wake = WakeSignal()
        let clock = ManualClock()
        let wall0 = clock.wallNanoseconds()
        let board = SimulatedBoard(config: config, ring: ring, wake: wake, clock: clock)
        board.startAcquisition()
        defer { board.stopAcquisition() }
        // First look: every line's level (door idles high, inverted: 0; window idles low: 0).
        let first = nextFrame(ring, wake)
        #expect(first.map(\.point) == [0, 1])
        #expect(first.map(\.value) == [0, 0])
        #expect(first.map(\.timestamp) == [wall0, wall0])
        // Marks from `pushFrame`: start at position 0, end at position 1.
        #expect(first.map(\.flags) == [.frameStart, SampleFlags.frameEnd.withFrameIndex(1)])
        // At 100 ms the window toggles; the door's change is still being debounced.
        clock.advance(nanoseconds: 100 * ms)
        let second = nextFrame(ring, wake)
        #expect(second.map(\.point) == [1])
        #expect(second.map(\.value) == [1])
        #expect(second.map(\.timestamp) == [wall0 + 100 * ms])
        #expect(second.first?.flags == [.frameStart, .frameEnd])
        // At 130 ms the door's change has been stable for its debounce.
        clock.advance(nanoseconds: 30 * ms)
        let third = nextFrame(ring, wake)
        #expect(third.map(\.point) == [0])
        #expect(third.map(\.value) == [1])
        #expect(third.map(\.timestamp) == [wall0 + 130 * ms])
    }

    @Test func aCountedSimulatedLineReportsItsCountAndRateLikeAChip() throws {
        let config = try simulatedConfig(
            """
            sources:
              - id: meter
                type: gpio
                lines:
                  - {line: GPIO5, name: water, edge: rising, counter: {scale: 0.5, rate_window: 10s}, simulate: {toggle_every: 100ms}}
            """)
        let ring = try SampleRing(capacity: 64)
        let wake = WakeSignal()
        let clock = ManualClock()
        let board = SimulatedBoard(config: config, ring: ring, wake: wake, clock: clock)
        board.startAcquisition()
        defer { board.stopAcquisition() }
        // Points: water, water_count, water_rate. The first level is no pulse.
        #expect(nextFrame(ring, wake).map(\.value) == [0, 0, 0])
        clock.advance(nanoseconds: 100 * ms)
        // Rising: one pulse worth 0.5, over a 10 s window: 0.05 per second.
        let rising = nextFrame(ring, wake)
        #expect(rising.map(\.point) == [0, 1, 2])
        #expect(rising.map(\.value) == [1, 0.5, 0.05])
        clock.advance(nanoseconds: 100 * ms)
        #expect(nextFrame(ring, wake).map(\.value) == [0, 0.5, 0.05], "a falling edge is not counted")
    }

    @Test func outputsDrivenThroughTheControllerLandOnTheBoard() throws {
        let config = try simulatedConfig(
            """
            sources: []
            outputs:
              - {id: alarm, type: gpio, line: GPIO27, safe_value: 0}
            """)
        let ring = try SampleRing(capacity: 8)
        let board = SimulatedBoard(config: config, ring: ring, wake: WakeSignal(), clock: ManualClock())
        let controller = OutputController(
            outputs: config.outputs, drivers: ["alarm": board], clock: ManualClock(), logger: quietLogger)
        #expect(controller.driveAllSafe(timeoutNanoseconds: 5_000_000_000) == [:])
        #expect(board.outputs == ["alarm": 0])
        let result = Slot<Result<Double, OutputDriveError>>()
        try controller.write(id: "alarm", value: 1) { result.set($0) }
        #expect(result.wait() == .success(1))
        #expect(board.outputs == ["alarm": 1])
    }
}

/// Runs the simulated board through the ring, the pipeline and the record file for real
/// (threads, system clock), then stops it and checks what was recorded.
struct SimulatedPipelineTests {
    @Test func framesFlowFromTheSimulatedBoardToTheRecordFile() throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-sim")
        let config = try simulatedConfig(
            dataDir: dir.path,
            """
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
            """)
        let ring = try SampleRing(capacity: 4096, policy: .dropOldest)
        let wake = WakeSignal()
        let recording = try FileRecording(directory: dir.path, sources: config.sources.map { ($0.id, $0.pointNames) }, logger: quietLogger)
        defer { recording.stop() }
        let recorder = recording.recorder
        let frameSeen = WakeSignal()
        let pipeline = Pipeline(config: config, ring: ring, wake: wake, recorder: recorder, logger: quietLogger) { _ in
            frameSeen.signal()
        }
        let board = SimulatedBoard(config: config, ring: ring, wake: wake, clock: SystemClock())
        try pipeline.start()
        board.startAcquisition()
        // Bounded wait: at most 10 s for 5 frames (about 60 ms of simulated time).
        let deadline = MonotonicDeadline(after: 10_000_000_000)
        while pipeline.frames < 5 && deadline.remaining > 0 {
            frameSeen.wait(timeoutNanoseconds: deadline.remaining)
        }
        board.stopAcquisition()
        pipeline.stop()
        #expect(pipeline.frames >= 5)
        #expect(ring.droppedCount == 0)
        #expect(pipeline.partialFrames == 0)

        let lines = try Files.readText(recording.file.path).split(separator: "\n").map(String.init)
        #expect(lines.count == pipeline.frames, "every frame has a point to record")
        var doorLevels: [Double] = []
        var boilerFrames = 0
        var lastTs = 0.0
        for (index, line) in lines.enumerated() {
            let record = try JSONValue.parse(line)
            #expect(record["seq"].numberValue == Double(index + 1), "\(line)")
            #expect(record["kind"] == "frame", "\(line)")
            let ts = try #require(record["ts"].numberValue, "\(line)")
            #expect(ts >= lastTs, "timestamps go forward: \(line)")
            lastTs = ts
            switch record["source"].stringValue {
            case "boiler":
                boilerFrames += 1
                #expect(record["points"]["temp"] == 21.5, "\(line)")
                // The ramp climbs 100 per hour: well under 1 in the test's first seconds.
                let hours = try #require(record["points"]["hours"].numberValue, "\(line)")
                #expect(hours >= 0 && hours < 1, "\(line)")
            case "door":
                doorLevels.append(try #require(record["points"]["door"].numberValue, "\(line)"))
            default:
                Issue.record("unexpected source: \(line)")
            }
            #expect(record["quality"] == .null, "no failed reads: \(line)")
        }
        #expect(boilerFrames >= 1)
        // The door is reported at start (level 0), then only when it changes: 0, 1, 0, ...
        try #require(!doorLevels.isEmpty)
        #expect(doorLevels == doorLevels.indices.map { Double($0 % 2) })
    }
}
