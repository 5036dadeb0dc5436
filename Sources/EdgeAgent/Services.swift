import EdgeConfig
import EdgeCore
import EdgeUplink
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// One step of the agent's start-up, with its undo for shutdown.
struct Stage: Sendable {
    let name: String
    let start: @Sendable () throws -> Void
    let stop: @Sendable () -> Void
}

/// The agent's subsystems as one service: the stages start strictly one after the other (a
/// service group starts its services concurrently, which would let acquisition run before
/// outputs are safe), and on SIGTERM/SIGINT, or when a start fails, the stages that started
/// stop in reverse order. Owner threads do the work; this task only sequences them.
struct StagedService: Service {
    let stages: [Stage]
    let logger: Logger

    func run() async throws {
        let started = try Stage.startAll(stages, logger: logger)
        try? await gracefulShutdown()
        Stage.stopAll(started, logger: logger)
    }
}

extension Stage {
    /// Starts `stages` in order; when one fails, stops those that started (in reverse) and
    /// rethrows. Returns the started stages.
    static func startAll(_ stages: [Stage], logger: Logger) throws -> [Stage] {
        var started: [Stage] = []
        do {
            for stage in stages {
                try stage.start()
                started.append(stage)
                logger.debug("started \(stage.name)")
            }
        } catch {
            logger.error("start-up failed; stopping what started", metadata: ["error": "\(error)"])
            stopAll(started, logger: logger)
            throw error
        }
        return started
    }

    /// Stops `started` in reverse order.
    static func stopAll(_ started: [Stage], logger: Logger) {
        for stage in started.reversed() {
            stage.stop()
            logger.debug("stopped \(stage.name)")
        }
    }
}

/// Turns SIGHUP (systemd's `ExecReload`) into a reload instead of its default action, which
/// would kill the agent. The reload runs on a thread of its own: it joins owner threads.
struct ReloadSignalService: Service {
    let logger: Logger
    let reload: @Sendable () -> Void

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            logger.notice("SIGHUP received: reloading the config")
            let reload = reload
            let done = Done()
            do {
                let thread = try OwnerThread(name: "reload") {
                    reload()
                    done.flag.store(true, ordering: .releasing)
                }
                // A reload takes a second or so; checking every 20 ms keeps this task off the
                // owner threads it waits for. Cancelled (shutting down), it just joins.
                while !done.flag.load(ordering: .acquiring) && !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(20))
                }
                thread.join()
            } catch {
                logger.error("no thread for the reload; reloading here", metadata: ["error": "\(error)"])
                reload()
            }
        }
    }

    private final class Done: Sendable {
        let flag = Atomic<Bool>(false)
    }
}
