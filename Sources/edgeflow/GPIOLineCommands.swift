import ArgumentParser
import EdgeCore
import EdgeFlux
import EdgeGPIO

#if canImport(Glibc)
    import Glibc
#endif

/// `edgeflow gpio get`.
struct GPIOGetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Read the level of one or more lines once.",
        discussion: "Example: edgeflow gpio get GPIO17 GPIO22 --board rpi4b --bias pull-up")

    @OptionGroup var boardOptions: GPIOBoardOptions

    @Argument(help: "Lines to read.")
    var lines: [String]

    @Option(help: ArgumentHelp("Bias while reading.", valueName: "as-is|pull-up|pull-down|disabled"))
    var bias = "as-is"

    @Flag(help: "Report logical levels of active-low lines (1 = asserted low).")
    var activeLow = false

    @Flag(help: "Print one JSON object instead of NAME=VALUE lines.")
    var json = false

    func validate() throws {
        if lines.isEmpty { throw ValidationError("name at least one line") }
        try checkBias(bias)
    }

    func run() throws {
        let locator = try boardOptions.locator()
        let addresses = try onGPIO { () throws(GPIOError) in try lines.map { name throws(GPIOError) in try locator.resolve(name) } }
        var values: [String: Int] = [:]
        for group in byChip(addresses) {
            let read = try onGPIO { () throws(GPIOError) -> [Int] in
                let chip = try GPIOChip(path: group.path)
                let request = try GPIOLineRequest.inputs(
                    chip: chip, consumer: "edgeflow-get",
                    lines: group.lines.map { GPIOInputRequest(offset: $0.offset, edge: "none", bias: bias, activeLow: activeLow) },
                    what: group.lines.map(\.spelled).joined(separator: ", "))
                return try request.values()
            }
            for (address, value) in zip(group.lines, read) { values[address.spelled] = value }
        }
        if json {
            print(JSONValue.object(JSONObject(lines.map { ($0, JSONValue.number(Double(values[$0] ?? 0))) })).compactJSON)
        } else {
            for line in lines { print("\(line)=\(values[line] ?? 0)") }
        }
    }
}

/// `edgeflow gpio watch`.
struct GPIOWatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Print timestamped edges of lines until Ctrl-C, --count or --for.",
        discussion: """
            Timestamps are the kernel's, taken when the edge happened. Debounce uses the kernel's on the \
            libgpiod v2 API and the agent's software debouncer on v1.
            Example: edgeflow gpio watch GPIO17 --board rpi4b --bias pull-up --debounce 20ms --count 10
            """)

    @OptionGroup var boardOptions: GPIOBoardOptions

    @Argument(help: "Lines to watch (on one chip).")
    var lines: [String]

    @Option(help: ArgumentHelp("Which edges to print.", valueName: "rising|falling|both"))
    var edge = "both"

    @Option(help: ArgumentHelp("Bias while watching.", valueName: "as-is|pull-up|pull-down|disabled"))
    var bias = "as-is"

    @Flag(help: "Treat the lines as active-low.")
    var activeLow = false

    @Option(help: ArgumentHelp("Ignore bounces shorter than this (20ms).", valueName: "duration"), transform: CLIDuration.parse)
    var debounce: Duration?

    @Option(help: "Stop after this many edges.")
    var count: Int?

    @Option(
        name: .customLong("for"), help: ArgumentHelp("Stop after this long (30s).", valueName: "duration"),
        transform: CLIDuration.parse)
    var duration: Duration?

    @Flag(help: "Print one JSON object per edge.")
    var json = false

    func validate() throws {
        if lines.isEmpty { throw ValidationError("name at least one line") }
        guard ["rising", "falling", "both"].contains(edge) else {
            throw ValidationError("--edge '\(edge)' is not one of rising, falling, both")
        }
        try checkBias(bias)
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        if let debounce { _ = try CLIDuration.check(debounce, option: "--debounce", within: .zero ... .seconds(1)) }
    }

    func run() throws {
        let locator = try boardOptions.locator()
        let addresses = try onGPIO { () throws(GPIOError) in try lines.map { name throws(GPIOError) in try locator.resolve(name) } }
        let groups = byChip(addresses)
        guard groups.count == 1, let group = groups.first else {
            throw ValidationError("watch lines of one chip at a time (these are on \(groups.map(\.path).joined(separator: ", ")))")
        }
        let debounceNs = debounce.map(Quantity.nanoseconds) ?? 0
        let clock = SystemClock()
        let deadline = duration.map { clock.monotonicNanoseconds() + Quantity.nanoseconds($0) }
        let stop = StopSignals.install()
        let json = json
        let seen = try onGPIO { () throws(GPIOError) -> Int in
            let chip = try GPIOChip(path: group.path)
            var watcher = try GPIOWatcher(
                chip: chip, offsets: group.lines.map(\.offset), names: group.lines.map(\.spelled), edge: edge, bias: bias,
                activeLow: activeLow, debounceNanoseconds: debounceNs)
            let levels = try watcher.levels()
            if !json {
                let now = zip(group.lines, levels).map { "\($0.spelled)=\($1)" }.joined(separator: " ")
                print("watching \(now) on \(chip.name) [\(chip.label)]; Ctrl-C stops")
                fflush(nil)
            }
            return try watcher.watch(count: count, deadline: deadline, stopDescriptor: stop) { edge in
                let time = UTCDate.format(edge.wallNanoseconds / 1_000_000) ?? "\(edge.wallNanoseconds)"
                if json {
                    print(
                        JSONValue.object(
                            JSONObject([
                                ("time", .string(time)), ("kernelNanoseconds", .number(Double(edge.kernelNanoseconds))),
                                ("line", .string(edge.line)), ("edge", .string(edge.rising ? "rising" : "falling")),
                                ("value", .number(edge.rising ? 1 : 0)), ("events", .number(Double(edge.events))),
                            ])
                        ).compactJSON)
                } else {
                    print("\(time)  \(pad(edge.line, 10)) \(pad(edge.rising ? "rising" : "falling", 8)) \(edge.rising ? 1 : 0)")
                }
                fflush(nil)
            }
        }
        if !json { printError("\(seen) edge\(seen == 1 ? "" : "s")") }
    }
}

/// `edgeflow gpio set`.
struct GPIOSetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Drive a line to 0 or 1 and hold it until Ctrl-C or for --hold.",
        discussion: """
            The line is released when the command ends; what it does then depends on the chip (a \
            Raspberry Pi keeps the level). A line the running agent owns is refused by the kernel as in use.
            Example: edgeflow gpio set GPIO27 1 --board rpi4b --hold 2s
            """)

    @OptionGroup var boardOptions: GPIOBoardOptions

    @Argument(help: "The line.")
    var line: String

    @Argument(help: "0 or 1.")
    var value: Int

    @Option(
        help: ArgumentHelp("Hold this long, then release (2s); default: until Ctrl-C.", valueName: "duration"),
        transform: CLIDuration.parse)
    var hold: Duration?

    @Flag(help: "The line is active-low (1 drives it low).")
    var activeLow = false

    @Flag(help: "Print one JSON object when the value is on the line.")
    var json = false

    func validate() throws {
        guard value == 0 || value == 1 else { throw ValidationError("the value must be 0 or 1, not \(value)") }
    }

    func run() throws {
        let locator = try boardOptions.locator()
        let address = try onGPIO { () throws(GPIOError) in try locator.resolve(line) }
        let holdNs = hold.map(Quantity.nanoseconds)
        let stop = StopSignals.install()
        let request = try onGPIO { () throws(GPIOError) -> GPIOLineRequest in
            let chip = try GPIOChip(path: address.chipPath)
            return try GPIOLineRequest.outputs(
                chip: chip, consumer: "edgeflow-set", lines: [(address.offset, activeLow, value)], what: line)
        }
        if json {
            print(
                JSONValue.object(
                    JSONObject([
                        ("line", .string(line)), ("chip", .string(address.chipPath)), ("offset", .number(Double(address.offset))),
                        ("value", .number(Double(value))),
                    ])
                ).compactJSON)
        } else {
            print("\(line) = \(value) (\(address.chipPath) line \(address.offset)); \(holdNs.map { "holding \(Quantity.formatDuration($0))" } ?? "holding until Ctrl-C")")
        }
        fflush(nil)
        var fds = [pollfd(fd: stop, events: Int16(POLLIN), revents: 0)]
        let timeout: Int32 = holdNs.map { Int32(clamping: $0 / 1_000_000) } ?? -1
        while poll(&fds, 1, timeout) < 0 && errno == EINTR {}
        withExtendedLifetime(request) {}
    }
}

/// SIGINT and SIGTERM make a descriptor readable, so a command blocked in poll(2) on its lines
/// ends cleanly and releases them.
enum StopSignals {
    nonisolated(unsafe) static var writeEnd: Int32 = -1

    static func install() -> Int32 {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return -1 }
        writeEnd = fds[1]
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            var byte: UInt8 = 1
            _ = write(StopSignals.writeEnd, &byte, 1)
        }
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
        return fds[0]
    }
}
