import EdgeCore
@testable import EdgeFlux
import EdgeTestSupport
import Glibc
import Testing

/// Builds TZif bytes: both blocks (32- and 64-bit times) for version 2+, one for version 1.
struct TZifBuilder {
    var version: UInt8 = UInt8(ascii: "2")
    var transitions: [Int64] = []
    var indices: [UInt8] = []
    /// (UTC offset, is DST, designation index)
    var types: [(Int32, UInt8, UInt8)] = [(0, 0, 0)]
    var designations: [UInt8] = Array("UTC\0".utf8)
    var leapCount: UInt32 = 0
    var standardCount: UInt32 = 0
    var footer: String = ""

    var bytes: [UInt8] {
        var out = header() + block(timeSize: 4)
        guard version != 0 else { return out }
        out += header() + block(timeSize: 8)
        out += Array("\n\(footer)\n".utf8)
        return out
    }

    private func header() -> [UInt8] {
        var out = Array("TZif".utf8) + [version] + [UInt8](repeating: 0, count: 15)
        for count in [
            0, standardCount, leapCount, UInt32(transitions.count), UInt32(types.count), UInt32(designations.count),
        ] {
            out += Self.bigEndian(UInt64(count), size: 4)
        }
        return out
    }

    private func block(timeSize: Int) -> [UInt8] {
        var out: [UInt8] = []
        for time in transitions { out += Self.bigEndian(UInt64(bitPattern: time), size: timeSize) }
        out += indices
        for type in types {
            out += Self.bigEndian(UInt64(UInt32(bitPattern: type.0)), size: 4) + [type.1, type.2]
        }
        out += designations
        out += [UInt8](repeating: 0, count: Int(leapCount) * (timeSize + 4) + Int(standardCount))
        return out
    }

    static func bigEndian(_ value: UInt64, size: Int) -> [UInt8] {
        (0..<size).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }
}

@Suite struct TimeZoneFileTests {
    func footerZone(_ footer: String, standard: Int32) throws -> TimeZoneRules {
        let builder = TZifBuilder(version: UInt8(ascii: "3"), types: [(standard, 0, 0)], footer: footer)
        return try TimeZoneFile.parse(builder.bytes, name: "Test")
    }

    /// Offsets from footer-only files; cross-checked offline with python3's zoneinfo and, for
    /// the `Jn` and `n` forms, with glibc's tzset (CPython's zoneinfo is one day off for `n`).
    static let footerCases: [(footer: String, standard: Int32, points: [(String, Int32)])] = [
        ("EST5EDT,M3.2.0,M11.1.0", -18_000, [
            ("2026-03-08T06:59:59Z", -18_000), ("2026-03-08T07:00:00Z", -14_400),
            ("2026-11-01T05:59:59Z", -14_400), ("2026-11-01T06:00:00Z", -18_000),
        ]),
        ("AEST-10AEDT,M10.1.0,M4.1.0/3", 36_000, [
            ("2026-04-04T15:59:59Z", 39_600), ("2026-04-04T16:00:00Z", 36_000),
            ("2026-10-03T15:59:59Z", 36_000), ("2026-10-03T16:00:00Z", 39_600), ("2026-12-31T23:00:00Z", 39_600),
        ]),
        ("<-02>2<-01>,M3.5.0/-1,M10.5.0/0", -7_200, [
            ("2026-03-29T00:59:59Z", -7_200), ("2026-03-29T01:00:00Z", -3_600),
            ("2026-10-25T00:59:59Z", -3_600), ("2026-10-25T01:00:00Z", -7_200),
        ]),
        // RFC 8536 §3.3.1: daylight saving time all year.
        ("EST5EDT,0/0,J365/25", -18_000, [
            ("2026-01-01T00:00:00Z", -14_400), ("2026-06-01T00:00:00Z", -14_400),
            ("2026-12-31T23:59:59Z", -14_400), ("2028-12-31T12:00:00Z", -14_400),
        ]),
        ("XXX3YYY,J60/2,J300/2", -10_800, [
            ("2026-03-01T04:59:59Z", -10_800), ("2026-03-01T05:00:00Z", -7_200),
            ("2028-03-01T04:59:59Z", -10_800), ("2028-03-01T05:00:00Z", -7_200),
            ("2028-10-27T03:59:59Z", -7_200), ("2028-10-27T04:00:00Z", -10_800),
        ]),
        ("XXX3YYY,J59/2,J300/2", -10_800, [
            ("2028-02-28T04:59:59Z", -10_800), ("2028-02-28T05:00:00Z", -7_200),
        ]),
        ("XXX3YYY,59/2,299/2", -10_800, [
            ("2026-03-01T04:59:59Z", -10_800), ("2026-03-01T05:00:00Z", -7_200),
            ("2028-02-29T04:59:59Z", -10_800), ("2028-02-29T05:00:00Z", -7_200),
            ("2028-10-26T03:59:59Z", -7_200), ("2028-10-26T04:00:00Z", -10_800),
        ]),
        // No rule after the DST name: tzcode's default, the US rule.
        ("XXX3YYY", -10_800, [
            ("2026-03-08T04:59:59Z", -10_800), ("2026-03-08T05:00:00Z", -7_200),
            ("2026-11-01T03:59:59Z", -7_200), ("2026-11-01T04:00:00Z", -10_800),
        ]),
        ("<+0330>-3:30", 12_600, [("2026-01-01T00:00:00Z", 12_600)]),
        ("IST-2IDT,M3.4.4/26,M10.5.0", 7_200, [
            ("2026-03-26T23:59:59Z", 7_200), ("2026-03-27T00:00:00Z", 10_800),
            ("2026-10-24T22:59:59Z", 10_800), ("2026-10-24T23:00:00Z", 7_200),
        ]),
    ]

    @Test func posixFooterRulesGiveTheRightOffsets() throws {
        for row in Self.footerCases {
            let zone = try footerZone(row.footer, standard: row.standard)
            for (instant, offset) in row.points {
                #expect(zone.offset(at: cronInstant(instant) / 1_000) == offset, "\(row.footer) at \(instant)")
            }
        }
    }

    @Test func theFooterTakesOverAfterTheLastTransition() throws {
        // One transition in 2000 from LMT-like +00:30 to the EST5EDT rule.
        let builder = TZifBuilder(
            transitions: [946_684_800], indices: [1], types: [(1_800, 0, 0), (-18_000, 0, 0)],
            footer: "EST5EDT,M3.2.0,M11.1.0")
        let zone = try TimeZoneFile.parse(builder.bytes, name: "Test")
        #expect(zone.offset(at: 946_684_799) == 1_800)
        #expect(zone.offset(at: 946_684_800) == -18_000)
        #expect(zone.offset(at: cronInstant("2026-07-01T00:00:00Z") / 1_000) == -14_400)
        #expect(zone.period(containing: 946_684_800).start == 946_684_800)
    }

    @Test func versionOneFilesUseTheirThirtyTwoBitTable() throws {
        let builder = TZifBuilder(
            version: 0, transitions: [-100, 1_000], indices: [1, 0], types: [(3_600, 0, 0), (7_200, 1, 0)])
        let zone = try TimeZoneFile.parse(builder.bytes, name: "Old")
        #expect(zone.offset(at: -101) == 3_600)
        #expect(zone.offset(at: -100) == 7_200)
        #expect(zone.offset(at: 999) == 7_200)
        #expect(zone.offset(at: 1_000) == 3_600)
        #expect(zone.offset(at: Int64.max / 2) == 3_600)
        #expect(zone.footer == nil)
    }

    @Test func anEmptyFooterKeepsTheLastOffset() throws {
        let builder = TZifBuilder(transitions: [0], indices: [0], types: [(3_600, 0, 0)], footer: "")
        let zone = try TimeZoneFile.parse(builder.bytes, name: "Test")
        #expect(zone.footer == nil)
        #expect(zone.offset(at: 4_000_000_000) == 3_600)
    }

    @Test func theSystemFilesParseAndEveryTruncationIsRefused() throws {
        let path = "/usr/share/zoneinfo/Europe/Berlin"
        guard case .bytes(let bytes) = LocalFiles().read(path, limit: TimeZoneFile.maximumSize) else {
            Issue.record("cannot read \(path); is tzdata installed?")
            return
        }
        _ = try TimeZoneFile.parse(bytes, name: "Europe/Berlin")
        for length in 0..<bytes.count {
            #expect(throws: TimeZoneError.self, "length \(length)") {
                try TimeZoneFile.parse(Array(bytes[0..<length]), name: "cut")
            }
        }
    }

    static func malformed() -> [(String, [UInt8])] {
        let good = TZifBuilder(transitions: [10, 20], indices: [1, 0], types: [(0, 0, 0), (3_600, 1, 0)])
        var badVersion = good.bytes
        badVersion[4] = UInt8(ascii: "1")
        var noTypes = good
        noTypes.types = []
        noTypes.indices = []
        noTypes.transitions = []
        var noDesignations = good
        noDesignations.designations = []
        var badIndex = good
        badIndex.indices = [1, 2]
        var descending = good
        descending.transitions = [20, 10]
        var leap = good
        leap.leapCount = 1
        var standardCount = good
        standardCount.standardCount = 1
        var hugeOffset = good
        hugeOffset.types = [(0, 0, 0), (Int32.min, 0, 0)]
        var badFlag = good
        badFlag.types = [(0, 0, 0), (3_600, 2, 0)]
        var badDesignation = good
        badDesignation.types = [(0, 0, 0), (3_600, 1, 9)]
        var badFooter = good
        badFooter.footer = "CET-1CEST,M3.5.0"
        var footerWithoutNewline = good.bytes
        footerWithoutNewline[footerWithoutNewline.count - 2 - good.footer.utf8.count] = UInt8(ascii: "x")
        var hugeCounts = good.bytes
        hugeCounts.replaceSubrange(32..<36, with: [0xFF, 0xFF, 0xFF, 0xFF])
        return [
            ("", []),
            ("not a TZif file (no 'TZif' magic)", Array("TZXX".utf8) + [UInt8](repeating: 0, count: 60)),
            ("unsupported TZif version byte 49", badVersion),
            ("the file has no local time types", noTypes.bytes),
            ("the file has no time zone designations", noDesignations.bytes),
            ("a transition names local time type 2 of 2", badIndex.bytes),
            ("transition times are not in ascending order", descending.bytes),
            ("leap-second zone files ('right/...') are not supported", leap.bytes),
            ("the standard/UT indicator counts do not match the type count", standardCount.bytes),
            ("UTC offset -2147483648 s is out of range", hugeOffset.bytes),
            ("a local time type is malformed", badFlag.bytes),
            ("a local time type is malformed", badDesignation.bytes),
            ("bad POSIX TZ rule 'CET-1CEST,M3.5.0' at character 17: expected ',' but the rule ends", badFooter.bytes),
            ("the TZ string footer does not start with a newline", footerWithoutNewline),
            ("the file is truncated", hugeCounts),
        ]
    }

    @Test func malformedFilesAreRefusedWithAReason() {
        for (message, bytes) in Self.malformed() {
            do {
                _ = try TimeZoneFile.parse(bytes, name: "bad")
                Issue.record("accepted: \(message)")
            } catch {
                if message.isEmpty {
                    #expect(error.message == "the file is truncated")
                } else {
                    #expect(error.message == message)
                }
            }
        }
    }

    static let badRules: [(String, String)] = [
        ("", "expected a zone name of at least 3 letters"),
        ("AB5", "expected a zone name of at least 3 letters"),
        ("EST", "expected a standard offset of 0 to 24 hours"),
        ("EST25", "expected a standard offset of 0 to 24 hours"),
        ("EST5:60", "expected minutes or seconds 00 to 59 in the standard offset"),
        ("<+1>-1", "a quoted zone name needs at least 3 characters"),
        ("<+0100-1", "expected '>' but the rule ends"),
        ("EST5EDT,M13.1.0,M11.1.0", "expected a month 1 to 12 after 'M'"),
        ("EST5EDT,M3.6.0,M11.1.0", "expected a week 1 to 5"),
        ("EST5EDT,M3.2.7,M11.1.0", "expected a weekday 0 to 6"),
        ("EST5EDT,M3.2,M11.1.0", "expected '.'"),
        ("EST5EDT,J0,J300", "expected a day 1 to 365 after 'J'"),
        ("EST5EDT,366,300", "expected a rule date (Jn, n or Mm.w.d)"),
        ("EST5EDT,M3.2.0/168,M11.1.0", "expected a rule time of 0 to 167 hours"),
        ("EST5EDT,M3.2.0", "expected ',' but the rule ends"),
        ("EST5EDT,M3.2.0,M11.1.0x", "unexpected 'x'"),
        ("EST5EDT4x", "expected ','"),
    ]

    @Test func malformedPOSIXRulesAreRefused() {
        for (rule, reason) in Self.badRules {
            do {
                _ = try TimeZonePOSIXRule.parse(rule)
                Issue.record("accepted '\(rule)'")
            } catch {
                #expect(error.message.hasPrefix("bad POSIX TZ rule '\(rule)' at character "), "\(rule)")
                #expect(error.message.hasSuffix(": " + reason), "\(rule): \(error.message)")
            }
        }
    }

    @Test func aZoneInfoDirectoryCanBeSwappedForTests() throws {
        let directory = try TemporaryDirectory(prefix: "edgeflow-tz")
        try #require(mkdir(directory.file("Test"), 0o755) == 0)
        let zone = TZifBuilder(types: [(32_400, 0, 0)], footer: "JST-9")
        try write(zone.bytes, to: directory.file("Test/Tokyo"))
        let schedule = try CronSchedule("0 3 * * *", timeZone: "Test/Tokyo", zoneInfoDirectory: directory.path)
        #expect(cronFirings(schedule, after: cronInstant("2026-01-01T00:00:00Z"), count: 1) == ["2026-01-01T18:00:00Z"])

        try write([UInt8](repeating: 0, count: TimeZoneFile.maximumSize + 1), to: directory.file("Test/Huge"))
        let huge = cronError("0 0 * * *", timeZone: "Test/Huge", directory: directory.path)
        #expect(huge?.message == "cannot read time zone file \(directory.path)/Test/Huge: larger than 1048576 bytes")
        let unknown = cronError("0 0 * * *", timeZone: "Test/Tokio", directory: directory.path)
        #expect(unknown?.message == "unknown time zone 'Test/Tokio'")
        #expect(unknown?.hint == "did you mean 'Test/Tokyo'?")
    }

    /// The flow language reads zone files only through the injected `FileSource`: a zone that
    /// exists nowhere on disk works when the source serves it, and a suggestion comes from
    /// listing the source, not the disk.
    @Test func zoneFilesAreReadThroughTheInjectedFileSource() throws {
        let zone = TZifBuilder(types: [(32_400, 0, 0)], footer: "JST-9")
        let files = MemoryFiles(["/usr/share/zoneinfo/Mars/Olympus": zone.bytes])
        let schedule = try CronSchedule("0 3 * * *", timeZone: "Mars/Olympus", files: files)
        #expect(cronFirings(schedule, after: cronInstant("2026-01-01T00:00:00Z"), count: 1) == ["2026-01-01T18:00:00Z"])
        do {
            _ = try CronSchedule("0 3 * * *", timeZone: "Mars/Olympos", files: files)
            Issue.record("an unknown zone compiled")
        } catch {
            #expect(error.message == "unknown time zone 'Mars/Olympos'")
            #expect(error.hint == "did you mean 'Mars/Olympus'?")
        }
    }

    private func write(_ bytes: [UInt8], to path: String) throws {
        let handle = try #require(fopen(path, "wb"))
        defer { fclose(handle) }
        #expect(fwrite(bytes, 1, bytes.count, handle) == bytes.count)
    }
}

/// An in-memory file tree for `FileSource` users.
struct MemoryFiles: FileSource {
    let files: [String: [UInt8]]

    init(_ files: [String: [UInt8]]) { self.files = files }

    func read(_ path: String, limit: Int) -> FileLookup {
        if let bytes = files[path] { return bytes.count <= limit ? .bytes(bytes) : .failed("larger than \(limit) bytes") }
        return isDirectory(path) ? .directory : .missing
    }

    func isDirectory(_ path: String) -> Bool {
        files.keys.contains { $0.hasPrefix(path + "/") }
    }

    func entries(_ path: String, limit: Int) -> [(name: String, isDirectory: Bool)] {
        var seen: [String: Bool] = [:]
        for key in files.keys where key.hasPrefix(path + "/") {
            let rest = key.dropFirst(path.count + 1).split(separator: "/")
            guard let first = rest.first else { continue }
            seen[String(first)] = rest.count > 1
        }
        return seen.sorted { $0.key < $1.key }.prefix(limit).map { ($0.key, $0.value) }
    }
}
