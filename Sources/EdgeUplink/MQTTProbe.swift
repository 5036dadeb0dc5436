public import EdgeCore

/// What `edgeflow uplink test` found at an MQTT broker.
public struct MQTTProbeResult: Sendable {
    /// The topic the probe went to.
    public var topic: String
    /// From the start of the connection to the CONNACK (ns); nil when it never came.
    public var connectNanoseconds: Int64?
    /// From the PUBLISH to its PUBACK (ns); nil when it never came.
    public var acknowledgementNanoseconds: Int64?
    /// Why it failed, nil when the broker acknowledged the probe.
    public var error: String?
}

extension MQTTUplink {
    /// Connects to the broker of `settings` the way the agent does (TLS, CA file, credentials),
    /// publishes one probe message with QoS 1 to `edgeflow/<gateway>/probe` and waits for its
    /// PUBACK, all within `timeoutNanoseconds`; blocks the calling thread (a command's own).
    ///
    /// It uses its own client id (`<client id>-probe`) and a clean session, so it can run beside
    /// the agent: the broker would otherwise drop the agent's connection for the newcomer, and a
    /// persistent probe session would linger there.
    public static func probe(
        _ settings: MQTTUplinkSettings, payload: [UInt8], timeoutNanoseconds: Int64 = 10_000_000_000,
        clock: any EdgeClock = SystemClock()
    ) -> MQTTProbeResult {
        let topic = "edgeflow/\(settings.gateway)/probe"
        var result = MQTTProbeResult(topic: topic)
        let started = clock.monotonicNanoseconds()
        let deadline = started + timeoutNanoseconds
        do {
            let password = try settings.passwordFile.map { file throws(FileError) in try readPassword(file) }
            let client = try MQTTUplink.makeClient(settings, password: password, probe: true)
            try client.connect(host: settings.host, port: settings.port, keepAliveSeconds: settings.keepAliveSeconds)
            defer { client.disconnect() }
            var published: (id: Int32, at: Int64)?
            while clock.monotonicNanoseconds() < deadline {
                try client.loop(timeoutMilliseconds: 100)
                for event in client.takeEvents() {
                    switch event {
                    case .connected(let code) where code == 0:
                        result.connectNanoseconds = clock.monotonicNanoseconds() - started
                        // Timed from before the call: it writes the PUBLISH itself, and the PUBACK
                        // may already wait in the socket when it returns.
                        let sent = clock.monotonicNanoseconds()
                        let id = try client.publish(topic: topic, payload: payload, qos: 1, retain: false)
                        published = (id, sent)
                    case .connected(let code):
                        result.error = "the broker refused the connection: \(MQTTClient.connackMessage(code))"
                        return result
                    case .disconnected(let code):
                        result.error = "the broker closed the connection: \(mosquittoMessage(code))"
                        return result
                    case .published(let id) where id == published?.id:
                        result.acknowledgementNanoseconds = clock.monotonicNanoseconds() - (published?.at ?? started)
                        return result
                    case .published:
                        break
                    }
                }
            }
            result.error = result.connectNanoseconds == nil ? "no CONNACK in time" : "no PUBACK in time"
        } catch {
            result.error = "\(error)"
        }
        return result
    }
}
