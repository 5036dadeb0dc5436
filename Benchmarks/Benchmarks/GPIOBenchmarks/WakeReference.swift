import EdgeCore
import GPIOBenchShims
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// P11's reference: the cheapest wake-up one thread can give another through the kernel. A
/// reader thread sleeps in poll(2) on an eventfd (as a chip owner sleeps in poll(2) on its line
/// descriptors) and, once woken, reads the counter and takes the time; the writer takes the time
/// and writes 1. Latency = reader's time - writer's time.
///
/// With `.wakeSignal` the same two threads use the agent's own `WakeSignal` (the mutex and
/// condition variable a chip owner signals the pipeline through) instead, which shows how much
/// of the edge's latency is the wake-up itself.
final class WakeReference: @unchecked Sendable {
    // @unchecked: `thread` is set in init and used by `stop` only; the rest is atomics and a descriptor.
    enum Mechanism: Sendable {
        case eventfd
        case wakeSignal
    }

    private let mechanism: Mechanism
    private let fd: Int32
    private let signal = WakeSignal()
    private let count = Atomic<Int>(0)
    private let at = Atomic<Int64>(0)
    private let cpu = Atomic<Int32>(-1)
    private let tid = Atomic<Int32>(0)
    private let stopping = Atomic<Bool>(false)
    private var thread: OwnerThread?

    /// Opens the eventfd and starts the reader; returns once the reader is running.
    init(_ mechanism: Mechanism = .eventfd) throws(RigProblem) {
        self.mechanism = mechanism
        fd = gpio_bench_eventfd()
        guard fd >= 0 else { throw RigProblem("eventfd: errno \(errno)") }
        do {
            thread = try OwnerThread(name: "p11 wake reader") { [self] in
                switch mechanism {
                case .eventfd: read()
                case .wakeSignal: waitForSignals()
                }
            }
        } catch {
            close(fd)
            throw RigProblem("\(error)")
        }
        guard Waiting.untilAbove(0, { Int(tid.load(ordering: .acquiring)) }) else {
            stop()
            throw RigProblem("the reader thread did not start")
        }
    }

    private func read() {
        tid.store(gpio_bench_gettid(), ordering: .releasing)
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        var value: UInt64 = 0
        while !stopping.load(ordering: .acquiring) {
            // Timeout only so that a lost stop request cannot keep the thread forever.
            guard poll(&descriptor, 1, 1000) > 0 else { continue }
            guard Glibc.read(fd, &value, 8) == 8 else { continue }
            at.store(Monotonic.now(), ordering: .relaxed)
            cpu.store(gpio_bench_cpu(), ordering: .relaxed)
            count.add(1, ordering: .releasing)
        }
    }

    private func waitForSignals() {
        tid.store(gpio_bench_gettid(), ordering: .releasing)
        while !stopping.load(ordering: .acquiring) {
            guard signal.wait(timeoutNanoseconds: 1_000_000_000) else { continue }
            at.store(Monotonic.now(), ordering: .relaxed)
            cpu.store(gpio_bench_cpu(), ordering: .relaxed)
            count.add(1, ordering: .releasing)
        }
    }

    /// One wake-up, once the reader is asleep: its latency in nanoseconds.
    func wake() -> Result<Latency, RigProblem> {
        guard Waiting.untilAsleep(tid.load(ordering: .acquiring)) else {
            return .failure(RigProblem("the reader did not go to sleep"))
        }
        let before = count.load(ordering: .acquiring)
        var one: UInt64 = 1
        let writerCPU = gpio_bench_cpu()
        let t0 = Monotonic.now()
        switch mechanism {
        case .eventfd:
            guard write(fd, &one, 8) == 8 else { return .failure(RigProblem("eventfd write: errno \(errno)")) }
        case .wakeSignal:
            signal.signal()
        }
        guard Waiting.untilAbove(before, { count.load(ordering: .acquiring) }) else {
            return .failure(RigProblem("the reader did not wake within 1 s"))
        }
        let readerCPU = cpu.load(ordering: .relaxed)
        return .success(Latency(nanoseconds: at.load(ordering: .relaxed) - t0, crossCPU: readerCPU != writerCPU))
    }

    /// Stops the reader and closes the eventfd; later calls do nothing.
    func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var one: UInt64 = 1
        _ = write(fd, &one, 8)
        signal.signal()
        thread?.join()
        thread = nil
        close(fd)
    }
}
