import CGPIODShims
import EdgeCore

#if canImport(Glibc)
    import Glibc
#endif

/// What the kernel says about one line of a chip.
public struct GPIOLineInfo: Sendable, Equatable {
    /// Offset on the chip.
    public var offset: Int
    /// Kernel line name (`GPIO17`), empty when the chip names none.
    public var name: String
    /// Whether someone (this process, another, the kernel) holds the line.
    public var used: Bool
    /// Who holds it, when it is held and they said.
    public var consumer: String
    /// `output` or `input`.
    public var direction: String
    /// Whether the line is configured active-low.
    public var activeLow: Bool
    /// `as-is`, `disabled`, `pull-up`, `pull-down` or `unknown`.
    public var bias: String
}

/// An open GPIO chip (`/dev/gpiochipN`). Not thread-safe: each chip is used from one thread at a
/// time (its owner thread in the agent, the main thread in the CLI).
public final class GPIOChip: @unchecked Sendable {
    let handle: OpaquePointer
    /// Device path (`/dev/gpiochip0`).
    public let path: String
    /// Kernel name (`gpiochip0`).
    public let name: String
    /// Label, stable across kernels and boots (`pinctrl-bcm2711`); boards find chips by it.
    public let label: String
    /// Number of lines.
    public let lineCount: Int

    /// Opens the chip at `path`.
    public init(path: String) throws(GPIOError) {
        guard let handle = ef_gpio_chip_open(path) else {
            let code = errno
            if code == ENOENT {
                throw GPIOError("cannot open \(path): no such GPIO chip", errno: code)
            }
            throw GPIOError.system("cannot open \(path)", errno: code)
        }
        self.handle = handle
        self.path = path
        var nameBuffer = [CChar](repeating: 0, count: 64)
        var labelBuffer = [CChar](repeating: 0, count: 64)
        var lines: UInt32 = 0
        _ = ef_gpio_chip_info(handle, &nameBuffer, nameBuffer.count, &labelBuffer, labelBuffer.count, &lines)
        name = Self.string(nameBuffer)
        label = Self.string(labelBuffer)
        lineCount = Int(lines)
    }

    deinit { ef_gpio_chip_close(handle) }

    /// The kernel's view of line `offset`.
    public func lineInfo(_ offset: Int) throws(GPIOError) -> GPIOLineInfo {
        var info = ef_gpio_line_info()
        guard offset >= 0, offset < lineCount, ef_gpio_line_info_get(handle, UInt32(offset), &info) == 0 else {
            throw GPIOError.system("cannot read line \(offset) of \(name)", errno: offset < lineCount ? errno : EINVAL)
        }
        let name = withUnsafeBytes(of: info.name) { Self.string($0) }
        let consumer = withUnsafeBytes(of: info.consumer) { Self.string($0) }
        let biasNames = ["as-is", "disabled", "pull-up", "pull-down", "unknown"]
        return GPIOLineInfo(
            offset: offset, name: name, used: info.used != 0, consumer: consumer,
            direction: info.output != 0 ? "output" : "input", activeLow: info.active_low != 0,
            bias: biasNames[min(Int(info.bias), biasNames.count - 1)])
    }

    /// Every line's info, in offset order.
    public func lines() throws(GPIOError) -> [GPIOLineInfo] {
        var result: [GPIOLineInfo] = []
        for offset in 0..<lineCount { result.append(try lineInfo(offset)) }
        return result
    }

    /// The offset of the line the kernel calls `name`, if this chip has one.
    public func offset(ofLineNamed name: String) -> Int? {
        for offset in 0..<lineCount {
            if let info = try? lineInfo(offset), info.name == name { return offset }
        }
        return nil
    }

    private static func string(_ buffer: [CChar]) -> String {
        buffer.withUnsafeBytes { string($0) }
    }

    private static func string(_ bytes: UnsafeRawBufferPointer) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        return String(decoding: bytes[0..<end], as: UTF8.self)
    }
}

/// Finds chips on this machine. Chips are identified by label, never by `gpiochipN`, whose
/// numbering changes between kernels and board models.
public enum GPIOChips {
    /// The device paths of every GPIO chip, in name order (`/dev/gpiochip0`, ...).
    public static func devicePaths(directory: String = "/dev") -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasPrefix("gpiochip") { names.append(name) }
        }
        // gpiochip10 after gpiochip9: sort by the number, not the text.
        return names.sorted { (Int($0.dropFirst(8)) ?? 0, $0) < (Int($1.dropFirst(8)) ?? 0, $1) }
            .map { "\(directory)/\($0)" }
    }

    /// Opens the chip labelled `label`. The error says whether no chip has that label (listing
    /// the labels there are), or a chip could not be opened (permissions).
    public static func open(label: String, directory: String = "/dev") throws(GPIOError) -> GPIOChip {
        let paths = devicePaths(directory: directory)
        var labels: [String] = []
        var firstFailure: GPIOError?
        for path in paths {
            do {
                let chip = try GPIOChip(path: path)
                if chip.label == label { return chip }
                labels.append(chip.label)
            } catch {
                firstFailure = firstFailure ?? error
            }
        }
        if let firstFailure { throw firstFailure }
        if paths.isEmpty {
            throw GPIOError(
                "no GPIO chip labelled '\(label)': this machine has no GPIO chips",
                hint: "check the board in the config; `edgeflow doctor` shows what the machine has")
        }
        throw GPIOError(
            "no GPIO chip labelled '\(label)' on this machine (chips: \(labels.joined(separator: ", ")))",
            hint: "the config's board does not match this machine; `edgeflow gpio list` shows the chips")
    }
}
