public import EdgeConfig

/// What drives an output's hardware: the simulated board's lines, a Modbus bus owner, a GPIO
/// chip owner. Every write completes with the driver's result, once the value is on the line or
/// the device confirmed it, so nothing reports success for a write that did not happen.
public protocol OutputDriver: Sendable {
    /// Drives `value` onto `output`. `completion` runs exactly once, on any thread.
    func drive(
        _ output: OutputConfig, value: Double, completion: @escaping @Sendable (Result<Void, OutputDriveError>) -> Void)

    /// How this driver can read `output` back (docs/safety.md, "Read-back"). Drivers that
    /// cannot read say `.none` (the default), and the controller then trusts their writes alone.
    func readBackMode(for output: OutputConfig) -> OutputReadBack

    /// Reads the value on `output` now (`.onDemand` drivers). `completion` runs exactly once, on
    /// any thread.
    func readBack(_ output: OutputConfig, completion: @escaping @Sendable (Result<Double, OutputDriveError>) -> Void)

    /// How far a reading may lie from the commanded value and still agree: a register that
    /// holds a scaled integer cannot hold every value exactly. 0 unless the driver says so.
    func readBackTolerance(for output: OutputConfig) -> Double
}

/// How an output's driver learns what the output really holds.
public enum OutputReadBack: String, Sendable, Equatable {
    /// It cannot: the controller knows only whether its writes succeeded.
    case none
    /// The device's regular polls read the output; the agent reports each reading to
    /// `OutputController.observe(id:reading:)` (a Modbus holding register or coil).
    case polled
    /// The driver reads it when asked; the controller asks every `readback_interval` (a GPIO
    /// line's level through libgpiod).
    case onDemand = "on-demand"
}

extension OutputDriver {
    /// Cannot read back.
    public func readBackMode(for output: OutputConfig) -> OutputReadBack { .none }

    /// Fails: this driver cannot read back.
    public func readBack(
        _ output: OutputConfig, completion: @escaping @Sendable (Result<Double, OutputDriveError>) -> Void
    ) {
        completion(.failure(OutputDriveError("the driver of '\(output.id)' cannot read it back")))
    }

    /// Exact agreement.
    public func readBackTolerance(for output: OutputConfig) -> Double { 0 }
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
