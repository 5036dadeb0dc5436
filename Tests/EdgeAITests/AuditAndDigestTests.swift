import EdgeAI
import EdgeCore
import EdgeTestSupport
import Testing

/// docs/safety.md S11: the audit log keeps one line per run, stays bounded by rotating, and is
/// read back after the writer is gone (a restart); digests are SHA-256.
struct AuditAndDigestTests {
    @Test func sha256MatchesTheFIPSTestVectors() {
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func theLogRotatesAtItsCapAndReadsBackAfterARestart() throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-audit")
        do {
            let log = try AIAuditLog(directory: dir.path, maxBytes: 4096)
            for i in 0..<400 { try log.append(["n": .number(Double(i)), "pad": .string(String(repeating: "x", count: 40))]) }
        }
        // From n = 100 on a line is 59 bytes, so a 4,096-byte file holds 69 lines: the current
        // file and the two rotated ones keep between 139 and 207 of the newest records.
        let reopened = try AIAuditLog.last(5, in: dir.path)
        #expect(reopened.records.map { $0["n"] } == [395, 396, 397, 398, 399])
        #expect(reopened.skipped == 0)
        let all = try AIAuditLog.last(1000, in: dir.path).records
        #expect(all.count >= 139 && all.count <= 207, "kept \(all.count)")
        for name in ["ai-audit.jsonl", "ai-audit.jsonl.1", "ai-audit.jsonl.2"] {
            #expect(Files.exists("\(dir.path)/\(name)"))
        }
        #expect(!Files.exists("\(dir.path)/ai-audit.jsonl.3"))
    }

    @Test func aTornLastLineIsSkippedAndCounted() throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-audit-torn")
        let log = try AIAuditLog(directory: dir.path)
        try log.append(["n": 1])
        // A power cut in the middle of a write leaves part of a line.
        _ = try dir.write("ai-audit.jsonl", readTextFile(log.path) + "{\"n\": 2, \"outp")
        let read = try AIAuditLog.last(10, in: dir.path)
        #expect(read.records == [["n": 1]])
        #expect(read.skipped == 1)
    }
}

