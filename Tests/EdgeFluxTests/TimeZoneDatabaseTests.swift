@testable import EdgeFlux
import Glibc
import Testing

/// A UTC offset the system's tzdata gives at an instant.
struct ZoneOffsetCase: CustomTestStringConvertible, Sendable {
    var zone: String
    var instant: String
    var offset: Int32

    init(_ zone: String, _ instant: String, _ offset: Int32) {
        self.zone = zone
        self.instant = instant
        self.offset = offset
    }

    var testDescription: String { "\(zone) at \(instant)" }
}

@Suite struct TimeZoneDatabaseTests {
    /// Computed offline with python3's zoneinfo over the same /usr/share/zoneinfo (2025b).
    static let offsetCases: [ZoneOffsetCase] = [
        ZoneOffsetCase("Europe/Berlin", "1900-01-01T00:00:00Z", 3_600),
        ZoneOffsetCase("Europe/Berlin", "1945-06-01T00:00:00Z", 10_800),
        ZoneOffsetCase("Europe/Berlin", "2026-03-29T00:59:59Z", 3_600),
        ZoneOffsetCase("Europe/Berlin", "2026-03-29T01:00:00Z", 7_200),
        ZoneOffsetCase("Europe/Berlin", "2026-10-25T00:59:59Z", 7_200),
        ZoneOffsetCase("Europe/Berlin", "2026-10-25T01:00:00Z", 3_600),
        ZoneOffsetCase("Europe/Berlin", "2037-07-01T00:00:00Z", 7_200),
        ZoneOffsetCase("Europe/Berlin", "2050-07-01T00:00:00Z", 7_200),
        ZoneOffsetCase("Europe/Berlin", "2050-12-01T00:00:00Z", 3_600),
        ZoneOffsetCase("Europe/Berlin", "2400-07-01T00:00:00Z", 7_200),
        ZoneOffsetCase("America/New_York", "1800-01-01T00:00:00Z", -17_762),
        ZoneOffsetCase("America/New_York", "2026-03-08T06:59:59Z", -18_000),
        ZoneOffsetCase("America/New_York", "2026-03-08T07:00:00Z", -14_400),
        ZoneOffsetCase("America/New_York", "2026-11-01T05:59:59Z", -14_400),
        ZoneOffsetCase("America/New_York", "2026-11-01T06:00:00Z", -18_000),
        ZoneOffsetCase("America/New_York", "2099-07-01T00:00:00Z", -14_400),
        ZoneOffsetCase("Asia/Tokyo", "1880-01-01T00:00:00Z", 33_539),
        ZoneOffsetCase("Asia/Tokyo", "1949-07-01T00:00:00Z", 36_000),
        ZoneOffsetCase("Asia/Tokyo", "2026-07-01T00:00:00Z", 32_400),
        ZoneOffsetCase("Asia/Tokyo", "3000-01-01T00:00:00Z", 32_400),
        ZoneOffsetCase("Australia/Sydney", "2026-01-01T00:00:00Z", 39_600),
        ZoneOffsetCase("Australia/Sydney", "2026-07-01T00:00:00Z", 36_000),
        ZoneOffsetCase("Australia/Sydney", "2060-01-01T00:00:00Z", 39_600),
        ZoneOffsetCase("America/Nuuk", "2026-03-29T00:59:59Z", -7_200),
        ZoneOffsetCase("America/Nuuk", "2026-03-29T01:00:00Z", -3_600),
        ZoneOffsetCase("America/Nuuk", "2026-10-25T00:59:59Z", -3_600),
        ZoneOffsetCase("America/Nuuk", "2026-10-25T01:00:00Z", -7_200),
        ZoneOffsetCase("America/Nuuk", "2060-07-01T00:00:00Z", -3_600),
        ZoneOffsetCase("Asia/Kolkata", "2026-01-01T00:00:00Z", 19_800),
        ZoneOffsetCase("Pacific/Chatham", "2026-01-01T00:00:00Z", 49_500),
        ZoneOffsetCase("Pacific/Chatham", "2026-07-01T00:00:00Z", 45_900),
    ]

    @Test(arguments: offsetCases)
    func offsetsMatchTheSystemTimeZoneDatabase(_ row: ZoneOffsetCase) throws {
        let zone = try TimeZoneDatabase.load(row.zone)
        #expect(zone.offset(at: cronInstant(row.instant) / 1_000) == row.offset)
    }

    @Test func periodsTileTimeWithoutGapsOrOverlaps() throws {
        for name in ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Nuuk", "UTC"] {
            let zone = try TimeZoneDatabase.load(name)
            var instant = cronInstant("2030-01-01T00:00:00Z") / 1_000
            for _ in 0..<60 {  // 2030 is in the tables, 2040s come from the footers
                let period = zone.period(containing: instant)
                #expect(period.start <= instant && instant < period.end, "\(name)")
                guard period.end != .max else { break }
                #expect(zone.period(containing: period.end).start == period.end, "\(name)")
                instant = period.end
            }
        }
    }

    static let builtIns: [(String, Int32?)] = [
        ("UTC", 0), ("Etc/UTC", 0), ("GMT", 0), ("Etc/Zulu", 0), ("Etc/GMT-0", 0),
        ("Etc/GMT-9", 32_400), ("Etc/GMT+5", -18_000), ("Etc/GMT-14", 50_400), ("Etc/GMT+12", -43_200),
        ("+09:00", 32_400), ("-05:30", -19_800), ("+0545", 20_700), ("+09", 32_400), ("-00:00", 0),
        ("UTC+9", 32_400), ("UTC-03:30", -12_600), ("UTC+5:45", 20_700), ("UTC+0900", 32_400), ("+18:00", 64_800),
        ("+9", nil), ("+19:00", nil), ("+18:01", nil), ("UTC+9x", nil), ("+09:60", nil), ("+0900x", nil),
        ("UTC+", nil), ("+", nil), ("UTC+930", nil), ("Etc/GMT-15", nil), ("Etc/GMT+13", nil), ("Etc/GMT*3", nil),
        ("Asia/Tokyo", nil), ("utc", nil),
    ]

    @Test func builtInNamesAndOffsetsNeedNoFiles() {
        for (name, offset) in Self.builtIns {
            #expect(TimeZoneDatabase.builtInOffset(name) == offset, "\(name)")
        }
    }

    @Test func unknownZonesGetAnErrorWithASuggestion() {
        let cases: [(name: String, message: String, hint: String)] = [
            ("Asia/Tokio", "unknown time zone 'Asia/Tokio'", "did you mean 'Asia/Tokyo'?"),
            ("asia/tokyo", "unknown time zone 'asia/tokyo'", "did you mean 'Asia/Tokyo'?"),
            ("Tokyo", "unknown time zone 'Tokyo'", "did you mean 'Asia/Tokyo'?"),
            ("Europe/Berln", "unknown time zone 'Europe/Berln'", "did you mean 'Europe/Berlin'?"),
            ("America/New York", "'America/New York' is not a valid time zone name",
                "did you mean 'America/New_York'?"),
            ("Mars/Olympus_Mons", "unknown time zone 'Mars/Olympus_Mons'", TimeZoneDatabase.genericHint),
            ("../../etc/passwd", "'../../etc/passwd' is not a valid time zone name", TimeZoneDatabase.genericHint),
            ("/etc/localtime", "'/etc/localtime' is not a valid time zone name", TimeZoneDatabase.genericHint),
            ("Asia//Tokyo", "'Asia//Tokyo' is not a valid time zone name", "did you mean 'Asia/Tokyo'?"),
            ("", "the time zone name is empty", TimeZoneDatabase.genericHint),
        ]
        for row in cases {
            let error = cronError("0 0 * * *", timeZone: row.name)
            #expect(error?.column == 0, "\(row.name)")
            #expect(error?.message == row.message, "\(row.name)")
            #expect(error?.hint == row.hint, "\(row.name)")
        }
    }

    @Test func aRegionFolderIsNotAZone() {
        let error = cronError("0 0 * * *", timeZone: "America")
        #expect(error?.message == "'America' is a region, not a time zone")
        #expect(error?.hint?.hasPrefix("name a zone inside it, such as 'America/") == true)
    }

    @Test func leapSecondZonesAreRefused() {
        let error = cronError("0 0 * * *", timeZone: "right/Europe/Berlin")
        #expect(error?.column == 0)
        #expect(
            error?.message == "time zone file /usr/share/zoneinfo/right/Europe/Berlin is malformed: "
                + "leap-second zone files ('right/...') are not supported")
        #expect(error?.hint == "use the zone name without the 'right/' prefix")
    }

    @Test func nonZoneFilesAreRefused() {
        let error = cronError("0 0 * * *", timeZone: "zone1970.tab")
        #expect(
            error?.message == "time zone file /usr/share/zoneinfo/zone1970.tab is malformed: not a TZif file "
                + "(no 'TZif' magic)")
    }
}
