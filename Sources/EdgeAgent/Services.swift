import EdgeConfig
import EdgeModbus
import EdgePipeline
import Logging
import ServiceLifecycle
import UnixSignals

/// A subsystem run by the service group: started in order, stopped in reverse on SIGTERM/SIGINT.
/// Owner threads do the work; this task only waits for the shutdown request.
struct ThreadService: Service {
    let name: String
    let start: @Sendable () throws -> Void
    let stop: @Sendable () -> Void
    let logger: Logger

    func run() async throws {
        try start()
        logger.debug("started \(name)")
        try? await gracefulShutdown()
        stop()
        logger.debug("stopped \(name)")
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
