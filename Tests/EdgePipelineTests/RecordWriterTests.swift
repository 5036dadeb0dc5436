import EdgeCore
import EdgePipeline
import EdgeTestSupport
import Synchronization
import Testing

/// A store whose fsync can be held shut (an SD card that takes its time) and whose writes can
/// fail (a full disk), to watch the writer from outside.
final class GatedStore: RecordStore, @unchecked Sendable {
    // Everything below is guarded by `lock`.
    private let lock = ConditionLock()
    private var stored: [[UInt8]] = []
    private var syncing = 0
    private var synced = 0
    private var gateOpen = true
    private var failing = false

    var records: [String] { lock.withLock { stored.map { String(decoding: $0, as: UTF8.self) } } }
    var syncsStarted: Int { lock.withLock { syncing } }
    var syncsDone: Int { lock.withLock { synced } }

    func setGate(open: Bool) {
        lock.withLock { gateOpen = open }
        lock.signal()
    }

    func setFailing(_ value: Bool) { lock.withLock { failing = value } }

    func append(_ record: UnsafeRawBufferPointer) throws(RecorderError) -> UInt64 {
        let sequence = lock.withLock { () -> UInt64? in
            if failing { return nil }
            stored.append(Array(record))
            return UInt64(stored.count)
        }
        guard let sequence else { throw RecorderError("cannot write 'gated': No space left on device") }
        return sequence
    }

    func sync() throws(RecorderError) {
        lock.withLock {
            syncing += 1
            lock.signal()
            while !gateOpen { lock.wait(nanoseconds: 50_000_000) }
            synced += 1
        }
        lock.signal()
    }

    var lastSequence: UInt64 { lock.withLock { UInt64(stored.count) } }

    func register(_ schema: RecordSchema) {}

    /// Waits (at most 10 s) until `condition` holds.
    func waitUntil(_ condition: () -> Bool) -> Bool {
        let deadline = MonotonicDeadline(after: 10_000_000_000)
        while !condition() {
            if deadline.remaining <= 0 { return false }
            lock.withLock { lock.wait(nanoseconds: 5_000_000) }
        }
        return true
    }
}

@Suite struct RecordWriterTests {
    func offer(_ writer: RecordWriter, _ text: String) -> Bool {
        var text = text
        let accepted = text.withUTF8 { writer.offer(UnsafeRawBufferPointer($0)) }
        writer.kick()
        return accepted
    }

    /// Starts a writer that fsyncs after every pass, and gets it stuck in an fsync.
    func stuckWriter(handoffBytes: Int = 1 << 16) throws -> (RecordWriter, GatedStore) {
        let store = GatedStore()
        store.setGate(open: false)
        let writer = try RecordWriter(
            store: store, handoffBytes: handoffBytes, syncIntervalNanoseconds: 0, logger: quietLogger)
        try writer.start()
        #expect(offer(writer, "first"))
        #expect(store.waitUntil { store.syncsStarted == 1 }, "the writer never began its fsync")
        return (writer, store)
    }

    @Test func framesAreHandedOverWhileTheWriterIsStuckInAnFsync() throws {
        let (writer, store) = try stuckWriter()
        // On another thread, so a hand-over that waited for the fsync shows as a missed deadline
        // instead of hanging the suite.
        let offered = Slot<Int>()
        let producer = try OwnerThread(name: "pipeline") {
            var accepted = 0
            for i in 0..<100 where offer(writer, "frame \(i)") { accepted += 1 }
            offered.set(accepted)
        }
        let accepted = offered.wait(timeoutNanoseconds: 10_000_000_000)
        #expect(accepted == 100, "the pipeline's hand-over waited for the fsync")
        #expect(store.syncsDone == 0, "the fsync was still held shut meanwhile")
        store.setGate(open: true)
        producer.join()
        try writer.flushDurably()
        #expect(store.records == ["first"] + (0..<100).map { "frame \($0)" })
        #expect(writer.status.dropped == 0)
        #expect(writer.status.written == 101)
        writer.stop()
    }

    @Test func aFullHandoffDropsNewFrameRecordsAndCountsThem() throws {
        let (writer, store) = try stuckWriter(handoffBytes: 1)
        // More than the smallest hand-off (one page) holds while the fsync is held shut.
        let capacity = writer.status.capacity
        var accepted: [String] = []
        var refused = 0
        for i in 0..<(capacity / 16) {
            let text = "frame number \(i)"
            if offer(writer, text) { accepted.append(text) } else { refused += 1 }
        }
        #expect(refused > 0)
        #expect(writer.status.dropped == UInt64(refused))
        #expect(writer.status.policy == "drop-newest")
        #expect(writer.status.highWater <= capacity)
        store.setGate(open: true)
        try writer.flushDurably()
        #expect(store.records == ["first"] + accepted, "what was accepted is written whole and in order")
        writer.stop()
    }

    @Test func aMessageIsConfirmedOnlyAfterAnFsyncThatCoversIt() throws {
        let (writer, store) = try stuckWriter()
        let result = Slot<Result<UInt64, RecorderError>>()
        let worker = try OwnerThread(name: "action worker") {
            do throws(RecorderError) {
                result.set(.success(try writer.appendDurably(Array("message".utf8))))
            } catch {
                result.set(.failure(error))
            }
        }
        // The worker waits while the fsync is held shut, however long that is.
        #expect(result.wait(timeoutNanoseconds: 300_000_000) == nil)
        store.setGate(open: true)
        let outcome = result.wait(timeoutNanoseconds: 10_000_000_000)
        worker.join()
        #expect(try outcome?.get() == 2)
        #expect(store.records == ["first", "message"])
        #expect(store.syncsDone >= 2, "one fsync for the frame, one that covers the message")
        writer.stop()
    }

    @Test func framesWaitOutAFailingStoreAndAreWrittenWhenItRecovers() throws {
        let store = GatedStore()
        store.setFailing(true)
        let writer = try RecordWriter(store: store, syncIntervalNanoseconds: 0, logger: quietLogger)
        try writer.start()
        for i in 0..<3 { #expect(offer(writer, "frame \(i)")) }
        #expect(store.waitUntil { writer.status.failing }, "the failure never showed in status")
        #expect(writer.status.lastError?.contains("No space left on device") == true)
        // A harvest meanwhile fails honestly.
        #expect(throws: RecorderError.self) { try writer.appendDurably(Array("message".utf8)) }
        store.setFailing(false)
        try writer.flushDurably()
        #expect(store.records == ["frame 0", "frame 1", "frame 2"])
        #expect(!writer.status.failing)
        #expect(writer.status.failures >= 2)
        writer.stop()
    }

    @Test func aStoppedWriterRefusesMessagesInsteadOfHanging() throws {
        let writer = try RecordWriter(store: GatedStore(), logger: quietLogger)
        try writer.start()
        writer.stop()
        #expect(throws: RecorderError.self) { try writer.appendDurably(Array("late".utf8)) }
    }
}

/// A record the store can never write (its schema is unknown) is dropped and counted, and the
/// records behind it are written: one bad record must not stop recording for good.
@Suite struct RecordWriterPermanentFailureTests {
    @Test func aRecordOfAnUnknownSchemaIsDroppedAndTheNextIsWritten() throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-writer-schema")
        let file = try RecordFile(directory: dir.path)
        let known = RecordSchema([("tank", ["level"])])
        file.register(known)
        let writer = try RecordWriter(store: file, logger: quietLogger)
        try writer.start()
        defer { writer.stop() }
        for schema in [known.id &+ 1, known.id] {
            var record: [UInt8] = []
            FrameRecord.begin(into: &record, schema: schema, source: 0, timestamp: 1_767_225_600_000_000_000)
            FrameRecord.appendNumber(42, point: 0, to: &record)
            #expect(record.withUnsafeBytes { writer.offer($0) })
        }
        writer.kick()
        try writer.flushDurably()
        #expect(
            try Files.readText(file.path)
                == #"{"seq":1,"kind":"frame","source":"tank","ts":1767225600000,"points":{"level":42}}"# + "\n")
        #expect(writer.status.failures == 1)
        #expect(writer.status.written == 1)
        #expect(!writer.status.failing, "a dropped record is not a failing disk")
    }
}
