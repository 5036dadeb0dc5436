import EdgeCore
import Logging
import Synchronization

/// Keeps systemd's watchdog fed while the agent is actually working. Every half watchdog
/// period it looks at a progress counter (the pipeline loop's heartbeat) and sends `WATCHDOG=1`
/// only if the counter moved since the last look. A wedged pipeline (a deadlock, a blocked
/// call that never returns) stops the pings, and systemd restarts the service; a timer that
/// pinged unconditionally would keep a dead agent "healthy" forever. Once shutdown begins the
/// pipeline stops on purpose, so from `beginDraining()` on it pings unconditionally: systemd may
/// keep the watchdog armed while the service stops, and `TimeoutStopSec` bounds the drain.
final class SystemdWatchdog: @unchecked Sendable {
    // @unchecked: `thread` is touched only by start/stop, which the staged lifecycle calls
    // one after the other; the ping thread uses only the immutable state and the atomics.
    private let notifier: SystemdNotifier
    private let intervalNanoseconds: Int64
    private let progress: @Sendable () -> Int
    private let logger: Logger
    private let wake = WakeSignal()
    private let stopping = Atomic<Bool>(false)
    private let draining = Atomic<Bool>(false)
    private let pingCount = Atomic<Int>(0)
    private let checkCount = Atomic<Int>(0)
    private var thread: OwnerThread?

    /// A watchdog pinging every `timeoutNanoseconds / 2` while `progress` keeps changing; nil
    /// when systemd set no watchdog for this process.
    init?(notifier: SystemdNotifier, logger: Logger, progress: @escaping @Sendable () -> Int) {
        guard notifier.isActive, let timeout = notifier.watchdogNanoseconds else { return nil }
        self.notifier = notifier
        // Half the timeout, as sd_watchdog_enabled(3) advises: one late ping is not yet fatal.
        intervalNanoseconds = max(timeout / 2, 1_000_000)
        self.progress = progress
        self.logger = logger
    }

    /// Pings sent so far.
    var pings: Int { pingCount.load(ordering: .relaxed) }
    /// Looks at the progress counter so far (each one either pings or withholds the ping).
    var checks: Int { checkCount.load(ordering: .acquiring) }

    /// Starts the ping thread.
    func start() throws(FileError) {
        stopping.store(false, ordering: .releasing)
        thread = try OwnerThread(name: "systemd watchdog") { [self] in run() }
    }

    /// From now on pings do not wait for progress: the agent is draining, its pipeline stops.
    func beginDraining() {
        draining.store(true, ordering: .releasing)
    }

    /// Stops the ping thread and waits for it.
    func stop() {
        stopping.store(true, ordering: .releasing)
        wake.signal()
        thread?.join()
        thread = nil
    }

    private func run() {
        var last = progress()
        var stalled = false
        while true {
            wake.wait(timeoutNanoseconds: intervalNanoseconds)
            if stopping.load(ordering: .acquiring) { return }
            let now = progress()
            defer { checkCount.add(1, ordering: .releasing) }
            guard now != last || draining.load(ordering: .acquiring) else {
                if !stalled {
                    // Logged once per stall: the pings stop, so systemd will restart the agent.
                    logger.error("the pipeline made no progress for a watchdog interval; withholding the watchdog ping")
                    stalled = true
                }
                continue
            }
            last = now
            stalled = false
            do {
                try notifier.notify("WATCHDOG=1")
                pingCount.add(1, ordering: .relaxed)
            } catch {
                logger.warning("watchdog ping failed", metadata: ["error": "\(error)"])
            }
        }
    }
}

extension SystemdNotifier {
    /// Sends `state`, logging a failed send instead of failing the caller: the agent runs the
    /// same whether or not systemd hears about it.
    func send(_ state: String, logger: Logger) {
        do {
            try notify(state)
        } catch {
            logger.warning("systemd notification failed", metadata: ["state": "\(state)", "error": "\(error)"])
        }
    }
}
