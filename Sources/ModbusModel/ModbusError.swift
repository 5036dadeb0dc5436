public import EdgeCore

/// An exception code a device answered with instead of data.
public struct ModbusException: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The code from the exception response.
    public var rawValue: UInt8
    /// Creates an exception from its code.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// 01: the device does not support the function code.
    public static let illegalFunction = ModbusException(rawValue: 1)
    /// 02: the address range is not in the device.
    public static let illegalDataAddress = ModbusException(rawValue: 2)
    /// 03: a value in the request is not acceptable.
    public static let illegalDataValue = ModbusException(rawValue: 3)
    /// 04: the device failed while handling the request.
    public static let serverDeviceFailure = ModbusException(rawValue: 4)
    /// 05: accepted, but it will take long.
    public static let acknowledge = ModbusException(rawValue: 5)
    /// 06: busy with a long command; retry later.
    public static let serverDeviceBusy = ModbusException(rawValue: 6)
    /// 08: memory parity error in the device.
    public static let memoryParityError = ModbusException(rawValue: 8)
    /// 0A: a gateway has no path to the target.
    public static let gatewayPathUnavailable = ModbusException(rawValue: 0x0A)
    /// 0B: a gateway's target did not answer: for us the same as a timeout.
    public static let gatewayTargetFailedToRespond = ModbusException(rawValue: 0x0B)

    /// The name from the Modbus specification, lower-case, e.g. `illegal data address`.
    public var name: String {
        switch rawValue {
        case 1: "illegal function"
        case 2: "illegal data address"
        case 3: "illegal data value"
        case 4: "server device failure"
        case 5: "acknowledge"
        case 6: "server device busy"
        case 8: "memory parity error"
        case 0x0A: "gateway path unavailable"
        case 0x0B: "gateway target device failed to respond"
        default: "unknown exception"
        }
    }

    /// `exception 02 (illegal data address)`.
    public var description: String {
        let hex = String(rawValue, radix: 16, uppercase: true)
        return "exception \(hex.count < 2 ? "0" + hex : hex) (\(name))"
    }

    /// Whether the exception means the device itself is unreachable (behind a gateway), so it
    /// counts as a failed poll for backoff rather than as a device that answered.
    public var meansUnreachable: Bool {
        self == .gatewayPathUnavailable || self == .gatewayTargetFailedToRespond
    }
}

/// A failed Modbus operation: what was attempted, what class of failure it was, and the detail.
public struct ModbusError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of failure; an extensible set of codes, compared with `==`.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// A short stable name.
        public var rawValue: String
        /// Creates a code.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The device did not answer within the response timeout.
        public static let timeout = Code(rawValue: "timeout")
        /// The device answered with an exception (see `ModbusError.exception`).
        public static let exception = Code(rawValue: "exception")
        /// The link failed (refused, reset, port missing): the connection is reopened before the next request.
        public static let connection = Code(rawValue: "connection")
        /// A garbled or mismatched answer (bad CRC, wrong unit, wrong length): stale bytes are flushed.
        public static let protocolError = Code(rawValue: "protocol")
        /// The request itself is not valid (count too large, read-only table, value out of range).
        public static let invalidRequest = Code(rawValue: "invalid-request")
        /// A write was read back with a different value.
        public static let verifyMismatch = Code(rawValue: "verify-mismatch")
        /// The bus owner is stopped or the device is unknown to it.
        public static let unavailable = Code(rawValue: "unavailable")

        /// The name.
        public var description: String { rawValue }
    }

    /// The class of failure.
    public var code: Code
    /// What was attempted, e.g. `read holding 0...9 from unit 1`.
    public var operation: String
    /// The detail (the C library's message, or ours).
    public var message: String
    /// The exception code, when the device answered with one.
    public var exception: ModbusException?
    /// The errno reported by libmodbus, when the failure came from it.
    public var errno: Int32?

    /// Creates an error.
    public init(
        _ code: Code, operation: String, message: String, exception: ModbusException? = nil, errno: Int32? = nil
    ) {
        self.code = code
        self.operation = operation
        self.message = message
        self.exception = exception
        self.errno = errno
    }

    /// `read holding 500...501 from unit 1: Modbus exception 02 (illegal data address)`.
    public var description: String { "\(operation): \(message)" }

    /// The quality the points of a failed request get.
    public var quality: SampleQuality {
        switch code {
        case .timeout: .timeout
        case .exception: exception?.meansUnreachable == true ? .timeout : .deviceError
        case .invalidRequest: .invalid
        default: .commError
        }
    }

    /// Whether the device answered at all (an exception is an answer): such a failure does not
    /// put the device into backoff.
    public var deviceAnswered: Bool {
        code == .exception && exception?.meansUnreachable != true
    }
}
