import CGPIODShims

#if canImport(Glibc)
    import Glibc
#endif

/// How one input line is requested from the kernel.
public struct GPIOInputRequest: Sendable, Equatable {
    /// Offset on the chip.
    public var offset: Int
    /// Edges the kernel reports: `none`, `rising`, `falling`, `both`.
    public var edge: String
    /// `as-is`, `pull-up`, `pull-down`, `disabled`.
    public var bias: String
    /// Whether the line is active-low (values and edges are logical).
    public var activeLow: Bool
    /// Kernel debounce in microseconds (0 = none; only where the API has it).
    public var debounceMicroseconds: UInt32

    /// Creates a request.
    public init(offset: Int, edge: String, bias: String, activeLow: Bool, debounceMicroseconds: UInt32 = 0) {
        self.offset = offset
        self.edge = edge
        self.bias = bias
        self.activeLow = activeLow
        self.debounceMicroseconds = debounceMicroseconds
    }
}

/// One edge as the kernel reported it.
public struct GPIOEdgeEvent: Sendable, Equatable {
    /// Line offset.
    public var offset: Int
    /// Rising (logical 0 → 1) or falling.
    public var rising: Bool
    /// The kernel's timestamp, `CLOCK_MONOTONIC` ns.
    public var timestampNanoseconds: Int64
    /// The line's event sequence number (v2 API; 0 on v1).
    public var lineSequence: UInt64
}

/// A set of lines requested together from one chip; released on deinit. Used from one thread.
public final class GPIOLineRequest: @unchecked Sendable {
    private let handle: OpaquePointer
    /// Kept alive with the request: closing a v1 chip releases every line requested through it.
    private let chip: GPIOChip
    /// The requested offsets, in request order.
    public let offsets: [Int]
    /// The descriptors that become readable when edge events wait.
    public let eventDescriptors: [Int32]
    private var buffer = [ef_gpio_event](repeating: ef_gpio_event(), count: 16)

    private init(handle: OpaquePointer, chip: GPIOChip, offsets: [Int]) {
        self.handle = handle
        self.chip = chip
        self.offsets = offsets
        var fds = [Int32](repeating: -1, count: max(offsets.count, 1))
        let n = ef_gpio_event_fds(handle, &fds, fds.count)
        eventDescriptors = Array(fds.prefix(n))
    }

    deinit { ef_gpio_request_release(handle) }

    /// Requests `lines` as inputs, all or none. `what` names them in errors (`GPIO17, GPIO22`).
    public static func inputs(
        chip: GPIOChip, consumer: String, lines: [GPIOInputRequest], what: String
    ) throws(GPIOError) -> GPIOLineRequest {
        var specs = lines.map { line in
            ef_gpio_input_spec(
                offset: UInt32(line.offset), edge: edgeCode(line.edge), bias: biasCode(line.bias),
                active_low: line.activeLow ? 1 : 0, debounce_us: line.debounceMicroseconds)
        }
        guard let handle = ef_gpio_request_inputs(chip.handle, consumer, &specs, specs.count) else {
            throw failure(chip: chip, offsets: lines.map(\.offset), what: what, errno: errno)
        }
        return GPIOLineRequest(handle: handle, chip: chip, offsets: lines.map(\.offset))
    }

    /// Requests outputs, each driven to its `initial` logical value from the moment it is held.
    public static func outputs(
        chip: GPIOChip, consumer: String, lines: [(offset: Int, activeLow: Bool, initial: Int)], what: String
    ) throws(GPIOError) -> GPIOLineRequest {
        var specs = lines.map {
            ef_gpio_output_spec(offset: UInt32($0.offset), active_low: $0.activeLow ? 1 : 0, initial: Int32($0.initial))
        }
        guard let handle = ef_gpio_request_outputs(chip.handle, consumer, &specs, specs.count) else {
            throw failure(chip: chip, offsets: lines.map(\.offset), what: what, errno: errno)
        }
        return GPIOLineRequest(handle: handle, chip: chip, offsets: lines.map(\.offset))
    }

    /// Names the holder of a busy line, so "in use" says by whom.
    private static func failure(chip: GPIOChip, offsets: [Int], what: String, errno code: Int32) -> GPIOError {
        if code == EBUSY {
            for offset in offsets {
                if let info = try? chip.lineInfo(offset), info.used {
                    let name = info.name.isEmpty ? "\(chip.name):\(offset)" : info.name
                    let holder = info.consumer.isEmpty ? "another program" : "'\(info.consumer)'"
                    return GPIOError(
                        "cannot request \(name) on \(chip.name): it is in use by \(holder)",
                        hint: "stop the program holding it, or pick another line", errno: code)
                }
            }
        }
        if code == EOPNOTSUPP || code == EINVAL {
            return GPIOError(
                "cannot request \(what) on \(chip.name): the kernel refused the line settings (\(String(cString: strerror(code))))",
                hint: "this chip may not support the bias or debounce asked for", errno: code)
        }
        return GPIOError.system("cannot request \(what) on \(chip.name)", errno: code)
    }

    /// Logical values of the requested lines, in request order.
    public func values() throws(GPIOError) -> [Int] {
        var raw = [Int32](repeating: 0, count: offsets.count)
        guard ef_gpio_get_values(handle, &raw, raw.count) == 0 else {
            throw GPIOError.system("cannot read lines", errno: errno)
        }
        return raw.map(Int.init)
    }

    /// Drives one requested output to a logical value.
    public func set(offset: Int, value: Int) throws(GPIOError) {
        guard ef_gpio_set_value(handle, UInt32(offset), Int32(value)) == 0 else {
            throw GPIOError.system("cannot set line \(offset)", errno: errno)
        }
    }

    /// Reads the events waiting on `descriptor` into `into` (appending); returns how many.
    /// Call after poll() reported the descriptor readable.
    public func readEvents(descriptor: Int32, into events: inout [GPIOEdgeEvent]) throws(GPIOError) -> Int {
        let n = buffer.withUnsafeMutableBufferPointer { ef_gpio_read_events(handle, descriptor, $0.baseAddress, $0.count) }
        guard n >= 0 else { throw GPIOError.system("cannot read edge events", errno: errno) }
        for i in 0..<Int(n) {
            let e = buffer[i]
            events.append(
                GPIOEdgeEvent(
                    offset: Int(e.offset), rising: e.rising != 0, timestampNanoseconds: Int64(bitPattern: e.timestamp_ns),
                    lineSequence: e.line_seqno))
        }
        return Int(n)
    }

    static func edgeCode(_ edge: String) -> Int32 {
        switch edge {
        case "rising": Int32(EF_GPIO_EDGE_RISING)
        case "falling": Int32(EF_GPIO_EDGE_FALLING)
        case "both": Int32(EF_GPIO_EDGE_BOTH)
        default: Int32(EF_GPIO_EDGE_NONE)
        }
    }

    static func biasCode(_ bias: String) -> Int32 {
        switch bias {
        case "pull-up": Int32(EF_GPIO_BIAS_PULL_UP)
        case "pull-down": Int32(EF_GPIO_BIAS_PULL_DOWN)
        case "disabled": Int32(EF_GPIO_BIAS_DISABLED)
        default: Int32(EF_GPIO_BIAS_AS_IS)
        }
    }
}
