import Benchmark
import EdgeCore
import EdgeFlux

// P1-P3 of docs/performance.md. The framework measures each benchmark in its own process (its
// table); each reference benchmark's teardown prints the summary line for its figure, with
// the measured loop and the reference interleaved in that one process (see Summary).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        timeUnits: .nanoseconds,
        warmupIterations: 3,
        scalingFactor: .mega,
        maxDuration: .seconds(2),
        maxIterations: 1_000
    )

    Benchmark("P3 compiled condition") { benchmark in
        let fixture: RuleFixture
        do {
            fixture = try RuleFixture()
        } catch {
            benchmark.error("cannot compile the rule: \(error)")
            return
        }
        let frames = ConditionFrames(table: fixture.table)
        defer { frames.deallocate() }
        var environment = EvaluationEnvironment(slots: frames.readings[0], clock: SystemClock())
        benchmark.startMeasurement()
        let count = benchmark.scaledIterations.count
        blackHole(evaluateCompiled(fixture.compiled, &environment, frames.readings, count: count))
        benchmark.stopMeasurement()
    }

    Benchmark(
        "P3 reference: tree-walk interpreter",
        configuration: .init(scalingFactor: .kilo),
        closure: { benchmark in
            let fixture: RuleFixture
            do {
                fixture = try RuleFixture()
            } catch {
                benchmark.error("cannot compile the rule: \(error)")
                return
            }
            let frames = ConditionFrames(table: fixture.table)
            defer { frames.deallocate() }
            var environment = EvaluationEnvironment(slots: frames.readings[0], clock: SystemClock())
            benchmark.startMeasurement()
            let count = benchmark.scaledIterations.count
            blackHole(evaluateTreeWalk(fixture.walker, &environment, frames.readings, count: count))
            benchmark.stopMeasurement()
        },
        teardown: { Summary.printConditionLine() }
    )

    Benchmark("P1 ring->condition->route (FlowEngine)") { benchmark in
        let engine: FlowEngine
        let ring: SampleRing
        do {
            engine = try EngineFixture.engine(conditions: [ruleSource])
            ring = try SampleRing(capacity: hotPathRingCapacity)
        } catch {
            benchmark.error("cannot set up: \(error)")
            return
        }
        let inputs = SampleInputs()
        let frame = DeviceFrame(points: rulePoints.count)
        defer {
            inputs.deallocate()
            frame.deallocate()
        }
        benchmark.startMeasurement()
        blackHole(hotPathEngine(
            ring: ring, engine: engine, frame: frame, inputs: inputs.values, count: benchmark.scaledIterations.count))
        benchmark.stopMeasurement()
    }

    Benchmark("P1 ring->condition->route (stand-in route, no engine)") { benchmark in
        let fixture: RuleFixture
        let ring: SampleRing
        do {
            fixture = try RuleFixture()
            ring = try SampleRing(capacity: hotPathRingCapacity)
        } catch {
            benchmark.error("cannot set up: \(error)")
            return
        }
        let inputs = SampleInputs()
        let frame = DeviceFrame(points: rulePoints.count)
        let routes = RouteCounters()
        defer {
            inputs.deallocate()
            frame.deallocate()
            routes.deallocate()
        }
        let environment = EvaluationEnvironment(slots: frame.readings(fixture.table), clock: SystemClock())
        benchmark.startMeasurement()
        blackHole(hotPathStandIn(
            ring: ring, condition: fixture.compiled, environment: environment, frame: frame, routes: routes,
            inputs: inputs.values, count: benchmark.scaledIterations.count))
        benchmark.stopMeasurement()
    }

    Benchmark(
        "P1 reference: hand-written loop",
        closure: { benchmark in
            let inputs = SampleInputs()
            let frame = DeviceFrame(points: rulePoints.count)
            let routes = RouteCounters()
            var ring = LocalRing(capacity: hotPathRingCapacity)
            defer {
                inputs.deallocate()
                frame.deallocate()
                routes.deallocate()
                ring.deallocate()
            }
            benchmark.startMeasurement()
            blackHole(hotPathHandWritten(
                ring: &ring, frame: frame, routes: routes, inputs: inputs.values,
                count: benchmark.scaledIterations.count))
            benchmark.stopMeasurement()
        },
        teardown: { Summary.printHotPathLine() }
    )

    // One pass of 1M samples per iteration; the summary line is best-of-5 over longer runs.
    Benchmark(
        "P2 ingest->ring(64k)->10 conditions",
        configuration: .init(maxDuration: .seconds(3), maxIterations: 5),
        closure: { benchmark in
            let table = PointSlotTable(names: rulePoints)
            let judges: [Judge]
            do {
                judges = try ingestJudges(table)
            } catch {
                benchmark.error("cannot compile the conditions: \(error)")
                return
            }
            do {
                benchmark.startMeasurement()
                let run = try runIngest(
                    count: benchmark.scaledIterations.count, pace: .consumerBound, consumer: .conditions(judges, table))
                benchmark.stopMeasurement()
                blackHole(run.processed)
            } catch {
                benchmark.error("cannot run: \(error)")
            }
        },
        teardown: { Summary.printIngestLine() }
    )
}
