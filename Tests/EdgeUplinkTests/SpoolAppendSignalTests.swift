import EdgeCore
import EdgeTestSupport
import Foundation
import Synchronization
import Testing

@testable import EdgeUplink

/// The spool's wake-up for the uplink: every append moves a counter a waiter sees at once, and
/// the append time of each recent record is kept for the batch window.
struct SpoolAppendSignalTests {
    @Test func anAppendWakesAWaiterAndRemembersItsAppendTime() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        let clock = ManualClock()
        let spool = try openSpool(directory.path, clock: clock)
        clock.advance(nanoseconds: 5_000_000_000)
        let seen = spool.appendSignal.current
        let woke = Mutex<Int64?>(nil)
        let waiter = Thread {
            let started = DispatchTime.now().uptimeNanoseconds
            spool.appendSignal.wait(after: seen, nanoseconds: 10_000_000_000)
            woke.withLock { $0 = Int64(DispatchTime.now().uptimeNanoseconds - started) }
        }
        waiter.start()
        let first = try spool.append(Array("a".utf8))
        clock.advance(nanoseconds: 250_000_000)
        let second = try spool.append(Array("b".utf8))
        let deadline = DispatchTime.now().uptimeNanoseconds + 5_000_000_000
        while woke.withLock({ $0 }) == nil && DispatchTime.now().uptimeNanoseconds < deadline { usleep(1000) }
        let waited = try #require(woke.withLock { $0 }, "the append woke the waiter")
        #expect(waited < 5_000_000_000, "woken by the append, not by the 10 s timeout")
        #expect(spool.appendSignal.current >= seen + 2)
        // The times are the spool clock's at each append: 5 s, then 250 ms later.
        let opened = try #require(spool.appendSignal.appendTime(of: first))
        #expect(spool.appendSignal.appendTime(of: second) == opened + 250_000_000)
        #expect(spool.appendSignal.appendTime(of: second + 1) == nil, "not appended yet")
    }

    @Test func recordsRecoveredFromDiskHaveNoAppendTime() throws {
        let directory = try TemporaryDirectory(prefix: "spool")
        let sequence = try openSpool(directory.path).append(Array("a".utf8))
        let reopened = try openSpool(directory.path)
        #expect(reopened.appendSignal.appendTime(of: sequence) == nil, "overdue: the backlog goes at once")
    }

    @Test func onlyTheNewestRecordsKeepTheirAppendTime() {
        let signal = SpoolAppendSignal(capacity: 4)
        for sequence in UInt64(1)...6 { signal.appended(sequence, at: Int64(sequence) * 10) }
        #expect(signal.appendTime(of: 1) == nil && signal.appendTime(of: 2) == nil)
        #expect((3...6).map { signal.appendTime(of: $0) } == [30, 40, 50, 60])
        let seen = signal.current
        signal.wake()
        #expect(signal.wait(after: seen, nanoseconds: 10_000_000_000) == seen + 1, "a wake-up without an append")
    }
}
