import EdgeCore
import EdgeModbus
import EdgeTestSupport
import Synchronization
import Testing

/// The real peers the Modbus integration tests talk to. Looking them up fails the test with an
/// install hint when one is missing: these tests never skip.
struct ModbusPeerTools: Sendable {
    var python: String
    var socat: String
    var mbpoll: String

    static let pymodbusVersion = "3.16.1"

    static func require(in directory: TemporaryDirectory) async throws -> ModbusPeerTools {
        let hint = "make test-deps (apt-get install socat mbpoll python3-pip; pip install pymodbus==\(pymodbusVersion))"
        let tools = ModbusPeerTools(
            python: try requireExecutable("python3", install: hint),
            socat: try requireExecutable("socat", install: hint),
            mbpoll: try requireExecutable("mbpoll", install: hint))
        let check = try await runToCompletion(
            tools.python,
            ["-c", "import pymodbus, sys; print(pymodbus.__version__); "
                + "sys.exit(0 if pymodbus.__version__ == '\(pymodbusVersion)' else 3)"],
            in: directory)
        guard check.status == 0 else {
            throw EdgeTestSupport.PeerError(
                "python3 cannot import pymodbus \(pymodbusVersion) (got: \(check.output)); install: \(hint)")
        }
        return tools
    }
}

/// One request the pymodbus peer logged: unit, function code, address, count, and for a write
/// the first value it carried.
struct ServerRequest: Equatable, CustomStringConvertible {
    var unit: Int
    var function: Int
    var address: Int
    var count: Int
    var written: Int? = nil

    var description: String { "unit \(unit) FC\(function) \(address)+\(count)" + (written.map { " = \($0)" } ?? "") }
}

/// A pymodbus 3.16.1 server running `peers/modbus_peer.py` with a register layout, over TCP on
/// 127.0.0.1 or RTU on a pty; it logs every request it receives.
final class ModbusServerPeer {
    enum Link {
        case tcp(port: UInt16)
        case rtu(device: String)
    }

    let tools: ModbusPeerTools
    let directory: TemporaryDirectory
    let link: Link
    let layoutPath: String
    let requestLog: String
    /// The file the peer follows for `control(_:)` commands.
    let controlFile: String
    private var controlsSent = 0
    private(set) var process: PeerProcess?

    static let script: String = {
        let file = #filePath
        let folder = file[..<(file.lastIndex(of: "/") ?? file.endIndex)]
        return folder + "/peers/modbus_peer.py"
    }()

    init(tools: ModbusPeerTools, directory: TemporaryDirectory, layout: String, link: Link) throws {
        self.tools = tools
        self.directory = directory
        self.link = link
        layoutPath = try directory.write("layout.json", layout)
        requestLog = directory.file("requests.log")
        controlFile = directory.file("control")
    }

    /// Sends a command to the peer (`set UNIT ADDRESS VALUE`, `drop_writes N`, `silent on|off`;
    /// see peers/modbus_peer.py) and waits until it has been applied.
    func control(_ command: String) async throws {
        guard let process else { throw PeerError("the Modbus peer is not running") }
        controlsSent += 1
        try directory.append("control", command + "\n")
        try await process.waitForOutput(containing: "control \(controlsSent): \(command)")
    }

    /// Holding register `address` of unit 1, read by mbpoll, which shares no code with edgeflow.
    func readHoldingRegister(_ address: Int) async throws -> Int? {
        guard case .tcp(let port) = link else { throw PeerError("mbpoll reads only the TCP peer here") }
        return try await mbpollHoldingRegister(tools, port: port, address: address)
    }

    /// Starts (or restarts) the server and waits until it serves. A restart starts from the
    /// layout again, as a device does after a power cycle, and follows only new control commands.
    func start() async throws {
        let log = directory.uniquePath("server.log")
        controlsSent = 0
        try directory.write("control", "")
        let environment = ["PYTHONUNBUFFERED": "1", "MODBUS_PEER_CONTROL": controlFile]
        switch link {
        case .tcp(let port):
            let process = try PeerProcess.start(
                tools.python, [Self.script, layoutPath, requestLog, "tcp", String(port)], log: log,
                environment: environment)
            self.process = process
            try await process.waitForTCPPort(port)
        case .rtu(let device):
            let process = try PeerProcess.start(
                tools.python, [Self.script, layoutPath, requestLog, "rtu", device, "19200"], log: log,
                environment: environment)
            self.process = process
            try await process.waitForOutput(containing: "Server listening.")
        }
    }

    func stop() {
        process?.terminate()
    }

    /// The requests logged so far.
    func requests() -> [ServerRequest] {
        readTextFile(requestLog).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ").compactMap { Int($0) }
            guard fields.count == 4 || fields.count == 5 else { return nil }
            return ServerRequest(
                unit: fields[0], function: fields[1], address: fields[2], count: fields[3],
                written: fields.dropFirst(4).first)
        }
    }

    deinit { stop() }
}

/// Two linked pseudo-terminals from socat: the server opens one end, edgeflow the other.
final class PtyPair {
    let serverEnd: String
    let clientEnd: String
    let process: PeerProcess

    init(tools: ModbusPeerTools, directory: TemporaryDirectory) async throws {
        serverEnd = directory.file("ttyServer")
        clientEnd = directory.file("ttyClient")
        process = try PeerProcess.start(
            tools.socat,
            ["-d", "-d", "pty,raw,echo=0,link=\(serverEnd)", "pty,raw,echo=0,link=\(clientEnd)"],
            log: directory.uniquePath("socat.log"))
        try await process.waitForFile(serverEnd)
        try await process.waitForFile(clientEnd)
    }

    deinit { process.terminate() }
}

/// Register contents every Modbus integration test serves (encoded by the Python script with
/// `struct`, independently of edgeflow's codec), and the points that read them.
enum KnownDevice {
    static let layout = """
        {"silent_units": [9],
         "units": {
          "1": {
           "holding": [
            {"address": 0, "type": "raw", "value": [100, 101, 102, 103, 104, 105, 106, 107, 108, 109]},
            {"address": 20, "type": "float32", "order": "ABCD", "value": -1234.5625},
            {"address": 22, "type": "float32", "order": "BADC", "value": -1234.5625},
            {"address": 24, "type": "float32", "order": "CDAB", "value": -1234.5625},
            {"address": 26, "type": "float32", "order": "DCBA", "value": -1234.5625},
            {"address": 30, "type": "int32", "order": "ABCD", "value": -123456789},
            {"address": 32, "type": "int32", "order": "BADC", "value": -123456789},
            {"address": 34, "type": "int32", "order": "CDAB", "value": -123456789},
            {"address": 36, "type": "int32", "order": "DCBA", "value": -123456789},
            {"address": 40, "type": "float64", "order": "ABCD", "value": 123456.789012},
            {"address": 44, "type": "float64", "order": "BADC", "value": 123456.789012},
            {"address": 48, "type": "float64", "order": "CDAB", "value": 123456.789012},
            {"address": 52, "type": "float64", "order": "DCBA", "value": 123456.789012},
            {"address": 56, "type": "uint32", "order": "CDAB", "value": 3000000000},
            {"address": 58, "type": "int64", "order": "ABCD", "value": -9000000000123},
            {"address": 62, "type": "uint64", "order": "DCBA", "value": 18000000000000000123},
            {"address": 66, "type": "int16", "value": -1234},
            {"address": 67, "type": "uint16", "order": "BA", "value": 4660},
            {"address": 70, "type": "string", "value": "EDGE-FLOW1"},
            {"address": 80, "type": "raw", "value": [40965]},
            {"address": 200, "type": "raw", "value": [2000]},
            {"address": 230, "type": "raw", "value": [2300]}
           ],
           "input": [
            {"address": 0, "type": "raw", "value": [1000, 1001, 1002]},
            {"address": 10, "type": "float32", "order": "CDAB", "value": 21.5}
           ],
           "coil": [[0, true], [2, true], [3, true], [6, true]],
           "discrete": [[1, true], [3, true], [5, true]]
          },
          "2": {"holding": [{"address": 0, "type": "raw", "value": [200, 201]}]}
         }}
        """

    /// Point name, definition and the exact value edgeflow must decode.
    static let points: [(ModbusPoint, Double)] = [
        (pt("hr0", .holding, 0, .uint16), 100),
        (pt("hr9", .holding, 9, .uint16), 109),
        (pt("f32_abcd", .holding, 20, .float32, .abcd), -1234.5625),
        (pt("f32_badc", .holding, 22, .float32, .badc), -1234.5625),
        (pt("f32_cdab", .holding, 24, .float32, .cdab), -1234.5625),
        (pt("f32_dcba", .holding, 26, .float32, .dcba), -1234.5625),
        (pt("i32_abcd", .holding, 30, .int32, .abcd), -123_456_789),
        (pt("i32_badc", .holding, 32, .int32, .badc), -123_456_789),
        (pt("i32_cdab", .holding, 34, .int32, .cdab), -123_456_789),
        (pt("i32_dcba", .holding, 36, .int32, .dcba), -123_456_789),
        (pt("f64_abcd", .holding, 40, .float64, .abcd), 123456.789012),
        (pt("f64_badc", .holding, 44, .float64, .badc), 123456.789012),
        (pt("f64_cdab", .holding, 48, .float64, .cdab), 123456.789012),
        (pt("f64_dcba", .holding, 52, .float64, .dcba), 123456.789012),
        (pt("u32_cdab", .holding, 56, .uint32, .cdab), 3_000_000_000),
        (pt("i64_abcd", .holding, 58, .int64, .abcd), -9_000_000_000_123),
        (pt("u64_dcba", .holding, 62, .uint64, .dcba), Double(UInt64(18_000_000_000_000_000_123))),
        (pt("i16", .holding, 66, .int16), -1234),
        (pt("u16_ba", .holding, 67, .uint16, .ba), 4660),
        (pt("scaled", .holding, 5, .uint16, scale: 0.5, offset: -10), 42.5),
        (pt("bit0", .holding, 80, .bit(0)), 1),
        (pt("bit1", .holding, 80, .bit(1)), 0),
        (pt("bit15", .holding, 80, .bit(15)), 1),
        (pt("far_a", .holding, 200, .uint16), 2000),
        (pt("far_b", .holding, 230, .uint16), 2300),
        (pt("ir0", .input, 0, .uint16), 1000),
        (pt("ir2", .input, 2, .uint16), 1002),
        (pt("ir_f32", .input, 10, .float32, .cdab), 21.5),
        (pt("coil0", .coil, 0, .bool), 1),
        (pt("coil1", .coil, 1, .bool), 0),
        (pt("coil6", .coil, 6, .bool), 1),
        (pt("di3", .discrete, 3, .bool), 1),
        (pt("di4", .discrete, 4, .bool), 0),
    ]

    static let serialName = (pt("serial", .holding, 70, .string(length: 10)), "EDGE-FLOW1")

    /// The requests one poll of `points` + `serialName` must take (maximum gap 16): coil 0...6,
    /// discrete 3...4, holding 0...80, holding 200, holding 230, input 0...11.
    static let expectedRequests = [
        ServerRequest(unit: 1, function: 1, address: 0, count: 7),
        ServerRequest(unit: 1, function: 2, address: 3, count: 2),
        ServerRequest(unit: 1, function: 3, address: 0, count: 81),
        ServerRequest(unit: 1, function: 3, address: 200, count: 1),
        ServerRequest(unit: 1, function: 3, address: 230, count: 1),
        ServerRequest(unit: 1, function: 4, address: 0, count: 12),
    ]
}

/// A point with positional arguments, to keep the tables above readable.
func pt(
    _ name: String, _ space: ModbusSpace, _ address: UInt16, _ type: ModbusDataType, _ order: ModbusByteOrder? = nil,
    scale: Double = 1, offset: Double = 0
) -> ModbusPoint {
    ModbusPoint(name: name, space: space, address: ModbusAddress(address), type: type, order: order, scale: scale,
                offset: offset)
}

/// Collects the cycles an owner delivers, from its thread.
final class CycleCollector: Sendable {
    private let state = Mutex<[ModbusCycle]>([])

    var sink: @Sendable (ModbusCycle) -> Void { { [self] cycle in state.withLock { $0.append(cycle) } } }

    func cycles(of device: String) -> [ModbusCycle] { state.withLock { $0.filter { $0.deviceID == device } } }

    func count(of device: String) -> Int { cycles(of: device).count }
}

/// The device serving `KnownDevice.layout` as unit 1, with every known point.
func knownMeter(pollInterval: Duration = .seconds(60)) -> ModbusDeviceConfig {
    ModbusDeviceConfig(
        id: "meter", source: 4, unit: ModbusUnitID(1), responseTimeout: .seconds(2), pollInterval: pollInterval,
        points: KnownDevice.points.map(\.0) + [KnownDevice.serialName.0])
}

/// Checks that a cycle of `knownMeter()` decoded every point exactly, stamped between `from` and `to`.
func expectKnownValues(_ cycle: ModbusCycle, from: Int64, to: Int64) {
    for (index, (point, expected)) in KnownDevice.points.enumerated() {
        let sample = cycle.samples[index]
        #expect(sample.quality == .good, "\(point.name): \(sample.quality.name)")
        #expect(sample.value == expected, "\(point.name) decoded \(sample.value), expected \(expected)")
        #expect(sample.source == 4 && Int(sample.point) == index)
        #expect(sample.timestamp >= from && sample.timestamp <= to, "\(point.name) timestamp")
    }
    #expect(cycle.texts.last == .some(KnownDevice.serialName.1))
    #expect(cycle.state == .ok)
}

/// Reads one holding register of unit 1 on 127.0.0.1:`port` with mbpoll (an independent master).
func mbpollHoldingRegister(_ tools: ModbusPeerTools, port: UInt16, address: Int) async throws -> Int? {
    let dir = try TemporaryDirectory(prefix: "edgeflow-mbpoll")
    let result = try await runToCompletion(
        tools.mbpoll,
        [
            "-m", "tcp", "-p", String(port), "-a", "1", "-0", "-r", String(address), "-c", "1", "-t", "4", "-1",
            "127.0.0.1",
        ],
        in: dir)
    return mbpollValues(result.output)[address].flatMap { Int($0) }
}

/// mbpoll's `[address]: value` lines as a dictionary.
func mbpollValues(_ output: String) -> [Int: String] {
    var values: [Int: String] = [:]
    for line in output.split(separator: "\n") where line.hasPrefix("[") {
        guard let close = line.firstIndex(of: "]"), let address = Int(line[line.index(after: line.startIndex)..<close])
        else { continue }
        let rest = line[line.index(after: close)...].drop { $0 == ":" || $0 == " " || $0 == "\t" }
        values[address] = String(String(rest).reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
    return values
}
