import EdgeConfig
import EdgeModbus
import EdgePipeline
import EdgeUplink
import Logging
import ServiceLifecycle
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
        var started: [Stage] = []
        do {
            for stage in stages {
                try stage.start()
                started.append(stage)
                logger.debug("started \(stage.name)")
            }
        } catch {
            logger.error("start-up failed; stopping what started", metadata: ["error": "\(error)"])
            stopAll(started)
            throw error
        }
        try? await gracefulShutdown()
        stopAll(started)
    }

    private func stopAll(_ started: [Stage]) {
        for stage in started.reversed() {
            stage.stop()
            logger.debug("stopped \(stage.name)")
        }
    }
}

/// Keeps SIGHUP from killing the agent (its default action) and says that reload is not
/// available yet: the running config stays in force. The systemd unit has no ExecReload for
/// the same reason.
struct ReloadSignalService: Service {
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            logger.warning("SIGHUP received: reload is not available yet; the running config stays in force")
        }
    }
}

/// Drives Modbus outputs through the owner of their device's bus; completes with the bus's
/// answer to the write.
struct ModbusOutputDriver: OutputDriver {
    private let ownerByDevice: [String: ModbusBusOwner]

    init(owners: [ModbusBusOwner]) {
        var map: [String: ModbusBusOwner] = [:]
        for owner in owners {
            for device in owner.devices { map[device.id] = owner }
        }
        ownerByDevice = map
    }

    func drive(
        _ output: OutputConfig, value: Double, completion: @escaping @Sendable (Result<Void, OutputDriveError>) -> Void
    ) {
        guard case .modbus(let device, let point) = output.target, let owner = ownerByDevice[device] else {
            completion(.failure(OutputDriveError("no Modbus bus serves the device of output '\(output.id)'")))
            return
        }
        owner.enqueueWrite(device: device, point: point, value: .float(value)) { result in
            switch result {
            case .success: completion(.success(()))
            case .failure(let error): completion(.failure(OutputDriveError("\(error)")))
            }
        }
    }
}

/// The configured uplink transport, started and stopped as one stage.
enum UplinkRunner: Sendable {
    case http(HTTPUplink)
    case mqtt(MQTTUplink)

    func start() throws {
        switch self {
        case .http(let uplink): try uplink.start()
        case .mqtt(let uplink): try uplink.start()
        }
    }

    /// Delivers what it can for 5 s, then stops; the rest stays in the spool.
    func stop() {
        switch self {
        case .http(let uplink): uplink.stop(flushNanoseconds: 5_000_000_000)
        case .mqtt(let uplink): uplink.stop(flushNanoseconds: 5_000_000_000)
        }
    }

    /// The counters for the stop line.
    var summary: Logger.Metadata {
        switch self {
        case .http(let uplink):
            let s = uplink.stats
            return [
                "transport": "http", "acknowledged_batches": "\(s.acknowledgedBatches)",
                "acknowledged_records": "\(s.acknowledgedRecords)", "retries": "\(s.retries)",
                "dead_letters": "\(s.deadLetters)", "budget_waits": "\(s.budgetWaits)",
            ]
        case .mqtt(let uplink):
            let s = uplink.stats
            return [
                "transport": "mqtt", "acknowledged_batches": "\(s.acknowledgedBatches)",
                "acknowledged_records": "\(s.acknowledgedRecords)", "reconnects": "\(s.reconnects)",
                "budget_waits": "\(s.budgetWaits)",
            ]
        }
    }
}
