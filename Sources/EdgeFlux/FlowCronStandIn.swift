// TEMPORARY: a stand-in for `CronSchedule` (Sources/EdgeFlux/Cron*.swift, written in parallel)
// so the flow runtime builds before it lands. It reads only `M H * * *` with numbers or `*`
// for minute and hour, in UTC. Remove this file and point the aliases at `CronSchedule` and
// `CronError` when those exist.

/// The cron schedule type the flow runtime uses.
typealias FlowCronSchedule = FlowCronStandIn
/// The cron error type the flow runtime uses.
typealias FlowCronError = FlowCronStandInError

struct FlowCronStandInError: Error {
    var message: String
    var column: Int
    var hint: String?
}

struct FlowCronStandIn: Sendable {
    let minute: Int?
    let hour: Int?

    init(_ expression: String, timeZone: String) throws(FlowCronStandInError) {
        guard timeZone == "UTC" else {
            throw FlowCronStandInError(message: "unknown time zone '\(timeZone)'", column: 1, hint: nil)
        }
        let fields = expression.split(separator: " ").map(String.init)
        guard fields.count == 5, fields[2...].allSatisfy({ $0 == "*" }) else {
            throw FlowCronStandInError(message: "unsupported cron expression", column: 1, hint: nil)
        }
        func value(_ text: String, _ limit: Int) -> Int?? {
            if text == "*" { return .some(nil) }
            guard let v = Int(text), v >= 0, v < limit else { return nil }
            return .some(v)
        }
        guard let m = value(fields[0], 60), let h = value(fields[1], 24) else {
            throw FlowCronStandInError(message: "bad minute or hour", column: 1, hint: nil)
        }
        minute = m
        hour = h
    }

    func next(afterUnixMilliseconds ms: Int64) -> Int64? {
        var minuteStart = (ms / 60_000 + 1) * 60_000
        for _ in 0..<(60 * 24 + 1) {
            let minuteOfDay = Int((minuteStart / 60_000) % 1440)
            if (minute == nil || minuteOfDay % 60 == minute) && (hour == nil || minuteOfDay / 60 == hour) {
                return minuteStart
            }
            minuteStart += 60_000
        }
        return nil
    }
}
