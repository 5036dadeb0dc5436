import EdgeConfig
import EdgeCore
import EdgeFlux
import EdgeGPIO
import EdgeModbus
import EdgeUplink

#if canImport(Glibc)
    import Glibc
#endif

/// One line of `edgeflow doctor`: what was checked, how it went, and what to do about it.
struct DoctorCheck: Equatable {
    enum Level: String {
        case pass = "PASS"
        case warn = "WARN"
        case fail = "FAIL"
    }

    var name: String
    var level: Level
    var detail: String
    var hint: String?

    /// `{"name": ..., "level": "pass", "detail": ..., "hint": ...}`.
    var json: JSONValue {
        var object = JSONObject([("name", .string(name)), ("level", .string(level.rawValue.lowercased())), ("detail", .string(detail))])
        if let hint { object["hint"] = .string(hint) }
        return .object(object)
    }
}

/// The checks a technician needs on a gateway: what this build is, what machine it is on, and
/// whether the devices, directories and clock the config needs are usable. Read-only: nothing
/// is created, opened for writing or changed.
enum Doctor {
    /// Everything this build was made after: a clock before it is certainly wrong (a board
    /// without an RTC that booted before NTP synchronised).
    static let buildEpochSeconds: Int64 = 1_795_910_400  // 2026-11-29T00:00:00Z

    /// Runs every check; `config` is the compiled config when one was given and compiled.
    static func run(configFile: String?, config: AgentConfig?, configErrors: Int, clock: any EdgeClock = SystemClock())
        -> [DoctorCheck]
    {
        var checks: [DoctorCheck] = [
            DoctorCheck(name: "edgeflow", level: .pass, detail: "version \(edgeflowVersion)"),
            DoctorCheck(name: "libmodbus", level: .pass, detail: ModbusClient.libraryVersion),
            DoctorCheck(name: "libcurl", level: .pass, detail: HTTPClient.libraryVersion),
            DoctorCheck(
                name: "libgpiod", level: .pass,
                detail: "\(GPIOLibrary.version) (v\(GPIOLibrary.apiVersion) API, "
                    + "\(GPIOLibrary.kernelDebounce ? "kernel" : "software") debounce)"),
        ]
        if let configFile {
            if let config {
                checks.append(DoctorCheck(name: "config", level: .pass, detail: "\(configFile) compiles"))
                checks += boardChecks(config.board)
                checks += serialChecks(config)
                checks.append(dataDirectoryCheck(config.agent.dataDir))
                checks += endpointChecks(config)
            } else {
                checks.append(DoctorCheck(
                    name: "config", level: .fail,
                    detail: "\(configFile) has \(configErrors) error\(configErrors == 1 ? "" : "s")",
                    hint: "run: edgeflow check --config \(configFile)"))
            }
        } else {
            checks += boardChecks(nil)
        }
        checks.append(clockCheck(clock))
        return checks
    }

    /// The device tree's model string, and the GPIO character devices.
    static func boardChecks(_ board: Board?) -> [DoctorCheck] {
        let model = deviceTreeModel()
        var checks: [DoctorCheck] = []
        switch (board, model) {
        case (let board?, _) where board.simulated:
            checks.append(DoctorCheck(
                name: "board", level: .pass,
                detail: "simulated board; this machine: \(model ?? "no device tree model")"))
        case (let board?, nil):
            checks.append(DoctorCheck(
                name: "board", level: .warn, detail: "config is for '\(board.id)' (\(board.name)), but this machine has no device tree model",
                hint: "on a Raspberry Pi /proc/device-tree/model names the board; run doctor on the gateway itself"))
        case (let board?, let model?):
            checks.append(DoctorCheck(name: "board", level: .pass, detail: "\(model) (config: \(board.id), \(board.name))"))
        case (nil, let model?):
            checks.append(DoctorCheck(name: "board", level: .pass, detail: model))
        case (nil, nil):
            checks.append(DoctorCheck(name: "board", level: .warn, detail: "no device tree model: not a Raspberry Pi-class board"))
        }
        let chips = Files.list("/dev").filter { $0.hasPrefix("gpiochip") }
        if chips.isEmpty {
            let simulated = board?.simulated == true
            checks.append(DoctorCheck(
                name: "gpio chips", level: simulated ? .pass : .warn,
                detail: simulated ? "none needed (simulated board)" : "no /dev/gpiochip*: this machine has no GPIO",
                hint: simulated ? nil : "GPIO needs the kernel's GPIO character devices"))
        } else {
            let closed = chips.filter { access("/dev/\($0)", R_OK | W_OK) != 0 }
            checks.append(DoctorCheck(
                name: "gpio chips", level: closed.isEmpty ? .pass : .fail,
                detail: closed.isEmpty
                    ? "\(chips.joined(separator: ", ")) readable and writable"
                    : "no access to \(closed.map { "/dev/\($0)" }.joined(separator: ", "))",
                hint: closed.isEmpty ? nil : "add the user to the gpio group: sudo usermod -aG gpio $USER (then log in again)"))
            // The board's chips are found by label: a wrong board in the config shows here.
            for chip in board?.simulated == false ? board?.chips ?? [] : [] {
                do {
                    let found = try GPIOChips.open(label: chip.label)
                    checks.append(DoctorCheck(name: "gpio chip \(chip.id)", level: .pass, detail: "\(chip.label) is \(found.path)"))
                } catch {
                    checks.append(DoctorCheck(name: "gpio chip \(chip.id)", level: .fail, detail: error.message, hint: error.hint))
                }
            }
        }
        return checks
    }

    /// Every serial port a bus of the config uses must exist and be usable by this user.
    static func serialChecks(_ config: AgentConfig) -> [DoctorCheck] {
        config.buses.compactMap { bus in
            guard case .rtu(let settings) = bus.transport else { return nil }
            let path = settings.device
            let name = "serial \(bus.id)"
            let fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
            if fd >= 0 {
                close(fd)
                return DoctorCheck(name: name, level: .pass, detail: "\(path) opens")
            }
            let code = errno
            let reason = String(cString: strerror(code))
            switch code {
            case ENOENT:
                return DoctorCheck(
                    name: name, level: .fail, detail: "\(path) does not exist",
                    hint: "is the RS-485 adapter plugged in? list the ports with: ls -l /dev/serial/by-id /dev/tty{USB,AMA,S}*")
            case EACCES, EPERM:
                return DoctorCheck(
                    name: name, level: .fail, detail: "\(path): \(reason)",
                    hint: "add the user to the dialout group: sudo usermod -aG dialout $USER (then log in again)")
            case EBUSY:
                return DoctorCheck(
                    name: name, level: .fail, detail: "\(path) is in use", hint: "find the other user with: fuser \(path)")
            default:
                return DoctorCheck(name: name, level: .fail, detail: "\(path): \(reason)")
            }
        }
    }

    /// The data directory (or its nearest existing parent, which will hold it) must be
    /// writable, and its file system must have room.
    static func dataDirectoryCheck(_ path: String) -> DoctorCheck {
        var existing = path
        while !Files.exists(existing) && existing != "/" && existing != "." {
            existing = Files.directory(of: existing)
        }
        guard access(existing, W_OK) == 0 else {
            return DoctorCheck(
                name: "data directory", level: .fail, detail: "\(existing) is not writable (data_dir: \(path))",
                hint: "give the agent's user the directory (systemd: StateDirectory=edgeflow)")
        }
        var fs = statvfs()
        guard statvfs(existing, &fs) == 0 else {
            return DoctorCheck(name: "data directory", level: .warn, detail: "\(path): cannot read free space")
        }
        let free = Int64(fs.f_bavail) * Int64(fs.f_frsize)
        let total = Int64(fs.f_blocks) * Int64(fs.f_frsize)
        let freeText = "\(humanSize(free)) free of \(humanSize(total))"
        let created = existing == path ? "" : " (will be created under \(existing))"
        if free < 100 << 20 || (total > 0 && free * 20 < total) {
            return DoctorCheck(
                name: "data directory", level: .warn, detail: "\(path)\(created): only \(freeText)",
                hint: "records need room while the uplink is down; free space or move data_dir")
        }
        return DoctorCheck(name: "data directory", level: .pass, detail: "\(path)\(created) writable, \(freeText)")
    }

    /// `512 MiB`, `7.5 GiB`: one decimal above a GiB, for people.
    static func humanSize(_ bytes: Int64) -> String {
        if bytes >= 1 << 30 {
            let tenths = (bytes * 10 + (1 << 29)) >> 30
            return "\(tenths / 10).\(tenths % 10) GiB"
        }
        return "\(bytes >> 20) MiB"
    }

    /// A gateway without an RTC boots with a clock from the past until NTP syncs.
    static func clockCheck(_ clock: any EdgeClock) -> DoctorCheck {
        let seconds = clock.wallNanoseconds() / 1_000_000_000
        let now = UTCDate.format(seconds * 1000) ?? "\(seconds) s since 1970"
        if seconds < buildEpochSeconds {
            return DoctorCheck(
                name: "clock", level: .fail, detail: "\(now) is before this build was made",
                hint: "the board probably has no RTC and NTP has not synchronised yet: check timedatectl")
        }
        return DoctorCheck(name: "clock", level: .pass, detail: now)
    }

    /// `/proc/device-tree/model` without its trailing NUL, or nil when there is none.
    static func deviceTreeModel() -> String? {
        guard let text = try? Files.readText("/proc/device-tree/model", limit: 4096) else { return nil }
        let model = String(text.unicodeScalars.filter { $0 != "\0" && $0 != "\n" }.map(Character.init))
        return model.isEmpty ? nil : model
    }

    /// Whether the uplink and every AI endpoint can be reached: DNS, TCP and, for TLS schemes,
    /// the handshake with certificate verification. Nothing is sent. An endpoint that is down is
    /// a warning (data waits in the spool, the ai action uses its fallback); a certificate that
    /// does not verify is a failure, since it will not fix itself.
    static func endpointChecks(_ config: AgentConfig) -> [DoctorCheck] {
        var targets: [(name: String, url: String, caFile: String?, proxy: String?)] = []
        if let uplink = config.uplink { targets.append(("uplink endpoint", uplink.url, uplink.caFile, uplink.proxy)) }
        for endpoint in config.ai?.endpoints ?? [] {
            targets.append(("ai endpoint \(endpoint.name)", endpoint.url, endpoint.caFile, nil))
        }
        guard !targets.isEmpty else { return [] }
        guard let client = try? HTTPClient() else {
            return [DoctorCheck(name: "endpoints", level: .warn, detail: "libcurl could not be initialised; not checked")]
        }
        return targets.map { target in
            let probe = client.probeConnection(url: target.url, caFile: target.caFile, proxy: target.proxy)
            let what = probe.tls ? "DNS, TCP, TLS" : "DNS, TCP"
            switch probe.stage {
            case .connected:
                return DoctorCheck(name: target.name, level: .pass, detail: "\(target.url) reachable (\(what))")
            case .dns:
                return DoctorCheck(
                    name: target.name, level: .warn, detail: "\(target.url): name not resolved (\(probe.message ?? ""))",
                    hint: "check DNS and the network (on a cellular gateway: the APN and the SIM)")
            case .tcp:
                return DoctorCheck(
                    name: target.name, level: .warn, detail: "\(target.url): no TCP connection (\(probe.message ?? ""))",
                    hint: "the endpoint is down or a firewall blocks the port; data waits in the spool meanwhile")
            case .tls:
                return DoctorCheck(
                    name: target.name, level: .fail, detail: "\(target.url): TLS failed (\(probe.message ?? ""))",
                    hint: "check the certificate (ca_file) and the clock: a gateway without RTC may think it is 1970")
            }
        }
    }
}
