import Benchmark
import EdgeModbus

// P8 of docs/performance.md over TCP: 10 holding registers per poll on one loopback connection to a
// libmodbus server compiled and started by the benchmark (ModbusRig), through edgeflow's
// `ModbusClient`, through `ModbusPoller` (decoding seven points), and the plain libmodbus C
// loop as the reference. The framework runs each benchmark in its own process with its own
// server (its table); the reference's teardown prints the summary line, measured in one process.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        timeUnits: .microseconds,
        warmupIterations: 1,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 100
    )

    Benchmark(
        "P8 modbus tcp poll: ModbusClient, 10 registers",
        closure: { benchmark in
            let rig: ModbusRig
            switch SharedRig.shared.current {
            case .success(let running): rig = running
            case .failure(let problem):
                benchmark.error("no Modbus server: \(problem)")
                return
            }
            var problem: String?
            onOwnThread {
                do {
                    let client = try PollFixture.client(port: rig.port)
                    defer { client.close() }
                    var buffer = [UInt16](repeating: 0, count: PollFixture.registerCount)
                    benchmark.startMeasurement()
                    blackHole(try clientPolls(client, &buffer, count: benchmark.scaledIterations.count))
                    benchmark.stopMeasurement()
                } catch {
                    problem = "\(error)"
                }
            }
            if let problem { benchmark.error(problem) }
        },
        setup: { SharedRig.shared.start() },
        teardown: { SharedRig.shared.stop() }
    )

    Benchmark(
        "P8 modbus tcp poll: ModbusPoller with decode (7 points)",
        closure: { benchmark in
            let rig: ModbusRig
            switch SharedRig.shared.current {
            case .success(let running): rig = running
            case .failure(let problem):
                benchmark.error("no Modbus server: \(problem)")
                return
            }
            var problem: String?
            onOwnThread {
                do {
                    let poller = try PollFixture.poller(port: rig.port)
                    defer { poller.close() }
                    benchmark.startMeasurement()
                    let run = pollerPolls(poller, count: benchmark.scaledIterations.count)
                    benchmark.stopMeasurement()
                    blackHole(run.checksum)
                    problem = run.failure
                } catch {
                    problem = "\(error)"
                }
            }
            if let problem { benchmark.error(problem) }
        },
        setup: { SharedRig.shared.start() },
        teardown: { SharedRig.shared.stop() }
    )

    // Each iteration starts the C client process, which connects, warms up with 100 polls and
    // then times its polls; the table's time therefore includes process start and connect
    // (about a millisecond). The summary line uses the client's own timing instead.
    Benchmark(
        "P8 reference: libmodbus C loop (own process, incl. start)",
        configuration: .init(metrics: [.wallClock, .throughput]),
        closure: { benchmark in
            let rig: ModbusRig
            switch SharedRig.shared.current {
            case .success(let running): rig = running
            case .failure(let problem):
                benchmark.error("no Modbus server: \(problem)")
                return
            }
            benchmark.startMeasurement()
            let run = rig.runReference(polls: benchmark.scaledIterations.count, warmup: 100)
            benchmark.stopMeasurement()
            if case .failure(let problem) = run { benchmark.error("\(problem)") }
        },
        setup: { SharedRig.shared.start() },
        teardown: {
            SharedRig.shared.stop()
            Summary.printLine()
        }
    )
}
