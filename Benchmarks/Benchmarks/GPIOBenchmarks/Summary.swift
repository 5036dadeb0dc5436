import BenchFigures
import EdgeCore
import Synchronization

/// The summary line `make bench` is read for (docs/performance.md P11, "How to report"). The
/// framework runs each benchmark in its own process, so both figures are measured here, in one
/// process: rounds of edges through the pipeline and of eventfd wake-ups are interleaved, so
/// both see the same machine noise; percentiles are over all rounds' samples.
enum Summary {
    static let label = "P11 gpio edge -> local action"
    static let rounds = 5
    static let perRound = 2_000
    static let warmup = 500

    static func printLine() {
        print(onThread(measure) ?? "\(label): not measured: no thread to measure on")
    }

    /// One measured series: its samples over all rounds and each round's median.
    private struct Series {
        var all = Latencies(reserving: rounds * perRound)
        var roundMedians: [Double] = []

        mutating func add(_ round: Latencies) {
            all.append(contentsOf: round)
            roundMedians.append(round.microseconds(at: 0.5))
        }

        var p50: Double { all.microseconds(at: 0.5) }
        var p99: Double { all.microseconds(at: 0.99) }
        var range: String { "\(us(roundMedians.min() ?? 0))-\(us(roundMedians.max() ?? 0))" }
        /// Medians of the wake-ups that stayed on one CPU and of those that crossed to the other.
        var placement: String {
            // A placement with no sample has no median: say so rather than print 0.
            let crossed = all.crossCPUPercent
            let same = crossed < 100 ? us(all.microseconds(at: 0.5, crossCPU: false)) : "none"
            let cross = crossed > 0 ? us(all.microseconds(at: 0.5, crossCPU: true)) : "none"
            return "same CPU \(same) / cross CPU \(cross) (\(BenchFigures.fixed(crossed, 0))% crossed)"
        }
    }

    private static func us(_ v: Double) -> String { BenchFigures.fixed(v, 1) }

    private static func measure() -> String {
        let driver: EdgeDriver
        let eventfd: WakeReference
        let signal: WakeReference
        do throws(RigProblem) {
            driver = try EdgeDriver()
        } catch {
            return "\(label): not measured: \(error)"
        }
        defer { driver.stop() }
        do throws(RigProblem) {
            eventfd = try WakeReference(.eventfd)
            signal = try WakeReference(.wakeSignal)
        } catch {
            return "\(label): not measured: reference: \(error)"
        }
        defer {
            eventfd.stop()
            signal.stop()
        }
        // Every series runs `warmup` first, then `rounds` interleaved rounds.
        let measured: [(String, () -> Result<Latency, RigProblem>)] = [
            ("", driver.edge), ("reference: ", eventfd.wake), ("WakeSignal: ", signal.wake),
        ]
        for (name, measure) in measured {
            if case .failure(let problem) = Latencies.collect(warmup, measure) {
                return "\(label): not measured: \(name)\(problem)"
            }
        }
        driver.resetSplit(reserving: rounds * perRound)
        var series = Array(repeating: Series(), count: measured.count)
        for _ in 0..<rounds {
            for (i, (name, measure)) in measured.enumerated() {
                switch Latencies.collect(perRound, measure) {
                case .success(let round): series[i].add(round)
                case .failure(let problem): return "\(label): not measured: \(name)\(problem)"
                }
            }
        }
        let (edge, wake, condition) = (series[0], series[1], series[2])
        let dropped = driver.rig.dropped == 0 ? "" : ", ring DROPPED \(driver.rig.dropped) samples"
        return "\(label): p50 \(us(edge.p50)) µs, p99 \(us(edge.p99)) µs; "
            + "reference eventfd wake p50 \(us(wake.p50)) µs, p99 \(us(wake.p99)) µs; "
            + "ratio p50 \(BenchFigures.fixed(wake.p50 > 0 ? edge.p50 / wake.p50 : 0, 2)); "
            + "p50 by placement: edge \(edge.placement), eventfd \(wake.placement) µs; "
            + "push to frame callback p50 \(us(driver.toFrame.microseconds(at: 0.5))) µs; "
            + "WakeSignal wake p50 \(us(condition.p50)) µs, p99 \(us(condition.p99)) µs; "
            + "round p50s: edge \(edge.range), eventfd \(wake.range), WakeSignal \(condition.range) µs; "
            + "\(rounds) interleaved rounds x \(perRound) after \(warmup) each; "
            + "push -> pipeline -> flow -> gpio-write -> simulated output\(dropped)"
    }

    /// Runs `body` on a new thread and returns what it returned: the waits spin with
    /// sched_yield, which does not belong on Swift's cooperative pool, where the framework runs
    /// closures and hooks. nil when no thread could be started.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T? {
        let result = Mutex<T?>(nil)
        do {
            let thread = try OwnerThread(name: "p11") {
                let value = body()
                result.withLock { $0 = value }
            }
            thread.join()
        } catch {
            return nil
        }
        return result.withLock { $0 }
    }
}
