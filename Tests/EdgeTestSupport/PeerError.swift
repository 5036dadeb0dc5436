/// Why a real peer could not be found, started or reached. Tests throw it, so a missing tool
/// fails the test with this message instead of skipping it.
public struct PeerError: Error, CustomStringConvertible, Sendable {
    /// What went wrong and how to fix it.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}

/// Polls `condition` every `interval` until it holds or `timeout` has passed; returns whether it
/// held. Every wait in the integration tests goes through a bound like this one.
public func eventually(
    timeout: Duration = .seconds(10), interval: Duration = .milliseconds(10), _ condition: () throws -> Bool
) async rethrows -> Bool {
    let clock = ContinuousClock()
    let end = clock.now + timeout
    while clock.now < end {
        if try condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try condition()
}
