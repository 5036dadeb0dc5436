import BenchFigures
import Benchmark
import EdgeCore
import EdgeFlux

/// The summary lines `make bench` is read for (docs/performance.md, "How to report"), one per
/// figure. The framework runs each benchmark in its own process, so every ratio is measured
/// here, inside one process: rounds of the measured loop and its reference are interleaved, so
/// both see the same machine noise, and their medians are compared. Each human line is followed
/// by its `ReportLine` (the same figures, for the table `make bench` ends with).
enum Summary {
    static let rounds = 21

    // MARK: P3

    static let compiledPerRound = 1 << 20
    static let treeWalkPerRound = 1 << 17

    static func printConditionLine() {
        let label = "P3 compiled condition (4 comparisons)"
        let fixture: RuleFixture
        do {
            fixture = try RuleFixture()
        } catch {
            print("\(label): not measured: \(error)")
            print(ReportLine.notMeasured(id(label), "\(error)"))
            return
        }
        let frames = ConditionFrames(table: fixture.table)
        defer { frames.deallocate() }
        let agreement = frameAgreement(fixture, frames)
        var environment = EvaluationEnvironment(slots: frames.readings[0], clock: SystemClock())

        blackHole(evaluateCompiled(fixture.compiled, &environment, frames.readings, count: compiledPerRound))
        blackHole(evaluateTreeWalk(fixture.walker, &environment, frames.readings, count: treeWalkPerRound))
        var compiled: [Double] = []
        var treeWalk: [Double] = []
        var compiledMallocs = 0
        var treeWalkMallocs = 0
        for _ in 0..<rounds {
            let c = Figures.round(per: compiledPerRound, countMallocs: true) {
                blackHole(evaluateCompiled(fixture.compiled, &environment, frames.readings, count: compiledPerRound))
            }
            compiled.append(c.nanoseconds)
            compiledMallocs += c.mallocs
            let t = Figures.round(per: treeWalkPerRound, countMallocs: true) {
                blackHole(evaluateTreeWalk(fixture.walker, &environment, frames.readings, count: treeWalkPerRound))
            }
            treeWalk.append(t.nanoseconds)
            treeWalkMallocs += t.mallocs
        }
        let compiledMedian = Figures.median(compiled)
        let treeWalkMedian = Figures.median(treeWalk)
        let speedUp = compiledMedian > 0 ? treeWalkMedian / compiledMedian : 0

        // Node runs after the Swift rounds, alone, so neither slows the other on two cores.
        let node: String
        var nodeReference = ""
        switch NodeReference.measure(rule: ruleSource, frames: frames.csv, perRound: compiledPerRound, rounds: rounds) {
        case .measured(let nanoseconds, let held):
            let ratio = nanoseconds > 0 ? compiledMedian / nanoseconds : 0
            let check = held == agreement.compiled ? "" : " (DISAGREES: node held \(held) frames)"
            nodeReference = "; Node.js new Function \(Figures.fixed(nanoseconds, 2)) ns/eval"
            node = "Node.js new Function: \(Figures.fixed(nanoseconds, 2)) ns/eval, "
                + "ratio \(Figures.fixed(ratio, 2))\(check)"
        case .notFound:
            node = "Node.js: node not found"
        case .failed(let message):
            node = "Node.js: not measured: \(message)"
        }
        let check = agreement.compiled == agreement.treeWalk
            ? "" : " (DISAGREES: compiled held \(agreement.compiled), tree walk \(agreement.treeWalk))"
        print(
            "\(label): \(Figures.fixed(compiledMedian, 2)) ns/eval, "
                + "\(Figures.fixed(perEvaluation(compiledMallocs, compiledPerRound), 3)) allocs/eval; "
                + "reference tree-walk interpreter: \(Figures.fixed(treeWalkMedian, 2)) ns/eval, "
                + "\(Figures.fixed(perEvaluation(treeWalkMallocs, treeWalkPerRound), 3)) allocs/eval, "
                + "compiled \(Figures.fixed(speedUp, 1))x faster; \(node); "
                + "rule true for \(Figures.percent(agreement.compiled, of: ConditionFrames.count)) of inputs\(check)"
        )
        print(ReportLine.measured(
            "P3", value: compiledMedian, digits: 2, unit: "ns/eval",
            reference: "tree-walk interpreter \(Figures.fixed(treeWalkMedian, 2)) ns/eval\(nodeReference)",
            ratio: treeWalkMedian > 0 ? compiledMedian / treeWalkMedian : nil,
            extras: [
                ("x faster than tree walk", speedUp, 1),
                ("allocs/eval", perEvaluation(compiledMallocs, compiledPerRound), 3),
            ]))
    }

    static func perEvaluation(_ mallocs: Int, _ perRound: Int) -> Double {
        Double(mallocs) / Double(rounds * perRound)
    }

    // MARK: P1

    static let samplesPerRound = 1 << 19

    static func printHotPathLine() {
        let label = "P1 ring->condition->route"
        let fixture: RuleFixture
        let engine: FlowEngine
        let ring: SampleRing
        do {
            fixture = try RuleFixture()
            engine = try EngineFixture.engine(conditions: [ruleSource])
            ring = try SampleRing(capacity: hotPathRingCapacity)
        } catch {
            print("\(label): not measured: \(error)")
            print(ReportLine.notMeasured(id(label), "\(error)"))
            return
        }
        let inputs = SampleInputs()
        let frame = DeviceFrame(points: rulePoints.count)
        let routes = RouteCounters()
        let handRoutes = RouteCounters()
        var local = LocalRing(capacity: hotPathRingCapacity)
        defer {
            inputs.deallocate()
            frame.deallocate()
            routes.deallocate()
            handRoutes.deallocate()
            local.deallocate()
        }
        let environment = EvaluationEnvironment(slots: frame.readings(fixture.table), clock: SystemClock())

        func throughEngine() {
            blackHole(hotPathEngine(
                ring: ring, engine: engine, frame: frame, inputs: inputs.values, count: samplesPerRound))
        }
        func standIn() {
            blackHole(hotPathStandIn(
                ring: ring, condition: fixture.compiled, environment: environment, frame: frame, routes: routes,
                inputs: inputs.values, count: samplesPerRound))
        }
        func handWritten() {
            blackHole(hotPathHandWritten(
                ring: &local, frame: frame, routes: handRoutes, inputs: inputs.values, count: samplesPerRound))
        }
        throughEngine()
        standIn()
        handWritten()
        var engineTimes: [Double] = []
        var standInTimes: [Double] = []
        var handTimes: [Double] = []
        var engineMallocs = 0
        var standInMallocs = 0
        for _ in 0..<rounds {
            let e = Figures.round(per: samplesPerRound, countMallocs: true, throughEngine)
            engineTimes.append(e.nanoseconds)
            engineMallocs += e.mallocs
            let s = Figures.round(per: samplesPerRound, countMallocs: true, standIn)
            standInTimes.append(s.nanoseconds)
            standInMallocs += s.mallocs
            handTimes.append(Figures.round(per: samplesPerRound, countMallocs: false, handWritten).nanoseconds)
        }
        let engineMedian = Figures.median(engineTimes)
        let standInMedian = Figures.median(standInTimes)
        let handMedian = Figures.median(handTimes)
        let ratio = handMedian > 0 ? engineMedian / handMedian : 0
        let measured = Double(rounds * samplesPerRound)
        let total = (rounds + 1) * samplesPerRound
        let fired = EngineFixture.ran(engine)
        print(
            "\(label) (route: FlowEngine.handleReading, 1 app, 1 action): "
                + "\(Figures.fixed(engineMedian, 2)) ns/sample, "
                + "\(Figures.fixed(Double(engineMallocs) / measured, 3)) allocs/sample; "
                + "reference hand-written: \(Figures.fixed(handMedian, 2)) ns/sample, "
                + "ratio \(Figures.fixed(ratio, 2)); same loop with a stand-in route instead of the engine: "
                + "\(Figures.fixed(standInMedian, 2)) ns/sample, "
                + "\(Figures.fixed(Double(standInMallocs) / measured, 3)) allocs/sample; "
                + "actions fired \(fired) of \(total) samples "
                + "(stand-in \(routes.held), hand-written \(handRoutes.held))"
        )
        print(ReportLine.measured(
            "P1", value: engineMedian, digits: 2, unit: "ns/sample",
            reference: "hand-written loop \(Figures.fixed(handMedian, 2)) ns/sample",
            ratio: handMedian > 0 ? ratio : nil,
            extras: [("allocs/sample", Double(engineMallocs) / measured, 3)]))
    }

    // MARK: P2

    static let ingestSamples = 10_000_000
    static let ingestRuns = 5
    static let offeredRate = 2_000_000.0
    static let offeredSeconds = 2.0
    static let engineSamples = 1_000_000

    static func printIngestLine() {
        let label = "P2 ingest->ring(64k)->10 conditions"
        let table = PointSlotTable(names: rulePoints)
        let judges: [Judge]
        let engine: FlowEngine
        do {
            judges = try ingestJudges(table)
            engine = try EngineFixture.engine(conditions: ingestConditionSources())
        } catch {
            print("\(label): not measured: \(error)")
            print(ReportLine.notMeasured(id(label), "\(error)"))
            return
        }
        do {
            var best: IngestRun?
            var drops: UInt64 = 0
            for _ in 0..<ingestRuns {
                let run = try runIngest(
                    count: ingestSamples, pace: .consumerBound, consumer: .conditions(judges, table))
                drops += run.dropped
                if best.map({ run.samplesPerSecond > $0.samplesPerSecond }) ?? true { best = run }
            }
            let offered = try runIngest(
                count: Int(offeredRate * offeredSeconds), pace: .offered(samplesPerSecond: offeredRate),
                consumer: .conditions(judges, table))
            let viaEngine = try runIngest(
                count: engineSamples, pace: .consumerBound, consumer: .engine(engine, table))
            let bestRate = best?.samplesPerSecond ?? 0
            print(
                "\(label): \(Figures.fixed(bestRate / 1e6, 2)) M samples/s best-of-\(ingestRuns) "
                    + "(\(ingestSamples / 1_000_000)M samples each, producer waits on a full ring), drops \(drops); "
                    + "offered \(Figures.fixed(offeredRate / 1e6, 1)) M samples/s for "
                    + "\(Figures.fixed(offeredSeconds, 0)) s: \(offered.processed) processed, "
                    + "drops \(offered.dropped); "
                    + "through FlowEngine.handleReading with 10 actions: "
                    + "\(Figures.fixed(viaEngine.samplesPerSecond / 1e6, 2)) M samples/s "
                    + "(1 run, \(engineSamples / 1_000_000)M samples), drops \(viaEngine.dropped)"
            )
            print(ReportLine.measured(
                "P2", value: bestRate / 1e6, digits: 2, unit: "M samples/s best of \(ingestRuns)",
                reference: "none (best of \(ingestRuns) runs of \(ingestSamples / 1_000_000)M samples)", ratio: nil,
                extras: [
                    ("drops", Double(drops), 0), ("offered drops", Double(offered.dropped), 0),
                    ("M samples/s through FlowEngine", viaEngine.samplesPerSecond / 1e6, 2),
                ]))
        } catch {
            print("\(label): not measured: \(error)")
            print(ReportLine.notMeasured(id(label), "\(error)"))
        }
    }

    /// The target id ("P1") a summary label starts with.
    static func id(_ label: String) -> String { String(label.prefix { $0 != " " }) }
}
