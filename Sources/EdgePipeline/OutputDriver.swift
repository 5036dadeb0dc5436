public import EdgeConfig

/// What drives an output's hardware: the simulated board's lines, a Modbus bus owner, later a
/// GPIO chip owner. Every write completes with the driver's result, once the value is on the
/// line or the device confirmed it, so nothing reports success for a write that did not happen.
public protocol OutputDriver: Sendable {
    /// Drives `value` onto `output`. `completion` runs exactly once, on any thread.
    func drive(
        _ output: OutputConfig, value: Double, completion: @escaping @Sendable (Result<Void, OutputDriveError>) -> Void)
}

/// A driver could not put a value on its output.
public struct OutputDriveError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The driver's account: `bus rs485: timeout`, `the bus owner is stopped`.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
