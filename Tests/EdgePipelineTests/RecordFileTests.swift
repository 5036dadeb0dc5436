import EdgeCore
import EdgePipeline
import EdgeTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The record file driven through its writer, as the agent and `flow test --live` use it.
extension FileRecording {
    func record(_ frame: FrameView) { recorder.record(frame) }
    func append(_ message: RecordedMessage) throws(RecorderError) -> UInt64 { try recorder.append(message) }
    func flush(durable: Bool) throws { try recorder.flush(durable: durable) }
    var lastSequence: UInt64 { recorder.lastSequence }
    var path: String { file.path }
}

/// `records.jsonl`: one line per record, sequence numbers that survive restarts and torn writes.
struct RecordFileTests {
    static let sources: [(id: String, points: [String])] = [("boiler", ["temp", "pressure", "serial"]), ("door", ["door"])]
    /// 2026-01-01T00:00:00.123456789Z; records carry milliseconds.
    static let ts: Int64 = 1_767_225_600_123_456_789

    func lines(_ path: String) throws -> [String] {
        try Files.readText(path).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    func appendRaw(_ path: String, _ text: String) {
        let fd = open(path, O_WRONLY | O_APPEND)
        #expect(fd >= 0)
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }

    func recordDoor(_ file: FileRecording, _ value: Double, ts: Int64 = RecordFileTests.ts) {
        withFrame(source: 1, timestamp: ts, values: [value], qualities: [.good]) { file.record($0) }
    }

    @Test func framesAndMessagesHaveTheDocumentedLines() throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-records")
        let file = try FileRecording(directory: dir.path, sources: Self.sources, logger: quietLogger)
        defer { file.stop() }
        #expect(file.path == "\(dir.path)/records.jsonl")
        // temp good, pressure failed (timeout), serial is a string point with a text.
        withFrame(
            source: 0, timestamp: Self.ts, values: [81.5, .nan, 0], qualities: [.good, .timeout, .good],
            texts: [nil, nil, "SN \"7\"\\x"]
        ) { file.record($0) }
        try file.flush(durable: false)
        let seq = try file.append(
            RecordedMessage(timestamp: Self.ts, category: "alarms", source: "boiler", payload: ["temp": 91.2]))
        #expect(seq == 2)
        let seq3 = try file.append(RecordedMessage(timestamp: 2_000_000, category: nil, source: nil, payload: [1, "a"]))
        #expect(seq3 == 3)
        #expect(try lines(file.path) == [
            #"{"seq":1,"kind":"frame","source":"boiler","ts":1767225600123,"points":{"temp":81.5,"serial":"SN \"7\"\\x"},"quality":{"pressure":"timeout"}}"#,
            #"{"seq":2,"kind":"message","source":"boiler","ts":1767225600123,"category":"alarms","payload":{"temp":91.2}}"#,
            #"{"seq":3,"kind":"message","ts":2,"payload":[1,"a"]}"#,
            "",
        ])
        #expect(file.lastSequence == 3)
    }

    @Test func aFrameWithOnlyFailedReadsIsRecordedUnderQuality() throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-records")
        let file = try FileRecording(directory: dir.path, sources: Self.sources, logger: quietLogger)
        defer { file.stop() }
        withFrame(source: 0, timestamp: 5_000_000, values: [.nan, .nan, .nan], qualities: [.commError, .absent, .invalid]) {
            file.record($0)
        }
        try file.flush(durable: true)
        #expect(try lines(file.path) == [
            #"{"seq":1,"kind":"frame","source":"boiler","ts":5,"points":{},"quality":{"temp":"comm-error","serial":"invalid"}}"#,
            "",
        ])
    }

    @Test func aFrameWhosePointsWereAllHeldBackWritesNothing() throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-records")
        let file = try FileRecording(directory: dir.path, sources: Self.sources, logger: quietLogger)
        defer { file.stop() }
        // Every point present but held back by its deadband.
        withFrame(
            source: 0, timestamp: Self.ts, values: [81.5, 1.2, 0], qualities: [.good, .timeout, .good],
            reported: [false, false, false]
        ) { file.record($0) }
        // Only absent points.
        withFrame(source: 0, timestamp: Self.ts, values: [.nan, .nan, .nan], qualities: [.absent, .absent, .absent]) {
            file.record($0)
        }
        try file.flush(durable: true)
        #expect(try Files.readText(file.path) == "")
        #expect(file.lastSequence == 0)
        // Held-back points are left out of a frame that does have something to report.
        withFrame(
            source: 0, timestamp: Self.ts, values: [81.5, 1.25, 0], qualities: [.good, .good, .good],
            reported: [false, true, false]
        ) { file.record($0) }
        try file.flush(durable: true)
        #expect(try lines(file.path) == [
            #"{"seq":1,"kind":"frame","source":"boiler","ts":1767225600123,"points":{"pressure":1.25}}"#, "",
        ])
    }

    @Test func appendReturnsOnlyOnceItsLineAndTheFramesHandedOverBeforeItAreInTheFile() throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-records")
        let file = try FileRecording(directory: dir.path, sources: Self.sources, logger: quietLogger)
        defer { file.stop() }
        recordDoor(file, 1)
        let seq = try file.append(RecordedMessage(timestamp: 0, category: "x", source: "door", payload: ["open": true]))
        #expect(seq == 2)
        // Read through a separate descriptor, right after append returned.
        #expect(try lines(file.path) == [
            #"{"seq":1,"kind":"frame","source":"door","ts":1767225600123,"points":{"door":1}}"#,
            #"{"seq":2,"kind":"message","source":"door","ts":0,"category":"x","payload":{"open":true}}"#,
            "",
        ])
    }

    @Test func sequenceNumbersContinueAfterReopening() throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-records")
        let path = "\(dir.path)/records.jsonl"
        do {
            let file = try FileRecording(directory: dir.path, sources: Self.sources, logger: quietLogger)
        defer { file.stop() }
            #expect(file.lastSequence == 0)
            recordDoor(file, 0)
            recordDoor(file, 1)
            try file.flush(durable: true)
            #expect(try file.append(RecordedMessage(timestamp: 0, category: nil, source: nil, payload: 1)) == 3)
        }
        let reopened = try FileRecording(directory: dir.path, sources: Self.sources, logger: quietLogger)
        defer { reopened.stop() }
        #expect(reopened.lastSequence == 3)
        recordDoor(reopened, 0)
        try reopened.flush(durable: true)
        #expect(reopened.lastSequence == 4)
        #expect(try reopened.append(RecordedMessage(timestamp: 0, category: nil, source: nil, payload: 2)) == 5)
        let seqs = try lines(path).filter { !$0.isEmpty }.map { try JSONValue.parse($0)["seq"].numberValue }
        #expect(seqs == [1, 2, 3, 4, 5])
    }

    @Test func aTornLastLineIsCutAndNumberingResumesAfterTheLastCompleteRecord() throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-records")
        let path = "\(dir.path)/records.jsonl"
        do {
            let file = try FileRecording(directory: dir.path, sources: Self.sources, logger: quietLogger)
        defer { file.stop() }
            recordDoor(file, 0)
            #expect(try file.append(RecordedMessage(timestamp: 0, category: nil, source: nil, payload: 1)) == 2)
        }
        let complete = try Files.readText(path)
        // A power cut in the middle of writing record 3.
        appendRaw(path, #"{"seq":3,"kind":"frame","source":"do"#)
        let reopened = try FileRecording(directory: dir.path, sources: Self.sources, logger: quietLogger)
        defer { reopened.stop() }
        #expect(reopened.lastSequence == 2)
        #expect(try Files.readText(path) == complete, "the torn line is cut off")
        #expect(try reopened.append(RecordedMessage(timestamp: 0, category: nil, source: nil, payload: 3)) == 3)
        let all = try lines(path)
        #expect(all.count == 4)
        #expect(all[2] == #"{"seq":3,"kind":"message","ts":0,"payload":3}"#)
        #expect(all[3] == "")
    }

    @Test func aFileOfOnlyATornLineStartsAtOne() throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-records")
        _ = try dir.write("records.jsonl", #"{"seq":17,"ki"#)
        let file = try FileRecording(directory: dir.path, sources: Self.sources, logger: quietLogger)
        defer { file.stop() }
        #expect(file.lastSequence == 0)
        #expect(try Files.readText(file.path) == "")
        #expect(try file.append(RecordedMessage(timestamp: 0, category: nil, source: nil, payload: 0)) == 1)
    }

    @Test func aFailedWriteIsAnErrorAndConsumesNoSequenceNumber() throws {
        // /dev/full accepts the open and refuses every write with ENOSPC: a full SD card.
        let file = try FileRecording(directory: "/dev", sources: Self.sources, name: "full", logger: quietLogger)
        defer { file.stop() }
        #expect(file.lastSequence == 0)
        do {
            _ = try file.append(RecordedMessage(timestamp: 0, category: nil, source: nil, payload: 1))
            Issue.record("a write to a full disk must fail")
        } catch {
            #expect(error.message.contains("No space left on device"), "\(error)")
        }
        #expect(file.lastSequence == 0)
    }
}
