import EdgeCore
import EdgeModbus

/// What P8 polls: holding registers 0...9 of unit 1, as laid out by `mb_bench_server.c`, read
/// as seven points of mixed types and orders so the poller figure includes real decoding.
enum PollFixture {
    static let unit = ModbusUnitID(1)
    static let registerCount = 10
    static let responseTimeout: Duration = .seconds(1)

    static let points: [ModbusPoint] = [
        ModbusPoint(name: "voltage", space: .holding, address: 0, type: .float32),
        ModbusPoint(name: "frequency", space: .holding, address: 2, type: .float32, order: .cdab),
        ModbusPoint(name: "energy", space: .holding, address: 4, type: .uint32),
        ModbusPoint(name: "offset", space: .holding, address: 6, type: .int16),
        ModbusPoint(name: "power", space: .holding, address: 7, type: .uint16, scale: 0.1),
        ModbusPoint(name: "alarm", space: .holding, address: 8, type: .bit(3)),
        ModbusPoint(name: "status", space: .holding, address: 9, type: .uint16, order: .ba),
    ]

    /// The engineering values of `points` for the server's registers.
    static let expected: [Double] = [230.5, 49.875, 123_456_789, -1234, 432.1, 1, 4660]

    static func settings(port: UInt16) -> ModbusTCPSettings {
        ModbusTCPSettings(host: "127.0.0.1", port: port, connectTimeout: .seconds(2))
    }

    /// A connected client.
    static func client(port: UInt16) throws(ModbusError) -> ModbusClient {
        let client = try ModbusClient(tcp: settings(port: port))
        client.setResponseTimeout(responseTimeout)
        try client.connect()
        return client
    }

    /// A poller over its own connected client, with one device holding `points`.
    static func poller(port: UInt16) throws(ModbusError) -> ModbusPoller<ModbusClient> {
        let bus = ModbusBusConfig(id: "bench", transport: .tcp(settings(port: port)))
        let device = ModbusDeviceConfig(
            id: "meter", unit: unit, responseTimeout: responseTimeout, pollInterval: .milliseconds(100),
            points: points)
        return ModbusPoller(bus: bus, devices: [device], transport: try client(port: port))
    }

    /// Nil when one poll through `poller` decodes every point to its expected value, else what differed.
    static func checkDecoding(_ poller: ModbusPoller<ModbusClient>) -> String? {
        var problem: String? = "no cycle"
        poller.poll(device: 0) { cycle in
            if let error = cycle.error {
                problem = "poll failed: \(error)"
                return
            }
            var wrong: [String] = []
            for (index, sample) in cycle.samples.enumerated() where index < expected.count {
                let want = expected[index]
                if sample.quality != .good || abs(sample.value - want) > 1e-9 * max(1, abs(want)) {
                    wrong.append("\(points[index].name)=\(sample.value) (want \(want))")
                }
            }
            problem = wrong.isEmpty ? nil : "decoded " + wrong.joined(separator: ", ")
        }
        return problem
    }
}

/// The measured edgeflow loop: `count` reads of the 10 registers through `ModbusClient`.
/// Returns a checksum of what was read, so the optimizer cannot drop the work.
@inline(never)
func clientPolls(_ client: ModbusClient, _ buffer: inout [UInt16], count: Int) throws(ModbusError) -> Int {
    var checksum = 0
    for index in 0..<count {
        try client.readRegisters(
            .holding, unit: PollFixture.unit, address: 0, count: PollFixture.registerCount, into: &buffer)
        checksum &+= Int(buffer[index % PollFixture.registerCount])
    }
    return checksum
}

/// The same reads as whole poll cycles of `ModbusPoller`: request, decode of the seven points,
/// deadband check and the cycle handed to a sink. Stops at the first failed cycle.
@inline(never)
func pollerPolls(_ poller: ModbusPoller<ModbusClient>, count: Int) -> (checksum: Double, failure: String?) {
    var checksum = 0.0
    var failure: String?
    for _ in 0..<count {
        poller.poll(device: 0) { cycle in
            if let error = cycle.error { failure = error.description }
            checksum += cycle.samples[0].value
        }
        if failure != nil { break }
    }
    return (checksum, failure)
}
