import ArgumentParser
import EdgeConfig
import EdgeCore
import EdgeFlux
import EdgeGPIO

#if canImport(Glibc)
    import Glibc
#endif

/// `edgeflow gpio`: field tools for the lines of this machine's GPIO chips.
struct GPIOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gpio",
        abstract: "List, read, watch or set GPIO lines (libgpiod, the kernel's character devices).",
        discussion: """
            Lines are named as on the board (GPIO17, with --board or --config), by their kernel name, or as \
            CHIP:OFFSET (gpiochip0:17 or pinctrl-bcm2711:17). Needs membership of the 'gpio' group. Exit \
            codes: 0 ok, 1 a chip or line could not be used, 2 usage error.
            Example: edgeflow gpio watch GPIO17 --board rpi4b --debounce 20ms
            """,
        subcommands: [GPIOListCommand.self, GPIOGetCommand.self, GPIOWatchCommand.self, GPIOSetCommand.self]
    )
}

/// Which board names lines and pins: `--board`, or the board of `--config`.
struct GPIOBoardOptions: ParsableArguments {
    @Option(help: "Board id (rpi4b) or board file whose line names and header pins to use.")
    var board: String?

    @Option(help: "Directory of board files, for --board.")
    var boardsDir: String?

    @Option(name: .shortAndLong, help: "Use the board of this config file.")
    var config: String?

    func load() throws -> Board? {
        if let config {
            return try compiledConfig(config).board
        }
        guard let board else { return nil }
        let (loaded, diagnostics) = Board.load(board, boardsDir: boardsDir)
        guard let loaded else {
            for d in diagnostics { printError(d.description) }
            throw ExitCode(2)
        }
        return loaded
    }

    /// A locator over this machine's chips, refusing the simulated board (it has no chips).
    func locator() throws -> GPIOLineLocator {
        let board = try load()
        if board?.simulated == true {
            throw ValidationError("board '\(board?.id ?? "")' is simulated: its lines exist only inside `edgeflow run`")
        }
        return GPIOLineLocator(board: board)
    }
}

/// Runs a GPIO operation, turning its error into a message and exit code 1.
func onGPIO<T>(_ body: () throws(GPIOError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        printError("error: \(error.message)" + (error.hint.map { "\n    hint: \($0)" } ?? ""))
        throw ExitCode(1)
    }
}

/// `edgeflow gpio list`.
struct GPIOListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the GPIO chips and their lines: names, header pins, direction, consumer.",
        discussion: "Example: edgeflow gpio list --board rpi5 --json")

    @OptionGroup var boardOptions: GPIOBoardOptions

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        let locator = try boardOptions.locator()
        for failure in locator.unopened { printError("warning: \(failure)") }
        var chipsJSON: [JSONValue] = []
        for chip in locator.chips {
            let lines = try onGPIO { () throws(GPIOError) in try chip.lines() }
            if json {
                chipsJSON.append(
                    .object(
                        JSONObject([
                            ("chip", .string(chip.name)), ("path", .string(chip.path)), ("label", .string(chip.label)),
                            ("lines", .array(lines.map { lineJSON($0, pin: locator.pin(label: chip.label, offset: $0.offset)) })),
                        ])))
                continue
            }
            print("\(chip.name) [\(chip.label)] \(chip.lineCount) lines (\(chip.path))")
            for line in lines {
                let pin = locator.pin(label: chip.label, offset: line.offset).map { "pin \($0)" } ?? ""
                let name = line.name.isEmpty ? "-" : line.name
                let use = line.used ? "used by \(line.consumer.isEmpty ? "?" : line.consumer)" : "unused"
                print(
                    "  \(pad(String(line.offset), 4)) \(pad(name, 14)) \(pad(pin, 7)) \(pad(line.direction, 7)) "
                        + "\(pad(line.bias, 10)) \(line.activeLow ? "active-low " : "")\(use)")
            }
        }
        if json {
            print(JSONValue.object(JSONObject([("chips", .array(chipsJSON))])).compactJSON)
        } else if locator.chips.isEmpty && locator.unopened.isEmpty {
            print("no GPIO chips on this machine")
        }
        if locator.chips.isEmpty && !locator.unopened.isEmpty { throw ExitCode(1) }
    }

    private func lineJSON(_ line: GPIOLineInfo, pin: Int?) -> JSONValue {
        var object = JSONObject([
            ("offset", .number(Double(line.offset))), ("name", .string(line.name)), ("direction", .string(line.direction)),
            ("bias", .string(line.bias)), ("activeLow", .bool(line.activeLow)), ("used", .bool(line.used)),
            ("consumer", .string(line.consumer)),
        ])
        object["pin"] = pin.map { .number(Double($0)) } ?? .null
        return .object(object)
    }
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

/// Groups resolved lines by chip, since one request covers lines of one chip.
func byChip(_ addresses: [GPIOLineAddress]) -> [(path: String, lines: [GPIOLineAddress])] {
    var order: [String] = []
    var groups: [String: [GPIOLineAddress]] = [:]
    for address in addresses {
        if groups[address.chipPath] == nil { order.append(address.chipPath) }
        groups[address.chipPath, default: []].append(address)
    }
    return order.map { ($0, groups[$0] ?? []) }
}

/// The bias choices, checked before any chip is touched.
func checkBias(_ bias: String) throws {
    guard ["as-is", "pull-up", "pull-down", "disabled"].contains(bias) else {
        throw ValidationError("--bias '\(bias)' is not one of as-is, pull-up, pull-down, disabled")
    }
}
