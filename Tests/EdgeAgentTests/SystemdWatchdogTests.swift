import EdgeCore
import Logging
import Synchronization
import Testing

@testable import EdgeAgent

#if canImport(Glibc)
    import Glibc
#endif

/// A datagram socket in the abstract namespace that collects what a `SystemdNotifier` sends
/// (the test's stand-in for systemd).
final class DatagramInbox {
    let address = "@edgeflow-watchdog-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    private let fd: Int32

    init() throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var sa = sockaddr_un()
        sa.sun_family = sa_family_t(AF_UNIX)
        let name = [UInt8(0)] + Array(address.utf8.dropFirst())
        withUnsafeMutableBytes(of: &sa.sun_path) { $0.copyBytes(from: name) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + name.count)
        let rc = withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        #expect(rc == 0, "bind \(address): errno \(errno)")
    }

    deinit { close(fd) }

    /// Every datagram queued so far.
    func drain() -> [String] {
        var out: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard n > 0 else { return out }
            out.append(String(decoding: buffer[..<n], as: UTF8.self))
        }
    }
}

struct SystemdWatchdogTests {
    /// Waits (bounded) until `condition` holds.
    func waitUntil(_ what: String, _ condition: () -> Bool) throws {
        let deadline = MonotonicDeadline(after: 10_000_000_000)
        while !condition() {
            guard deadline.remaining > 0 else { throw AgentError(message: "timed out waiting for \(what)") }
            threadSleep(nanoseconds: 2_000_000)
        }
    }

    @Test func pingsOnlyWhileTheProgressCounterMoves() throws {
        let inbox = try DatagramInbox()
        let progress = Atomic<Int>(0)
        let notifier = SystemdNotifier(socketPath: inbox.address, watchdogNanoseconds: 40_000_000)
        let watchdog = try #require(
            SystemdWatchdog(notifier: notifier, logger: Logger(label: "test")) { progress.load(ordering: .relaxed) })
        try watchdog.start()
        defer { watchdog.stop() }

        // Moving: every look that saw a new value pings.
        for _ in 0..<3 {
            let before = watchdog.checks
            progress.add(1, ordering: .relaxed)
            try waitUntil("a look at the counter") { watchdog.checks > before }
        }
        #expect(watchdog.pings >= 1)

        // Stuck: several looks later, not one more ping.
        // (Two looks first, so a look that saw the last change has finished its ping.)
        let settled = watchdog.checks
        try waitUntil("two more looks") { watchdog.checks >= settled + 2 }
        let pingsWhenStuck = watchdog.pings
        let checksWhenStuck = watchdog.checks
        try waitUntil("five more looks") { watchdog.checks >= checksWhenStuck + 5 }
        #expect(watchdog.pings == pingsWhenStuck)

        // Moving again: pings resume.
        progress.add(1, ordering: .relaxed)
        try waitUntil("a ping after progress resumed") { watchdog.pings > pingsWhenStuck }
        watchdog.stop()
        let received = inbox.drain()
        #expect(received.count == watchdog.pings)
        #expect(received.allSatisfy { $0 == "WATCHDOG=1" }, "\(received)")
    }

    @Test func pingsWithoutProgressOnceDrainingBegan() throws {
        let inbox = try DatagramInbox()
        let notifier = SystemdNotifier(socketPath: inbox.address, watchdogNanoseconds: 40_000_000)
        let watchdog = try #require(SystemdWatchdog(notifier: notifier, logger: Logger(label: "test")) { 7 })
        try watchdog.start()
        defer { watchdog.stop() }
        let checks = watchdog.checks
        try waitUntil("three looks") { watchdog.checks >= checks + 3 }
        #expect(watchdog.pings == 0, "a counter that never moves gets no ping")
        // Shutdown stops the pipeline on purpose; systemd must still hear from the agent.
        watchdog.beginDraining()
        try waitUntil("pings while draining") { watchdog.pings >= 2 }
        watchdog.stop()
        #expect(inbox.drain().count == watchdog.pings)
    }

    @Test func noWatchdogWithoutANotifySocketOrTimeout() {
        let counter: @Sendable () -> Int = { 0 }
        let logger = Logger(label: "test")
        #expect(SystemdWatchdog(notifier: .init(socketPath: nil, watchdogNanoseconds: 1_000_000_000), logger: logger,
                                progress: counter) == nil)
        #expect(SystemdWatchdog(notifier: .init(socketPath: "@x", watchdogNanoseconds: nil), logger: logger,
                                progress: counter) == nil)
    }

    @Test func aSocketNameThatIsNeitherAPathNorAbstractIsAnError() {
        #expect(throws: FileError.self) {
            try SystemdNotifier(socketPath: "relative/socket", watchdogNanoseconds: nil).notify("READY=1")
        }
        #expect((try? SystemdNotifier(socketPath: nil, watchdogNanoseconds: nil).notify("READY=1")) == false)
    }
}
