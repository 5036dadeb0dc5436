public import EdgeConfig
import EdgeCore

/// A line as a person names it, found on this machine's chips: a board's line name (`GPIO17`),
/// a kernel line name, or `CHIP:OFFSET` (`gpiochip0:17`, `pinctrl-bcm2711:17`).
public struct GPIOLineAddress: Sendable, Equatable {
    /// What the person typed.
    public var spelled: String
    /// The chip's device path.
    public var chipPath: String
    /// The chip's label.
    public var chipLabel: String
    /// Offset on the chip.
    public var offset: Int
    /// The header pin, when a board file names it.
    public var pin: Int?
}

/// Resolves line names for the field tools, against an optional board and the chips present.
public struct GPIOLineLocator {
    /// Chips on this machine, opened once.
    public let chips: [GPIOChip]
    /// Chips that could not be opened, with why (usually permissions).
    public let unopened: [GPIOError]
    /// The board whose names and pins are used, if any.
    public let board: Board?

    /// Opens every chip under `devices`.
    public init(board: Board?, devices: String = "/dev") {
        var chips: [GPIOChip] = []
        var failures: [GPIOError] = []
        for path in GPIOChips.devicePaths(directory: devices) {
            do { chips.append(try GPIOChip(path: path)) } catch { failures.append(error) }
        }
        self.chips = chips
        unopened = failures
        self.board = board
    }

    /// The header pin of `offset` on a chip labelled `label`, from the board file.
    public func pin(label: String, offset: Int) -> Int? {
        board?.chips.first { $0.label == label }?.lines.first { $0.offset == offset }?.pin
    }

    /// Finds `name`. The error lists the nearest names, or says why nothing could be searched.
    public func resolve(_ name: String) throws(GPIOError) -> GPIOLineAddress {
        if let first = unopened.first, chips.isEmpty { throw first }
        if let colon = name.lastIndex(of: ":"), let offset = Int(name[name.index(after: colon)...]) {
            let chipName = String(name[..<colon])
            guard let chip = chips.first(where: { $0.name == chipName || $0.label == chipName || $0.path == chipName }) else {
                throw GPIOError(
                    "no GPIO chip '\(chipName)' on this machine",
                    hint: chips.isEmpty ? "this machine has no GPIO chips" : "chips: \(chipNames)")
            }
            guard offset >= 0, offset < chip.lineCount else {
                throw GPIOError("\(chip.name) has lines 0...\(chip.lineCount - 1), not \(offset)")
            }
            return address(name, chip, offset)
        }
        if let board, let (boardChip, line) = board.line(named: name) {
            guard let chip = chips.first(where: { $0.label == boardChip.label }) else {
                throw GPIOError(
                    "line \(name) is on chip '\(boardChip.label)' of board '\(board.id)', which this machine does not have",
                    hint: chips.isEmpty ? "this machine has no GPIO chips" : "chips here: \(chipNames); is --board right?")
            }
            return address(name, chip, line.offset)
        }
        for chip in chips {
            if let offset = chip.offset(ofLineNamed: name) { return address(name, chip, offset) }
        }
        var known = board?.lineNames ?? []
        for chip in chips { known += ((try? chip.lines()) ?? []).map(\.name).filter { !$0.isEmpty } }
        if chips.isEmpty && board == nil {
            throw GPIOError("no line '\(name)': this machine has no GPIO chips", hint: unopened.first?.hint)
        }
        throw GPIOError(
            "no line '\(name)'\(board.map { " on board '\($0.id)' or" } ?? "") on this machine's chips",
            hint: Spelling.didYouMean(name, among: known) ?? "`edgeflow gpio list` shows every line; CHIP:OFFSET works too")
    }

    private var chipNames: String { chips.map { "\($0.name) [\($0.label)]" }.joined(separator: ", ") }

    private func address(_ spelled: String, _ chip: GPIOChip, _ offset: Int) -> GPIOLineAddress {
        GPIOLineAddress(
            spelled: spelled, chipPath: chip.path, chipLabel: chip.label, offset: offset,
            pin: pin(label: chip.label, offset: offset))
    }
}
