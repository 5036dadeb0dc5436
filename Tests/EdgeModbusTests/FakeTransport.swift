import EdgeCore
import EdgeModbus
import Synchronization

/// An in-memory Modbus link: a register map per unit, a log of every call, and a hook that makes
/// chosen requests fail. Timeouts move the manual clock by the response timeout, as a real wait
/// would. Thread-safe, so owner tests can inspect it while the owner thread uses it.
final class FakeTransport: ModbusTransport, Sendable {
    struct Key: Hashable {
        var unit: UInt8
        var space: ModbusSpace
        var address: Int
    }

    /// One request as the fake saw it.
    struct Call: Sendable, Equatable {
        var kind: String
        var space: ModbusSpace
        var unit: UInt8
        var address: Int
        var count: Int
    }

    struct State {
        var values: [Key: UInt16] = [:]
        var connected = false
        var log: [String] = []
        var calls: [Call] = []
        var responseTimeout: Duration = .seconds(1)
        var respond: @Sendable (Call) -> ModbusError? = { _ in nil }
        var refuseConnect: ModbusError?
        var ignoreWrites = false
    }

    let state = Mutex(State())
    let clock: ManualClock?

    init(clock: ManualClock? = nil) {
        self.clock = clock
    }

    // MARK: Test helpers

    func set(unit: UInt8, _ space: ModbusSpace, _ address: Int, _ words: [UInt16]) {
        state.withLock {
            for (i, word) in words.enumerated() {
                $0.values[Key(unit: unit, space: space, address: address + i)] = word
            }
        }
    }

    func value(unit: UInt8, _ space: ModbusSpace, _ address: Int) -> UInt16 {
        state.withLock { $0.values[Key(unit: unit, space: space, address: address)] ?? 0 }
    }

    func respond(_ hook: @escaping @Sendable (Call) -> ModbusError?) {
        state.withLock { $0.respond = hook }
    }

    var log: [String] { state.withLock { $0.log } }
    var calls: [Call] { state.withLock { $0.calls } }

    static func timeout(_ call: Call) -> ModbusError {
        ModbusError(.timeout, operation: "\(call.kind) \(call.space) \(call.address)", message: "no answer")
    }

    static func exception(_ call: Call, _ exception: ModbusException) -> ModbusError {
        ModbusError(.exception, operation: "\(call.kind) \(call.space) \(call.address)",
                    message: "Modbus \(exception)", exception: exception)
    }

    static func reset(_ call: Call) -> ModbusError {
        ModbusError(.connection, operation: "\(call.kind) \(call.space) \(call.address)", message: "reset by peer")
    }

    // MARK: ModbusTransport

    var isConnected: Bool { state.withLock { $0.connected } }

    func connect() throws(ModbusError) {
        let refused: ModbusError? = state.withLock {
            $0.log.append("connect")
            if let error = $0.refuseConnect { return error }
            $0.connected = true
            return nil
        }
        if let refused { throw refused }
    }

    func close() {
        state.withLock {
            $0.log.append("close")
            $0.connected = false
        }
    }

    func flush() { state.withLock { $0.log.append("flush") } }

    func setResponseTimeout(_ timeout: Duration) { state.withLock { $0.responseTimeout = timeout } }

    private func perform(_ call: Call) throws(ModbusError) {
        let (failure, timeout): (ModbusError?, Duration) = state.withLock {
            $0.calls.append(call)
            $0.log.append("\(call.kind) \(call.space) \(call.address) \(call.count) unit \(call.unit)")
            return ($0.respond(call), $0.responseTimeout)
        }
        if let failure {
            if failure.code == .timeout, let clock {
                let (s, atto) = timeout.components
                clock.advance(nanoseconds: s * 1_000_000_000 + atto / 1_000_000_000)
            }
            throw failure
        }
    }

    func readRegisters(
        _ space: ModbusSpace, unit: ModbusUnitID, address: ModbusAddress, count: Int, into buffer: inout [UInt16]
    ) throws(ModbusError) {
        try perform(Call(kind: "read", space: space, unit: unit.rawValue, address: Int(address.rawValue), count: count))
        state.withLock {
            for i in 0..<count {
                buffer[i] = $0.values[Key(unit: unit.rawValue, space: space, address: Int(address.rawValue) + i)] ?? 0
            }
        }
    }

    func readBits(
        _ space: ModbusSpace, unit: ModbusUnitID, address: ModbusAddress, count: Int, into buffer: inout [UInt8]
    ) throws(ModbusError) {
        try perform(Call(kind: "read", space: space, unit: unit.rawValue, address: Int(address.rawValue), count: count))
        state.withLock {
            for i in 0..<count {
                let word = $0.values[Key(unit: unit.rawValue, space: space, address: Int(address.rawValue) + i)] ?? 0
                buffer[i] = word != 0 ? 1 : 0
            }
        }
    }

    private func store(_ kind: String, _ space: ModbusSpace, _ unit: ModbusUnitID, _ address: ModbusAddress,
                       _ words: [UInt16]) throws(ModbusError)
    {
        try perform(Call(kind: kind, space: space, unit: unit.rawValue, address: Int(address.rawValue),
                         count: words.count))
        state.withLock {
            guard !$0.ignoreWrites else { return }
            for (i, word) in words.enumerated() {
                $0.values[Key(unit: unit.rawValue, space: space, address: Int(address.rawValue) + i)] = word
            }
        }
    }

    func writeCoil(unit: ModbusUnitID, address: ModbusAddress, value: Bool) throws(ModbusError) {
        try store("fc5", .coil, unit, address, [value ? 1 : 0])
    }

    func writeCoils(unit: ModbusUnitID, address: ModbusAddress, values: [Bool]) throws(ModbusError) {
        try store("fc15", .coil, unit, address, values.map { $0 ? 1 : 0 })
    }

    func writeRegister(unit: ModbusUnitID, address: ModbusAddress, value: UInt16) throws(ModbusError) {
        try store("fc6", .holding, unit, address, [value])
    }

    func writeRegisters(unit: ModbusUnitID, address: ModbusAddress, values: [UInt16]) throws(ModbusError) {
        try store("fc16", .holding, unit, address, values)
    }
}

/// A seeded generator (SplitMix64), so backoff jitter is reproducible in tests.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
