#if canImport(Glibc)
    import Glibc
#endif
internal import CMosquitto
import EdgeCore

/// A libmosquitto call that failed: which call, libmosquitto's code and its message.
struct MQTTError: Error, Sendable, CustomStringConvertible {
    /// What was being done (`connect to broker.example:8883`).
    var operation: String
    /// libmosquitto's `MOSQ_ERR_*` code.
    var code: Int32
    /// `mosquitto_strerror`'s text, or the system's when the code means "see errno".
    var message: String

    /// `connect to 127.0.0.1:1883: Connection refused`.
    var description: String { "\(operation): \(message)" }

    /// Builds the error for a failed call; `savedErrno` is `errno` read right after that call,
    /// before anything else could change it.
    init(_ operation: String, code: Int32, errno savedErrno: Int32) {
        self.operation = operation
        self.code = code
        switch code {
        case Int32(MOSQ_ERR_ERRNO.rawValue):
            // mosquitto_strerror would read errno again, after our own calls may have changed it.
            message = String(cString: strerror(savedErrno))
        case Int32(MOSQ_ERR_EAI.rawValue):
            // libmosquitto stores getaddrinfo's code in errno for lookup failures.
            message = "cannot resolve the host: " + String(cString: gai_strerror(savedErrno))
        default:
            message = mosquittoMessage(code)
        }
    }
}

/// `mosquitto_strerror` as a Swift string.
func mosquittoMessage(_ code: Int32) -> String {
    guard let text = mosquitto_strerror(code) else { return "libmosquitto error \(code)" }
    return String(cString: text)
}

/// A thin wrapper of one libmosquitto client handle, driven by the owner thread that created it.
///
/// Not thread-safe and not Sendable on purpose: libmosquitto runs every callback inside
/// `mosquitto_loop` on the calling thread, so as long as one thread makes all calls (which is
/// the uplink's design, with no `mosquitto_loop_start`), the callbacks need no locking. They do
/// nothing but record events; the owner acts on them after `loop` returns, outside libmosquitto,
/// so no Swift code runs with libmosquitto's callback mutex held.
final class MQTTClient {
    /// What libmosquitto reported during `loop` (or a connect call).
    enum Event: Equatable {
        /// CONNACK: 0 accepted, otherwise the MQTT 3.1.1 refusal code.
        case connected(code: Int32)
        /// The connection ended: 0 after our own DISCONNECT, otherwise unexpectedly.
        case disconnected(code: Int32)
        /// A QoS 1 message was acknowledged by the broker (PUBACK) for this message id.
        case published(messageID: Int32)
    }

    /// Where the C callbacks leave their events; passed to libmosquitto as the `obj` pointer.
    /// It is a separate object so the pointer exists before the handle (the handle needs it at
    /// creation) and stays valid until after `mosquitto_destroy`.
    private final class Mailbox {
        var events: [Event] = []
        /// The last warning or error libmosquitto logged: the detail its return codes lack
        /// ("A TLS error occurred" says nothing of an expired or unknown certificate).
        var libraryError: String?
    }

    /// `MOSQ_LOG_WARNING | MOSQ_LOG_ERR` (the header's shifted macros do not import).
    private static let reportedLogLevels: Int32 = 0x04 | 0x08

    /// Calls `mosquitto_lib_init` once per process (a Swift static is initialised exactly once,
    /// thread-safely). It is never undone: other handles may exist for the life of the process,
    /// and `mosquitto_lib_cleanup` would pull OpenSSL out from under them.
    private static let libraryStatus: Int32 = mosquitto_lib_init()

    private let handle: OpaquePointer
    private let mailbox: Mailbox

    /// Creates a client with a fixed id; `cleanSession: false` asks the broker to keep the
    /// session (and this handle keeps its unacknowledged messages) across reconnects.
    init(clientID: String, cleanSession: Bool) throws(MQTTError) {
        let status = Self.libraryStatus
        guard status == Int32(MOSQ_ERR_SUCCESS.rawValue) else {
            throw MQTTError("initialise libmosquitto", code: status, errno: 0)
        }
        let mailbox = Mailbox()
        guard let handle = mosquitto_new(clientID, cleanSession, Unmanaged.passUnretained(mailbox).toOpaque()) else {
            // mosquitto_new reports through errno: EINVAL (bad id) or ENOMEM.
            throw MQTTError("create client '\(clientID)'", code: Int32(MOSQ_ERR_ERRNO.rawValue), errno: errno)
        }
        self.handle = handle
        self.mailbox = mailbox
        // The callbacks cannot capture anything (they are C function pointers): the mailbox is
        // reached through the `obj` pointer libmosquitto hands back.
        mosquitto_connect_callback_set(handle) { _, context, code in
            MQTTClient.post(.connected(code: code), to: context)
        }
        mosquitto_disconnect_callback_set(handle) { _, context, code in
            MQTTClient.post(.disconnected(code: code), to: context)
        }
        mosquitto_publish_callback_set(handle) { _, context, messageID in
            MQTTClient.post(.published(messageID: messageID), to: context)
        }
        mosquitto_log_callback_set(handle) { _, context, level, text in
            guard let context, let text, level & MQTTClient.reportedLogLevels != 0 else { return }
            Unmanaged<Mailbox>.fromOpaque(context).takeUnretainedValue().libraryError = String(cString: text)
        }
    }

    deinit {
        // Destroy first: after this no callback can reach the mailbox, which is freed with self.
        mosquitto_destroy(handle)
    }

    private static func post(_ event: Event, to context: UnsafeMutableRawPointer?) {
        guard let context else { return }
        Unmanaged<Mailbox>.fromOpaque(context).takeUnretainedValue().events.append(event)
    }

    /// Returns and clears the events recorded since the last call.
    func takeEvents() -> [Event] {
        let events = mailbox.events
        mailbox.events.removeAll(keepingCapacity: true)
        return events
    }

    /// Speaks MQTT 3.1.1: libmosquitto 2.0's default already, set anyway so a library default
    /// that moves to MQTT 5 (whose session and will semantics differ) changes nothing here.
    func useProtocol311() throws(MQTTError) {
        try check(
            mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311), "select MQTT 3.1.1")
    }

    /// Debian's CA directory (the hashed links `update-ca-certificates` maintains).
    private static let systemCADirectory = "/etc/ssl/certs"

    /// Uses TLS, verifying the broker against the operating system's CA certificates (and its
    /// host name, libmosquitto's default).
    func useTLSWithSystemCertificates() throws(MQTTError) {
        try check(mosquitto_int_option(handle, MOSQ_OPT_TLS_USE_OS_CERTS, 1), "enable TLS with the system CAs")
        // libmosquitto 2.0.11 (Debian bookworm's) fails every connect after the first with
        // "MOSQ_OPT_SSL_CTX_WITH_DEFAULTS used without specifying cafile, capath or psk" when
        // only the OS-certificates option is set (upstream issue #2288, fixed in 2.0.12). Naming
        // the same CAs by directory as well takes the code path that works.
        if Files.isDirectory(Self.systemCADirectory) {
            try check(
                mosquitto_tls_set(handle, nil, Self.systemCADirectory, nil, nil, nil),
                "use the CA certificates in '\(Self.systemCADirectory)'")
        }
    }

    /// Uses TLS, verifying the broker (and its host name) against the CA certificates in
    /// `caFile` only: for a broker with a private CA.
    func useTLS(caFile: String) throws(MQTTError) {
        try check(mosquitto_tls_set(handle, caFile, nil, nil, nil, nil), "use the CA certificates in '\(caFile)'")
    }

    /// Sets the user name and password sent in CONNECT.
    func setCredentials(username: String, password: String?) throws(MQTTError) {
        try check(mosquitto_username_pw_set(handle, username, password), "set the user name and password")
    }

    /// The message the broker publishes for us when the connection ends without a DISCONNECT.
    func setWill(topic: String, payload: [UInt8], qos: Int32, retain: Bool) throws(MQTTError) {
        let rc = payload.withUnsafeBytes { bytes in
            mosquitto_will_set(handle, topic, Int32(bytes.count), bytes.baseAddress, qos, retain)
        }
        try check(rc, "set the last will on '\(topic)'")
    }

    /// Starts connecting without blocking on the TCP handshake (name resolution still blocks):
    /// the CONNECT goes out from `loop` once the socket is up, and the CONNACK arrives as an
    /// event. Unacknowledged QoS 1 messages of this handle are sent again after the CONNACK.
    func connect(host: String, port: Int, keepAliveSeconds: Int) throws(MQTTError) {
        mailbox.libraryError = nil
        let rc = mosquitto_connect_async(handle, host, Int32(port), Int32(keepAliveSeconds))
        // "Pending" is the non-blocking handshake still under way: a success here.
        guard rc != Int32(MOSQ_ERR_CONN_PENDING.rawValue) else { return }
        try check(rc, "connect to \(host):\(port)")
    }

    /// Queues a message and returns its message id. A QoS 1 message stays with the handle until
    /// its PUBACK, across reconnects, and is never dropped by libmosquitto on its own.
    func publish(topic: String, payload: [UInt8], qos: Int32, retain: Bool) throws(MQTTError) -> Int32 {
        var messageID: Int32 = 0
        let rc = payload.withUnsafeBytes { bytes in
            mosquitto_publish(handle, &messageID, topic, Int32(bytes.count), bytes.baseAddress, qos, retain)
        }
        try check(rc, "publish to '\(topic)'")
        return messageID
    }

    /// Runs the network once: waits up to `timeoutMilliseconds` for the socket, reads and writes
    /// what is ready, sends keep-alive pings and notices a dead connection. Events are recorded
    /// for `takeEvents`. Throws when the connection is lost (the socket is closed by then).
    func loop(timeoutMilliseconds: Int) throws(MQTTError) {
        mailbox.libraryError = nil
        try check(mosquitto_loop(handle, Int32(timeoutMilliseconds), 1), "network loop")
    }

    /// Sends DISCONNECT (so the broker discards the will) and closes the socket.
    func disconnect() {
        _ = mosquitto_disconnect(handle)
    }

    /// libmosquitto's text for a CONNACK refusal code.
    static func connackMessage(_ code: Int32) -> String {
        guard let text = mosquitto_connack_string(code) else { return "refused (\(code))" }
        return String(cString: text)
    }

    /// Throws for a failed call, with what libmosquitto logged about it since the call began.
    private func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws(MQTTError) {
        guard rc != Int32(MOSQ_ERR_SUCCESS.rawValue) else { return }
        let savedErrno = errno
        var error = MQTTError(operation(), code: rc, errno: savedErrno)
        if let detail = mailbox.libraryError { error.message += " (\(detail))" }
        mailbox.libraryError = nil
        throw error
    }
}
