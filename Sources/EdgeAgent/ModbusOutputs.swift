import EdgeConfig
import EdgeModbus
import EdgePipeline
import Synchronization

/// Drives Modbus outputs through the owner of their device's bus; completes with the bus's
/// answer to the write. With `readback` (the default) each write is verified by reading the
/// register or coil back in the same turn of the bus, and every poll of the device reads the
/// output's point (`ModbusOutputObserver`), so the driver declares `.polled` read-back.
struct ModbusOutputDriver: OutputDriver {
    private let ownerByDevice: [String: ModbusBusOwner]
    private let pointByOutput: [String: ModbusPoint]

    init(owners: [ModbusBusOwner], outputs: [OutputConfig]) {
        var map: [String: ModbusBusOwner] = [:]
        var points: [String: ModbusPoint] = [:]
        for owner in owners {
            for device in owner.devices { map[device.id] = owner }
        }
        for output in outputs {
            guard case .modbus(let device, let point) = output.target,
                let found = map[device]?.devices.first(where: { $0.id == device })?.points.first(where: {
                    $0.name == point
                })
            else { continue }
            points[output.id] = found
        }
        ownerByDevice = map
        pointByOutput = points
    }

    func drive(
        _ output: OutputConfig, value: Double, completion: @escaping @Sendable (Result<Void, OutputDriveError>) -> Void
    ) {
        guard case .modbus(let device, let point) = output.target, let owner = ownerByDevice[device] else {
            completion(.failure(OutputDriveError("no Modbus bus serves the device of output '\(output.id)'")))
            return
        }
        owner.enqueueWrite(device: device, point: point, value: .float(value), verify: output.readBack) { result in
            switch result {
            case .success: completion(.success(()))
            case .failure(let error): completion(.failure(OutputDriveError("\(error)")))
            }
        }
    }

    func readBackMode(for output: OutputConfig) -> OutputReadBack {
        pointByOutput[output.id] == nil ? .none : .polled
    }

    /// Half a step of the register's raw resolution for integer types (scale and offset make a
    /// commanded 21.37 read back as 21.4), a relative hair for floating-point ones, 0.5 for bits.
    func readBackTolerance(for output: OutputConfig) -> Double {
        guard let point = pointByOutput[output.id] else { return 0 }
        if point.space.isBits { return 0.5 }
        switch point.type {
        case .bool, .bit: return 0.5
        case .float32, .float64:
            let hair = max(abs(output.minimum), abs(output.maximum), 1) * (point.type == .float32 ? 1e-6 : 1e-12)
            // A float with a scale is read back rounded to the scale's decimals, so a commanded 21.37
            // with scale 0.1 reads 21.4: within half a step is agreement.
            return max(hair, (point.rounding.step ?? 0) * 0.5)
        default: return abs(point.scale) * 0.5
        }
    }
}

/// Reports what each poll of a device read from its outputs' points to the output controller:
/// a good reading means the device answers (an unconfirmed output is then re-driven) and is the
/// output's read-back. Built before the controller (the bus owners' sinks need it), which
/// attaches itself once it exists. Runs on the bus owner threads.
final class ModbusOutputObserver: Sendable {
    /// Per device id: (point index, output id) of each output on it.
    private let watched: [String: [(point: Int, output: String)]]
    private let controller = Mutex<OutputController?>(nil)

    init(config: AgentConfig) {
        var watched: [String: [(point: Int, output: String)]] = [:]
        for output in config.outputs {
            guard case .modbus(let device, let point) = output.target else { continue }
            for source in config.sources {
                guard case .modbus(_, let dev) = source.kind, dev.id == device,
                    let index = dev.points.firstIndex(where: { $0.name == point })
                else { continue }
                watched[device, default: []].append((index, output.id))
            }
        }
        self.watched = watched
    }

    /// Sends readings to `controller` from now on.
    func attach(_ controller: OutputController) {
        self.controller.withLock { $0 = controller }
    }

    /// Hands the output points of one poll cycle to the controller; devices without outputs cost
    /// one dictionary look-up.
    func observe(_ cycle: ModbusCycle) {
        guard let outputs = watched[cycle.deviceID], let controller = controller.withLock({ $0 }) else { return }
        for (point, id) in outputs where point < cycle.samples.count && cycle.samples[point].quality == .good {
            controller.observe(id: id, reading: cycle.samples[point].value)
        }
    }
}
