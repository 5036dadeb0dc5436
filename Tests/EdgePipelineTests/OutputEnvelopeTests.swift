import EdgeConfig
import EdgeCore
import EdgePipeline
import Testing

/// The envelope rules added for relays and stepped setpoints: allowed values and the change rate.
@Suite struct OutputEnvelopeTests {
    let relay = OutputConfig(
        id: "relay", target: .gpio(line: "GPIO27", chipLabel: "sim", offset: 27, activeLow: false), safeValue: 0,
        minimum: 0, maximum: 1, minHoldNanoseconds: 0, maxChanges: (count: 3, windowNanoseconds: 60_000_000_000))
    let fan = OutputConfig(
        id: "fan", target: .modbus(device: "vfd", point: "speed"), safeValue: 0, minimum: 0, maximum: 100,
        minHoldNanoseconds: 0, allowedValues: [0, 40, 70, 100])

    func make() -> (OutputController, ManualClock, RecordingDriver) {
        let clock = ManualClock()
        let driver = RecordingDriver()
        let controller = OutputController(
            outputs: [relay, fan], drivers: ["relay": driver, "fan": driver], clock: clock, logger: quietLogger)
        // Started as the agent starts them: safe values confirmed, so other values are allowed.
        controller.driveAllSafe()
        driver.log.clear()
        return (controller, clock, driver)
    }

    func write(_ c: OutputController, _ id: String, _ value: Double) throws(OutputController.Refusal) {
        try c.write(id: id, value: value) { _ in }
    }

    @Test func aRelayChangesAtMostMaxRateTimesPerWindowButMayAlwaysGoSafe() throws {
        let (c, clock, driver) = make()
        try write(c, "relay", 1)
        try write(c, "relay", 0)
        try write(c, "relay", 1)  // three changes within the minute
        try write(c, "relay", 0)  // the safe value is always allowed
        clock.advance(nanoseconds: 10_000_000_000)
        do {
            try write(c, "relay", 1)
            Issue.record("a fifth change within a minute must be refused")
        } catch {
            #expect(error.rule == "rate")
            // The oldest of the three changes was 10 s ago: it leaves the 60 s window in 50 s.
            #expect(error.message == "'relay' may change at most 3 times per 1m; next change allowed in 50 s")
        }
        // The first change leaves the window 60 s after it was made.
        clock.advance(nanoseconds: 50_000_000_000)
        try write(c, "relay", 1)
        #expect(driver.log.all == ["relay=1", "relay=0", "relay=1", "relay=0", "relay=1"])
        #expect(c.refusals["relay"] == 1)
    }

    @Test func aSteppedOutputTakesOnlyItsAllowedValues() throws {
        let (c, _, driver) = make()
        try write(c, "fan", 70)
        do {
            try write(c, "fan", 55)
            Issue.record("55 is in range but not an allowed step")
        } catch {
            #expect(error.rule == "allowed")
            #expect(error.message == "55 is not one of the allowed values of 'fan' (0, 40, 70, 100)")
        }
        #expect(driver.log.all == ["fan=70"])
    }
}
