import EdgeCore
import XCTest

/// Durations and sizes as config files write them. (XCTest, so both of swift test's runners
/// report executed tests.)
final class QuantityXCTests: XCTestCase {
    func testDurationsNeedAUnitAndParseEveryUnit() {
        XCTAssertEqual(Quantity.parseDuration("500ms"), 500_000_000)
        XCTAssertEqual(Quantity.parseDuration("1.5s"), 1_500_000_000)
        XCTAssertEqual(Quantity.parseDuration("2m"), 120_000_000_000)
        XCTAssertEqual(Quantity.parseDuration(" 1h "), 3_600_000_000_000)
        XCTAssertEqual(Quantity.parseDuration("250us"), 250_000)
        XCTAssertNil(Quantity.parseDuration("10"))
        XCTAssertNil(Quantity.parseDuration("10 minutes"))
        XCTAssertNil(Quantity.parseDuration("1.s"))
        XCTAssertNil(Quantity.parseDuration("-5s"))
        XCTAssertNil(Quantity.parseDuration("99999999999d"))
    }

    func testSizesParseBinaryAndDecimalUnits() {
        XCTAssertEqual(Quantity.parseSize("64MiB"), 64 << 20)
        XCTAssertEqual(Quantity.parseSize("10kB"), 10_000)
        XCTAssertEqual(Quantity.parseSize("512B"), 512)
        XCTAssertNil(Quantity.parseSize("64M"))
        XCTAssertNil(Quantity.parseSize("MiB"))
    }

    func testFormattingPicksTheLargestExactUnit() {
        XCTAssertEqual(Quantity.formatDuration(10_000_000_000), "10s")
        XCTAssertEqual(Quantity.formatDuration(1_500_000_000), "1500ms")
        XCTAssertEqual(Quantity.formatDuration(86_400_000_000_000), "1d")
        XCTAssertEqual(Quantity.formatSize(256 << 20), "256MiB")
        XCTAssertEqual(Quantity.formatSize(1000), "1000B")
        XCTAssertEqual(Quantity.nanoseconds(.milliseconds(250)), 250_000_000)
    }
}
