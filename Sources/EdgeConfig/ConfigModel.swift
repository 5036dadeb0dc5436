public import EdgeCore
public import EdgeFlux
public import ModbusModel

/// The whole compiled configuration: what `edgeflow check` summarises and `edgeflow run`
/// starts. Everything is validated and resolved (board lines, ids, units) before any I/O.
public struct AgentConfig: Sendable {
    /// The file it was read from.
    public var file: String
    /// Agent-wide settings.
    public var agent: AgentSettings
    /// The board the config runs on.
    public var board: Board
    /// Where the board file was found.
    public var boardFile: String
    /// Modbus buses (serial ports and TCP connections), each owned by one thread at run time.
    public var buses: [ModbusBusConfig]
    /// Sources of samples, in config order; a sample's `source` is the index here.
    public var sources: [SourceConfig]
    /// Actuator outputs with their safety envelopes.
    public var outputs: [OutputConfig]
    /// Flow apps.
    public var apps: [AppConfig]
    /// Uplink settings (validated; transports arrive with the uplink issue).
    public var uplink: UplinkConfig?
    /// AI endpoints for `ai` actions.
    public var ai: AIConfig?
}

/// Agent-wide settings.
public struct AgentSettings: Sendable {
    /// Gateway name, used in logs and uplink metadata.
    public var name: String
    /// swift-log level name.
    public var logLevel: String
    /// Directory for the record stream (`records.jsonl`); relative paths are resolved against the config file.
    public var dataDir: String
    /// Sample ring capacity (power of two).
    public var ringCapacity: Int
    /// What a full ring drops.
    public var dropPolicy: DropPolicy
    /// `agent.record_buffer`: bytes of the hand-off between the pipeline and the record writer;
    /// it absorbs slow fsyncs (a full one drops new frame records and counts them).
    public var recordBufferBytes: Int = 1 << 20
    /// How `run` shows activity: `live` (human-readable lines) or `log` (log records only).
    public var view: String
    /// How many owner threads Modbus TCP buses share (each serial bus has its own).
    public var modbusTCPThreads: Int
    /// `agent.status.socket`: the status socket's path; nil picks the default at run time
    /// (`$RUNTIME_DIRECTORY/edgeflow.sock`, else `<data_dir>/edgeflow.sock`; docs/status.md).
    public var statusSocket: String? = nil
    /// When `edgeflow status --check` reports the agent unhealthy (`agent.status.*`).
    public var health = HealthThresholds()
    /// `agent.metrics`: where the Prometheus endpoint listens; nil (the default) serves none.
    public var metrics: ListenAddress? = nil
}

/// The limits past which the agent reports itself unhealthy (docs/status.md, "Health").
public struct HealthThresholds: Sendable, Equatable {
    /// A polled source is stale when no good frame came for this many of its intervals.
    public var stalePolls: Int = 3
    /// The uplink is stale when records wait and no acknowledgement came for this long (ns).
    public var uplinkAckMaxAgeNanoseconds: Int64 = 900_000_000_000
    /// The spool is too full above this fraction of its cap.
    public var spoolFillMax: Double = 0.8
    /// An output is a problem when it stays pending, unknown or in disagreement with its device
    /// for longer than this (ns).
    public var outputUnconfirmedMaxNanoseconds: Int64 = 30_000_000_000

    /// The defaults: 3 intervals, 15 minutes, 80 %, 30 s.
    public init() {}
}

/// A TCP address to listen on: an IPv4 literal (or `localhost`) and a port.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// Dotted IPv4 address (`localhost` is stored as `127.0.0.1`).
    public var host: String
    /// TCP port, 1-65535.
    public var port: UInt16

    /// Creates an address.
    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// `host:port`.
    public var description: String { "\(host):\(port)" }

    /// Parses `host:port` (IPv4 literal or `localhost`); nil when malformed.
    public static func parse(_ text: String) -> ListenAddress? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let port = UInt16(parts[1]), port > 0 else { return nil }
        let host = parts[0] == "localhost" ? "127.0.0.1" : String(parts[0])
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ !$0.isEmpty && $0.count <= 3 && (UInt8($0) != nil) }) else {
            return nil
        }
        return ListenAddress(host: host, port: port)
    }
}

/// A source of samples.
public struct SourceConfig: Sendable {
    /// Unique id; flows see it as `context.resource.resourceId`.
    public var id: String
    /// What kind of source.
    public var kind: Kind
    /// Names of the points in sample order: a sample's `point` is the index here.
    public var pointNames: [String]
    /// Units of the points, parallel to `pointNames` (empty when none).
    public var pointUnits: [String]

    /// The kinds of source.
    public enum Kind: Sendable {
        /// An in-process device whose points follow waveforms (stands in for a Modbus device).
        case simulated(SimulatedDevice)
        /// GPIO input lines.
        case gpio(GPIOInputs)
        /// A Modbus device on a bus.
        case modbus(bus: ModbusBusConfig, device: ModbusDeviceConfig)
    }

    /// `modbus` or `gpio`, as flows see it in `context.resource.resourceType`.
    public var resourceType: String {
        switch kind {
        case .simulated, .modbus: "modbus"
        case .gpio: "gpio"
        }
    }
}

/// A simulated device: every `interval` each point produces the value of its waveform.
public struct SimulatedDevice: Sendable {
    /// Time between readings, in nanoseconds.
    public var intervalNanoseconds: Int64
    /// The points.
    public var points: [SimulatedPoint]
}

/// One simulated point.
public struct SimulatedPoint: Sendable, Equatable {
    /// Point name (`temp`).
    public var name: String
    /// The signal shape.
    public var waveform: Waveform
    /// Unit for display (`degC`).
    public var unit: String?
    /// Masked before any AI call (docs/safety.md S8).
    public var redact: Bool = false

    /// Signal shapes a simulated point can follow.
    public enum Waveform: Sendable, Equatable {
        /// A constant value.
        case constant(Double)
        /// A sine between `min` and `max` with the given period (ns).
        case sine(min: Double, max: Double, periodNanoseconds: Int64)
        /// A sawtooth from `min` to `max` over the period.
        case ramp(min: Double, max: Double, periodNanoseconds: Int64)
        /// `min` for half the period, then `max`.
        case square(min: Double, max: Double, periodNanoseconds: Int64)
        /// A bounded random walk with the given maximum step per reading.
        case randomWalk(min: Double, max: Double, step: Double)
    }
}

/// GPIO input lines read as one source.
public struct GPIOInputs: Sendable {
    /// The lines.
    public var lines: [GPIOInputLine]
    /// How often lines with `edge: none` are read, in nanoseconds (the polling mode).
    public var pollNanoseconds: Int64 = 1_000_000_000

    /// The source's point names: one per line, then `<name>_count` and `<name>_rate` for each
    /// line with a pulse counter, in line order.
    public var pointNames: [String] {
        lines.map(\.name) + lines.filter { $0.counter != nil }.flatMap { ["\($0.name)_count", "\($0.name)_rate"] }
    }

    /// Where a counted line's `_count` point sits in the frame (its `_rate` follows), by line index.
    public var counterPoints: [Int: Int] {
        var result: [Int: Int] = [:]
        var next = lines.count
        for (index, line) in lines.enumerated() where line.counter != nil {
            result[index] = next
            next += 2
        }
        return result
    }
}

/// A pulse counter on an input line (a flow meter, an energy meter's S0 output): the edges the
/// line's `edge` setting selects are counted, scaled, and turned into a rate.
public struct GPIOPulseCounter: Sendable, Equatable {
    /// What one pulse is worth (litres, Wh); the `_count` point is pulses × scale.
    public var scale: Double
    /// The window the rate is averaged over, in nanoseconds (whole seconds).
    public var rateWindowNanoseconds: Int64
    /// The rate's time unit in nanoseconds: the `_rate` point is scaled pulses per this period.
    public var ratePerNanoseconds: Int64

    /// Creates a counter.
    public init(scale: Double, rateWindowNanoseconds: Int64, ratePerNanoseconds: Int64) {
        self.scale = scale
        self.rateWindowNanoseconds = rateWindowNanoseconds
        self.ratePerNanoseconds = ratePerNanoseconds
    }
}

/// One GPIO input line.
public struct GPIOInputLine: Sendable, Equatable {
    /// The board's kernel name (`GPIO17`).
    public var line: String
    /// The chip label it lives on.
    public var chipLabel: String
    /// The line offset on its chip.
    public var offset: Int
    /// Point name flows use (`door`); defaults to the line name.
    public var name: String
    /// Which edges produce events: `rising`, `falling`, `both` or `none`.
    public var edge: String
    /// Bias: `as-is`, `pull-up`, `pull-down`, `disabled`.
    public var bias: String
    /// Whether the line is active-low.
    public var activeLow: Bool
    /// Debounce period in nanoseconds (0 = none).
    public var debounceNanoseconds: Int64
    /// On the simulated board: toggle the input every so often (ns); nil = stays low.
    public var simulateToggleNanoseconds: Int64?
    /// Pulse counting, when configured.
    public var counter: GPIOPulseCounter? = nil
}

/// An actuator output with its safety envelope (S5): every write from any origin must fall in
/// `minimum...maximum`, move at most `maxStep`, and wait `minHold` after the last change;
/// the safe value is driven on start, on shutdown and after a hold expires.
public struct OutputConfig: Sendable, Equatable {
    /// What the output drives.
    public enum Target: Sendable, Equatable {
        /// A GPIO line: kernel name, chip label, offset, active-low.
        case gpio(line: String, chipLabel: String, offset: Int, activeLow: Bool)
        /// A writable point of a Modbus device (holding register or coil).
        case modbus(device: String, point: String)
    }

    /// Unique id; `gpio-write` and `modbus-write` actions name it.
    public var id: String
    /// What it drives.
    public var target: Target
    /// The value driven on start, on shutdown and on recovery.
    public var safeValue: Double
    /// Lowest allowed value.
    public var minimum: Double
    /// Highest allowed value.
    public var maximum: Double
    /// Largest change allowed in one write; nil = any.
    public var maxStep: Double?
    /// The minimum time between changes, in nanoseconds.
    public var minHoldNanoseconds: Int64
    /// The only values a write may set besides the range check (`allowed: [0, 20, 40]`); nil = any.
    public var allowedValues: [Double]?
    /// The most changes allowed within a sliding window (`max_rate: 6/1m`), so a flapping rule
    /// cannot wear out a relay or a compressor; nil = no limit.
    public var maxChanges: (count: Int, windowNanoseconds: Int64)?
    /// `on_recover`: what the agent re-drives once the device of an output in the `unknown`
    /// state answers again (docs/safety.md, "Output lifecycle").
    public var onRecover: Recovery = .safe
    /// `readback`: whether the output is read back and compared with its commanded value where
    /// its driver can read it; `false` for devices whose output cannot be read.
    public var readBack = true
    /// `readback_interval`: how often a GPIO output's line is read back (Modbus outputs are read
    /// by every poll of their device), in nanoseconds.
    public var readBackIntervalNanoseconds: Int64 = OutputConfig.defaultReadBackInterval
    /// `on_mismatch`: what happens when the read-back value disagrees with the commanded one.
    public var onMismatch: MismatchPolicy = .redrive

    /// The default `readback_interval`: 5 s.
    public static let defaultReadBackInterval: Int64 = 5_000_000_000

    /// What a recovering output is driven to.
    public enum Recovery: String, Sendable, Equatable, CaseIterable {
        /// Its safe value (the default: after an outage nobody has decided anything yet).
        case safe
        /// The value last commanded before the failure, already admitted by the envelope.
        case last
    }

    /// What a read-back that disagrees with the commanded value leads to.
    public enum MismatchPolicy: String, Sendable, Equatable, CaseIterable {
        /// Write the commanded value again (a device reset, a second master).
        case redrive
        /// Only log, count and show it (a technician's override at the HMI wins).
        case report
    }

    /// Creates an output.
    public init(
        id: String, target: Target, safeValue: Double, minimum: Double, maximum: Double, maxStep: Double? = nil,
        minHoldNanoseconds: Int64, allowedValues: [Double]? = nil, maxChanges: (count: Int, windowNanoseconds: Int64)? = nil
    ) {
        self.id = id
        self.target = target
        self.safeValue = safeValue
        self.minimum = minimum
        self.maximum = maximum
        self.maxStep = maxStep
        self.minHoldNanoseconds = minHoldNanoseconds
        self.allowedValues = allowedValues
        self.maxChanges = maxChanges
    }

    /// Outputs are equal when every field is (the tuple needs spelling out).
    public static func == (lhs: OutputConfig, rhs: OutputConfig) -> Bool {
        lhs.id == rhs.id && lhs.target == rhs.target && lhs.safeValue == rhs.safeValue && lhs.minimum == rhs.minimum
            && lhs.maximum == rhs.maximum && lhs.maxStep == rhs.maxStep && lhs.minHoldNanoseconds == rhs.minHoldNanoseconds
            && lhs.allowedValues == rhs.allowedValues && lhs.maxChanges?.count == rhs.maxChanges?.count
            && lhs.maxChanges?.windowNanoseconds == rhs.maxChanges?.windowNanoseconds && lhs.onRecover == rhs.onRecover
            && lhs.readBack == rhs.readBack && lhs.readBackIntervalNanoseconds == rhs.readBackIntervalNanoseconds
            && lhs.onMismatch == rhs.onMismatch
    }

    /// `GPIO27` or `meter.setpoint`, for people.
    public var targetName: String {
        switch target {
        case .gpio(let line, _, _, _): line
        case .modbus(let device, let point): "\(device).\(point)"
        }
    }

    /// The GPIO line name, if this is a GPIO output.
    public var gpioLine: String? {
        if case .gpio(let line, _, _, _) = target { return line }
        return nil
    }
}

/// A flow app listed in the config.
public struct AppConfig: Sendable {
    /// The app file as resolved.
    public var path: String
    /// Whether to run it.
    public var enabled: Bool
    /// The app document as parsed (structure validated).
    public var document: AppDocument
}

/// Uplink settings.
public struct UplinkConfig: Sendable {
    /// `http` or `mqtt`.
    public var transport: String
    /// Endpoint URL (`https://...` or `mqtt://host:port`).
    public var url: String
    /// Batch window in nanoseconds, counted from the append of a batch's first record; 0 sends
    /// each record as soon as the previous batch is acknowledged.
    public var batchIntervalNanoseconds: Int64
    /// Spool cap in bytes.
    public var spoolMaxBytes: Int64
    /// Batch encoder: `harvest` (JSON array of timestamped entries) or `json`.
    public var encoder: String
    /// A batch closes at this many records (at most 100 with `harvest`).
    public var batchRecords: Int
    /// ...or at this many spooled bytes.
    public var batchBytes: Int
    /// Whole-request timeout in nanoseconds.
    public var timeoutNanoseconds: Int64
    /// Hourly allowance of bytes sent (nil: unlimited).
    public var bytesPerHour: Int64?
    /// Hourly allowance of requests (nil: unlimited).
    public var requestsPerHour: Int?
    /// Extra request headers: from `headers`, and from `header_files` (secrets, read at compile
    /// time, trailing newline trimmed; never printed).
    public var headers: [(name: String, value: String)] = []
    /// CA bundle for the endpoint (resolved against the config's directory).
    public var caFile: String?
    /// Proxy URL.
    public var proxy: String?
    /// MQTT: topic template (`${gateway}`, `${batch}`).
    public var topic: String = "edgeflow/${gateway}/data"
    /// MQTT: client id (nil: `edgeflow-<gateway>`).
    public var clientID: String?
    /// MQTT: user name.
    public var username: String?
    /// MQTT: file holding the password (read at start, never printed).
    public var passwordFile: String?
    /// MQTT: keep-alive in seconds.
    public var keepAliveSeconds: Int = 30
    /// `record: frames` (every frame is spooled, the default) or `flows` (only what `harvest`
    /// actions append).
    public var recordFrames: Bool = true
    /// How often spooled frames are fsync'd (ns): a power cut loses at most this much.
    public var syncIntervalNanoseconds: Int64 = 1_000_000_000
    /// Optional age cap of spooled data (ns).
    public var spoolMaxAgeNanoseconds: Int64?
    /// `retry_max`: the cap of the retry backoff and of a `Retry-After` (ns).
    public var retryMaxNanoseconds: Int64 = 30_000_000_000
}

/// The `ai:` section (docs/ai.md): the chat-completions endpoints `ai` actions may call.
public struct AIConfig: Sendable {
    /// The endpoints, in config order; names are unique.
    public var endpoints: [AIEndpointConfig]
}

/// One OpenAI-compatible chat-completions endpoint and its bounds (docs/safety.md S2, S3).
public struct AIEndpointConfig: Sendable, Equatable {
    /// Where the API key comes from. The key itself is never kept in the config, so it cannot
    /// end up in a summary, a log line or a status answer.
    public enum KeySource: Sendable, Equatable {
        /// No key (local servers).
        case none
        /// A file holding the key (trailing newline trimmed), read at each request.
        case file(String)
        /// An environment variable holding the key.
        case environment(String)
    }

    /// The name `ai` actions use in `config.endpoint`.
    public var name: String
    /// The request URL (`.../chat/completions`), built from the configured base URL.
    public var url: String
    /// The model asked for.
    public var model: String
    /// The API key's source.
    public var key: KeySource
    /// Whole-request timeout, in nanoseconds.
    public var timeoutNanoseconds: Int64
    /// `max_tokens` of each request.
    public var maxTokens: Int
    /// Requests in flight at most; more are refused locally.
    public var concurrency: Int
    /// Requests per minute at most; more are refused locally.
    public var requestsPerMinute: Int
    /// Requests per UTC day at most; more are refused locally.
    public var requestsPerDay: Int
    /// Consecutive failures that open the circuit.
    public var breakerFailures: Int
    /// First pause before a half-open probe, in nanoseconds; doubles after each failed probe.
    public var breakerBackoffNanoseconds: Int64
    /// Longest pause between probes, in nanoseconds.
    public var breakerMaxBackoffNanoseconds: Int64
    /// CA bundle for the endpoint, if not the system's.
    public var caFile: String?

    /// Creates endpoint settings with the documented defaults.
    public init(
        name: String, url: String, model: String, key: KeySource = .none, timeoutNanoseconds: Int64 = 10_000_000_000,
        maxTokens: Int = 256, concurrency: Int = 2, requestsPerMinute: Int = 10, requestsPerDay: Int = 1000,
        breakerFailures: Int = 3, breakerBackoffNanoseconds: Int64 = 30_000_000_000,
        breakerMaxBackoffNanoseconds: Int64 = 600_000_000_000, caFile: String? = nil
    ) {
        self.name = name
        self.url = url
        self.model = model
        self.key = key
        self.timeoutNanoseconds = timeoutNanoseconds
        self.maxTokens = maxTokens
        self.concurrency = concurrency
        self.requestsPerMinute = requestsPerMinute
        self.requestsPerDay = requestsPerDay
        self.breakerFailures = breakerFailures
        self.breakerBackoffNanoseconds = breakerBackoffNanoseconds
        self.breakerMaxBackoffNanoseconds = breakerMaxBackoffNanoseconds
        self.caFile = caFile
    }
}

extension SourceConfig {
    /// Per point: its deadband (nil for none), in point order. Only Modbus points have one.
    public var pointDeadbands: [Double?] {
        if case .modbus(_, let device) = kind { return device.points.map(\.deadband) }
        return Array(repeating: nil, count: pointNames.count)
    }

    /// Names of the points marked `redact: true` (docs/safety.md S8): masked before any AI call.
    public var redactedPoints: [String] {
        switch kind {
        case .modbus(_, let device): device.points.filter(\.redact).map(\.name)
        case .simulated(let device): device.points.filter(\.redact).map(\.name)
        case .gpio: []
        }
    }

    /// Whether any point is text (a Modbus `string(n)`), which flows receive as strings.
    public var hasStringPoints: Bool {
        guard case .modbus(_, let device) = kind else { return false }
        return device.points.contains {
            if case .string = $0.type { return true }
            return false
        }
    }
}
