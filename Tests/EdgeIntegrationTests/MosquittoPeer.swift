import EdgeCore
import EdgeTestSupport

#if canImport(Glibc)
    import Glibc
#endif

private let mosquittoInstallHint = "apt-get install mosquitto mosquitto-clients"

/// `name` on PATH, or in the sbin directories a non-root PATH often lacks (Debian installs the
/// broker as /usr/sbin/mosquitto); a missing tool fails the test with the install hint.
func requireMosquittoTool(_ name: String) throws(PeerError) -> String {
    do {
        return try requireExecutable(name, install: mosquittoInstallHint)
    } catch {
        for directory in ["/usr/sbin", "/usr/local/sbin"] where access("\(directory)/\(name)", X_OK) == 0 {
            return "\(directory)/\(name)"
        }
        throw error
    }
}

/// A mosquitto 2.0 broker on 127.0.0.1 only, with a persistence directory inside the test's
/// temporary directory, so a restart on the same port keeps persistent sessions (the
/// subscriber's and the uplink's). Stopped by PID.
final class MosquittoBroker {
    let port: UInt16
    private let directory: TemporaryDirectory
    private let executable: String
    private let configPath: String
    private var runs = 0
    private(set) var process: PeerProcess?

    /// `listenerOptions` go right after the listener line (`certfile ...` for TLS).
    init(in directory: TemporaryDirectory, listenerOptions: String = "", allowAnonymous: Bool = true) throws {
        executable = try requireMosquittoTool("mosquitto")
        self.directory = directory
        port = try freeTCPPort()
        let persistence = directory.file("broker-db")
        try Files.makeDirectories(persistence)
        // `user root` only matters when the tests run as root: it keeps the broker from
        // switching to the `mosquitto` user, which could not write into this private directory.
        configPath = try directory.write(
            "mosquitto.conf",
            """
            per_listener_settings false
            listener \(port) 127.0.0.1
            \(listenerOptions)
            allow_anonymous \(allowAnonymous)
            persistence true
            persistence_location \(persistence)/
            user root
            log_dest stderr
            log_type all
            max_queued_messages 10000

            """)
    }

    deinit { process?.terminate() }

    /// Starts the broker (again) and waits until it accepts connections.
    func start() async throws {
        runs += 1
        let started = try PeerProcess.start(executable, ["-c", configPath], log: directory.file("broker-\(runs).log"))
        process = started
        try await started.waitForTCPPort(port)
    }

    /// SIGTERM by PID and waits for the exit; the broker writes its persistence file on the way out.
    func stop() async throws {
        guard let process else { return }
        kill(process.pid, SIGTERM)
        // A stopped (SIGSTOP) broker only acts on SIGTERM once continued.
        kill(process.pid, SIGCONT)
        guard await process.waitForExit(timeout: .seconds(10)) != nil else {
            process.terminate()
            throw PeerError("mosquitto did not exit on SIGTERM:\n\(process.output())")
        }
        self.process = nil
    }

    /// Freezes the broker (SIGSTOP): the kernel still accepts and buffers what clients send, but
    /// nothing is read or answered, so no PUBACK can come.
    func pause() {
        if let process { kill(process.pid, SIGSTOP) }
    }

    /// Lets a paused broker run again.
    func resume() {
        if let process { kill(process.pid, SIGCONT) }
    }

    /// Everything every run of the broker logged.
    func log() -> String {
        (1...max(runs, 1)).map { readTextFile(directory.file("broker-\($0).log")) }.joined()
    }

    /// What the running broker has logged.
    func currentLog() -> String { readTextFile(directory.file("broker-\(runs).log")) }

    /// The client-side port of `clientID`'s latest connection to the running broker.
    func clientPort(_ clientID: String) -> UInt16? {
        let marker = " as \(clientID) ("
        guard let line = currentLog().split(separator: "\n").last(where: { $0.contains(marker) }),
            let from = line.firstRange(of: "from 127.0.0.1:"), let end = line.firstRange(of: marker)
        else { return nil }
        return UInt16(line[from.upperBound..<end.lowerBound])
    }

    /// Bytes `clientID` sent that the broker has not read yet (the receive queue of the broker's
    /// end of that connection, from /proc/net/tcp). Non-zero while paused means a packet of that
    /// client is in flight.
    func unreadBytes(from clientID: String) -> Int {
        guard let client = clientPort(clientID) else { return 0 }
        let local = ":" + hex(port)
        let remote = ":" + hex(client)
        var total = 0
        for line in readTextFile("/proc/net/tcp").split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            // sl local_address rem_address st tx_queue:rx_queue ...
            guard fields.count > 4, fields[1].hasSuffix(local), fields[2].hasSuffix(remote), fields[3] == "01" else {
                continue
            }
            let queues = fields[4].split(separator: ":")
            if queues.count == 2, let rx = Int(queues[1], radix: 16) { total += rx }
        }
        return total
    }

    /// Whether the running broker got a PUBACK for every message it sent to the subscriber, so a
    /// restart has nothing of its own to redeliver to it (which would look like duplicates).
    func subscriberCaughtUp() -> Bool {
        let log = currentLog()
        let sent = log.split(separator: "\n").filter { $0.contains("Sending PUBLISH to testsub") }.count
        let acknowledged = log.split(separator: "\n").filter { $0.contains("Received PUBACK from testsub") }.count
        return sent == acknowledged
    }

    private func hex(_ value: UInt16) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The retained message on `topic` right now, read by a separate `mosquitto_sub -C 1`.
    func retained(_ topic: String) async throws -> String {
        let sub = try requireMosquittoTool("mosquitto_sub")
        let (status, output) = try await runToCompletion(
            sub, ["-h", "127.0.0.1", "-p", "\(port)", "-t", topic, "-C", "1", "-W", "5"], in: directory,
            timeout: .seconds(10))
        guard status == 0 else { throw PeerError("mosquitto_sub -C 1 -t \(topic) exited \(status): \(output)") }
        return String(output.split(whereSeparator: { $0.isWhitespace }).joined(separator: " "))
    }
}

/// `mosquitto_sub -v -q 1 -c -i testsub -t 'edgeflow/#'`: a persistent QoS 1 subscriber that
/// reconnects by itself after a broker restart; every message lands in its log as
/// `<topic> <payload>`.
final class MosquittoSubscriber {
    let process: PeerProcess

    init(broker: MosquittoBroker, in directory: TemporaryDirectory) async throws {
        let sub = try requireMosquittoTool("mosquitto_sub")
        process = try PeerProcess.start(
            sub,
            ["-h", "127.0.0.1", "-p", "\(broker.port)", "-t", "edgeflow/#", "-v", "-q", "1", "-c", "-i", "testsub"],
            log: directory.file("subscriber.log"))
        // From the SUBACK on nothing published is missed. The broker's log shows it at once; the
        // subscriber's own output is block-buffered until its first message.
        let subscribed = await eventually(timeout: .seconds(15)) { broker.log().contains("Sending SUBACK to testsub") }
        guard subscribed else {
            throw PeerError("mosquitto_sub did not subscribe:\n\(process.output())\n\(broker.log())")
        }
    }

    deinit { process.terminate() }

    /// Every message received so far, in order.
    func messages() -> [(topic: String, payload: String)] {
        process.output().split(separator: "\n").compactMap { line in
            guard line.hasPrefix("edgeflow/"), let space = line.firstIndex(of: " ") else { return nil }
            return (String(line[..<space]), String(line[line.index(after: space)...]))
        }
    }
}
