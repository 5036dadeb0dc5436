import EdgeCore

/// What the poll loop keeps per device between cycles: schedule, counters and the reusable
/// sample buffers, sized once so a cycle allocates nothing.
struct DeviceRuntime {
    let config: ModbusDeviceConfig
    let plan: ModbusReadPlan
    var due: Int64
    var stats: ModbusDeviceStats
    var samples: [Sample]
    var texts: [String?]
    var cycleEnd: Int64 = 0
    var cycleError: ModbusError?
    var cycleExceptions = 0
    /// Wall time of the last good poll before the current outage.
    var outageStartedAt: Int64?

    init(config: ModbusDeviceConfig, plan: ModbusReadPlan, due: Int64) {
        self.config = config
        self.plan = plan
        self.due = due
        stats = ModbusDeviceStats(deviceID: config.id)
        samples = config.points.indices.map {
            Sample(source: config.source, point: UInt16(truncatingIfNeeded: $0), timestamp: 0, value: .nan,
                   quality: .commError)
        }
        let hasStrings = config.points.contains {
            if case .string = $0.type { return true }
            return false
        }
        texts = hasStrings ? [String?](repeating: nil, count: config.points.count) : []
    }

    /// Gives every point of a failed request the failure's quality and no value.
    mutating func mark(_ request: ModbusReadRequest, quality: SampleQuality, at timestamp: Int64) {
        for placed in request.points {
            samples[placed.point].value = .nan
            samples[placed.point].quality = quality
            samples[placed.point].timestamp = timestamp
            if !texts.isEmpty { texts[placed.point] = nil }
        }
    }

    /// Decodes the points of an answered request from the poll buffers.
    mutating func decode(_ request: ModbusReadRequest, registers: [UInt16], bits: [UInt8], at timestamp: Int64) {
        for placed in request.points {
            let point = config.points[placed.point]
            var value: Double
            if request.space.isBits {
                value = placed.offset < bits.count && bits[placed.offset] != 0 ? 1 : 0
            } else if case .string(let length) = point.type {
                value = .nan
                texts[placed.point] = ModbusCodec.decodeString(
                    length: length, order: point.effectiveOrder, registers: registers, at: placed.offset)
                samples[placed.point].quality = .good
                samples[placed.point].timestamp = timestamp
                samples[placed.point].value = value
                continue
            } else {
                value = ModbusCodec.decodeNumber(
                    point.type, order: point.effectiveOrder, registers: registers, at: placed.offset)
            }
            value = point.engineeringValue(raw: value)
            samples[placed.point].value = value
            samples[placed.point].quality = value.isFinite ? .good : .invalid
            samples[placed.point].timestamp = timestamp
        }
    }
}
