import BenchFigures
import Benchmark
import EdgeModbus

/// The summary line `make bench` is read for (docs/performance.md P8, "How to report"). The
/// framework runs each benchmark in its own process, so the figures are measured here, in one
/// process against one server: rounds of the `ModbusClient` loop, the `ModbusPoller` loop and
/// the libmodbus C loop are interleaved, so all three see the same machine noise, and their
/// medians are compared. CPU is getrusage of this process (the C loop reports its own). The
/// human line is followed by its `ReportLine` (the same figures, for the table `make bench` ends with).
enum Summary {
    static let label = "P8 modbus tcp 10-register poll"
    static let rounds = 7
    static let pollsPerRound = 10_000
    static let warmupPolls = 1_000

    static func printLine() {
        let rig: ModbusRig
        switch ModbusRig.start() {
        case .success(let started): rig = started
        case .failure(let problem):
            print("\(label): not measured: \(problem)")
            print(ReportLine.notMeasured("P8", "\(problem)"))
            return
        }
        defer { rig.stop() }
        var lines = failed("no thread ran the measurement")
        onOwnThread { lines = measure(rig) }
        print(lines.human)
        print(lines.machine)
    }

    /// The human line and the report line of a measurement that could not be made.
    private static func failed(_ why: String) -> (human: String, machine: String) {
        ("\(label): not measured: \(why)", ReportLine.notMeasured("P8", why))
    }

    private struct Samples {
        var rates: [Double] = []
        var cpu: [Double] = []

        var medianRate: Double { Figures.median(rates) }
        var medianCPU: Double { Figures.median(cpu) }
    }

    private static func measure(_ rig: ModbusRig) -> (human: String, machine: String) {
        let client: ModbusClient
        let poller: ModbusPoller<ModbusClient>
        var buffer = [UInt16](repeating: 0, count: PollFixture.registerCount)
        do {
            client = try PollFixture.client(port: rig.port)
            poller = try PollFixture.poller(port: rig.port)
            blackHole(try clientPolls(client, &buffer, count: warmupPolls))
        } catch {
            return failed("\(error)")
        }
        defer {
            client.close()
            poller.close()
        }
        if let failure = pollerPolls(poller, count: warmupPolls).failure {
            return failed("poller: \(failure)")
        }
        if let problem = PollFixture.checkDecoding(poller) {
            return failed("\(problem)")
        }

        var viaClient = Samples()
        var viaPoller = Samples()
        var reference = Samples()
        for _ in 0..<rounds {
            var clientError: ModbusError?
            let c = timedRound {
                do throws(ModbusError) {
                    blackHole(try clientPolls(client, &buffer, count: pollsPerRound))
                } catch {
                    clientError = error
                }
            }
            if let clientError { return failed("ModbusClient: \(clientError)") }
            viaClient.rates.append(c.rate)
            viaClient.cpu.append(c.cpu)
            var pollerFailure: String?
            let p = timedRound {
                let run = pollerPolls(poller, count: pollsPerRound)
                blackHole(run.checksum)
                pollerFailure = run.failure
            }
            if let pollerFailure { return failed("ModbusPoller: \(pollerFailure)") }
            viaPoller.rates.append(p.rate)
            viaPoller.cpu.append(p.cpu)
            switch rig.runReference(polls: pollsPerRound, warmup: warmupPolls) {
            case .success(let run):
                reference.rates.append(run.pollsPerSecond)
                reference.cpu.append(run.cpuMicrosecondsPerPoll)
            case .failure(let problem):
                return failed("reference: \(problem)")
            }
        }
        let x = viaClient.medianRate
        let w = reference.medianRate
        let ratio = w > 0 ? x / w : 0
        let machine = ReportLine.measured(
            "P8", value: x, digits: 0, unit: "polls/s TCP",
            reference: "libmodbus C loop \(Figures.fixed(w, 0)) polls/s", ratio: w > 0 ? ratio : nil,
            extras: [
                ("polls/s ModbusPoller", viaPoller.medianRate, 0), ("CPU us/poll", viaClient.medianCPU, 1),
                ("C loop CPU us/poll", reference.medianCPU, 1),
            ])
        let human = "\(label): \(Figures.fixed(x, 0)) polls/s (edgeflow ModbusClient), "
            + "\(Figures.fixed(viaPoller.medianRate, 0)) polls/s (ModbusPoller with decode), "
            + "CPU \(Figures.fixed(viaClient.medianCPU, 1)) us/poll; "
            + "reference libmodbus C loop: \(Figures.fixed(w, 0)) polls/s, ratio \(Figures.fixed(ratio, 2)); "
            + "ModbusPoller CPU \(Figures.fixed(viaPoller.medianCPU, 1)) us/poll, "
            + "C loop CPU \(Figures.fixed(reference.medianCPU, 1)) us/poll; "
            + "medians of \(rounds) rounds x \(pollsPerRound) polls, "
            + "\(PollFixture.points.count) points decoded as expected"
        return (human, machine)
    }

    /// Runs one round of `pollsPerRound` polls; returns polls per second and CPU microseconds per poll.
    private static func timedRound(_ body: () -> Void) -> (rate: Double, cpu: Double) {
        let clock = ContinuousClock()
        let cpuBefore = Figures.cpuMicroseconds()
        let start = clock.now
        body()
        let seconds = Figures.seconds(start.duration(to: clock.now))
        let cpu = Figures.cpuMicroseconds() - cpuBefore
        return (seconds > 0 ? Double(pollsPerRound) / seconds : 0, cpu / Double(pollsPerRound))
    }
}
