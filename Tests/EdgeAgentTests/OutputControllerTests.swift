@testable import EdgeAgent
import EdgeConfig
import EdgeCore
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

final class DriveLog: Sendable {
    let entries = Mutex<[String]>([])
    func record(_ o: OutputConfig, _ v: Double) { entries.withLock { $0.append("\(o.id)=\(JSONValue.formatNumber(v))") } }
    var all: [String] { entries.withLock { $0 } }
}

struct OutputControllerTests {
    let alarm = OutputConfig(
        id: "alarm", target: .gpio(line: "GPIO27", chipLabel: "sim", offset: 27, activeLow: false), safeValue: 0,
        minimum: 0, maximum: 1, minHoldNanoseconds: 2_000_000_000)
    let setpoint = OutputConfig(
        id: "setpoint", target: .modbus(device: "plc", point: "sp"), safeValue: 20, minimum: 10, maximum: 60, maxStep: 5,
        minHoldNanoseconds: 0)

    func make() -> (OutputController, ManualClock, DriveLog) {
        let clock = ManualClock()
        let log = DriveLog()
        let controller = OutputController(outputs: [alarm, setpoint], clock: clock) { log.record($0, $1) }
        return (controller, clock, log)
    }

    @Test func startAndShutdownDriveTheSafeValue() {
        let (c, _, log) = make()
        c.driveAllSafe()
        #expect(log.all == ["alarm=0", "setpoint=20"])
        #expect(c.values["alarm"] == 0)
    }

    @Test func valuesOutsideTheEnvelopeAreRefusedAndCounted() {
        let (c, _, log) = make()
        #expect(throws: OutputController.Refusal.self) { try c.write(id: "alarm", value: 5) }
        #expect(throws: OutputController.Refusal.self) { try c.write(id: "alarm", value: 0.5) }
        #expect(throws: OutputController.Refusal.self) { try c.write(id: "setpoint", value: .nan) }
        #expect(throws: OutputController.Refusal.self) { try c.write(id: "nope", value: 1) }
        #expect(log.all.isEmpty)
        #expect(c.refusals["alarm"] == 2)
    }

    @Test func aRegisterMovesAtMostMaxStepPerWriteButMayAlwaysReturnToSafe() throws {
        let (c, _, log) = make()
        try c.write(id: "setpoint", value: 25)
        do {
            try c.write(id: "setpoint", value: 40)
            Issue.record("a step of 15 must be refused")
        } catch {
            #expect(error.rule == "step")
        }
        try c.write(id: "setpoint", value: 30)
        try c.write(id: "setpoint", value: 20)
        #expect(throws: OutputController.Refusal.self) { try c.write(id: "setpoint", value: 61) }
        #expect(log.all == ["setpoint=25", "setpoint=30", "setpoint=20"])
    }

    @Test func minimumHoldRefusesChatterButNotTheSafeValue() throws {
        let (c, clock, log) = make()
        try c.write(id: "alarm", value: 1)
        try c.write(id: "alarm", value: 0)  // back to safe: always allowed
        do {
            try c.write(id: "alarm", value: 1)
            Issue.record("a change within min_hold must be refused")
        } catch {
            #expect(error.rule == "min-hold")
        }
        clock.advance(nanoseconds: 2_000_000_000)
        try c.write(id: "alarm", value: 1)
        #expect(log.all == ["alarm=1", "alarm=0", "alarm=1"])
    }

    @Test func heldValuesReturnToSafeWhenTheHoldExpiresAndRetriggerExtendsIt() throws {
        let (c, clock, log) = make()
        try c.write(id: "alarm", value: 1, holdNanoseconds: 5_000_000_000)
        clock.advance(nanoseconds: 4_000_000_000)
        try c.write(id: "alarm", value: 1, holdNanoseconds: 5_000_000_000)
        clock.advance(nanoseconds: 4_000_000_000)
        #expect(c.tick() != nil)
        #expect(c.values["alarm"] == 1)
        clock.advance(nanoseconds: 1_000_000_000)
        #expect(c.tick() == nil)
        #expect(c.values["alarm"] == 0)
        #expect(log.all == ["alarm=1", "alarm=0"])
    }
}

struct WebhookActionTests {
    @Test func configMistakesAreNamedByField() {
        let problems = WebhookAction.validate([
            "url": "ftp://x", "method": "FETCH", "headers": ["X-A": 1], "timeoutSeconds": 0, "auth": ["type": "digest"],
            "bodyy": "x",
        ])
        let paths = Set(problems.map(\.path))
        #expect(paths == ["url", "method", "headers.X-A", "timeoutSeconds", "auth.type", "bodyy"])
        #expect(WebhookAction.validate(["method": "POST"]).map(\.path) == ["url"])
        #expect(WebhookAction.validate(["url": "https://example.invalid/x"]).isEmpty)
    }

    @Test func withoutABodyTemplateTheInputIsForwardedAsJSON() throws {
        let request = try WebhookAction.request(config: ["url": "http://127.0.0.1:9/x"], input: ["temp": 81.5])
        #expect(request.method == "POST")
        #expect(String(decoding: request.body, as: UTF8.self) == #"{"temp":81.5}"#)
        #expect(request.headers.contains { $0.name == "Content-Type" && $0.value == "application/json" })
        #expect(request.timeoutMilliseconds == 10_000)
    }

    @Test func bearerTokenComesFromItsFileAndAMissingFileFails() throws {
        let path = "/tmp/edgeflow-token-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = "s3cret\n".withCString { write(fd, $0, 7) }
        close(fd)
        defer { unlink(path) }
        let ok = try WebhookAction.request(
            config: ["url": "http://127.0.0.1:9/", "auth": ["type": "bearer", "tokenFile": .string(path)]], input: nil)
        #expect(ok.headers.contains { $0.name == "Authorization" && $0.value == "Bearer s3cret" })
        #expect(throws: ActionFailureInfo.self) {
            _ = try WebhookAction.request(
                config: ["url": "http://x/", "auth": ["type": "bearer", "tokenFile": "/nonexistent/token"]], input: nil)
        }
    }

    @Test func basicAuthIsBase64Encoded() {
        #expect(WebhookAction.base64(Array("user:pass".utf8)) == "dXNlcjpwYXNz")
        #expect(WebhookAction.base64(Array("a".utf8)) == "YQ==")
        #expect(WebhookAction.base64(Array("ab".utf8)) == "YWI=")
    }
}
