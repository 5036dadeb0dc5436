/// Where one point sits inside a read request.
public struct ModbusPlannedPoint: Sendable, Hashable {
    /// Index of the point in the device's `points` (and `Sample.point`).
    public var point: Int
    /// Offset of the point's first register or bit from the request's start address.
    public var offset: Int

    /// Creates a placement.
    public init(point: Int, offset: Int) {
        self.point = point
        self.offset = offset
    }
}

/// One read request of a plan: a function code over a contiguous range.
public struct ModbusReadRequest: Sendable, Hashable, CustomStringConvertible {
    /// The table read.
    public var space: ModbusSpace
    /// First address read.
    public var address: ModbusAddress
    /// Number of registers or bits read.
    public var count: Int
    /// The points decoded from the response, by ascending address.
    public var points: [ModbusPlannedPoint]

    /// Creates a request.
    public init(space: ModbusSpace, address: ModbusAddress, count: Int, points: [ModbusPlannedPoint]) {
        self.space = space
        self.address = address
        self.count = count
        self.points = points
    }

    /// Last address read.
    public var lastAddress: Int { Int(address.rawValue) + count - 1 }

    /// `FC3 holding 0...9 (10 registers)`.
    public var description: String {
        let items = count == 1 ? space.itemName : space.itemName + "s"
        return "FC\(space.readFunctionCode) \(space) \(address)...\(lastAddress) (\(count) \(items))"
    }
}

/// The read requests that poll one device: its points merged into as few requests as the
/// protocol limits and the configured maximum gap allow.
public struct ModbusReadPlan: Sendable, Hashable, CustomStringConvertible {
    /// The requests in the order they are sent: by table (coil, discrete, holding, input), then address.
    public var requests: [ModbusReadRequest]
    /// The names of the points, by point index (for `description`).
    public var pointNames: [String]

    /// Plans the reads for `points` (see `ModbusPlanOptions`). Limits above the protocol maxima
    /// are clamped to them; a point wider than the request limit gets a request of its own.
    public init(points: [ModbusPoint], options: ModbusPlanOptions = ModbusPlanOptions()) {
        pointNames = points.map(\.name)
        requests = []
        for space in ModbusSpace.allCases {
            let limit = max(1, min(space.isBits ? options.maxBitsPerRequest : options.maxRegistersPerRequest,
                                   space.maxReadCount))
            let maxGap = max(0, space.isBits ? options.maxBitGap : options.maxRegisterGap)
            let members = points.indices
                .filter { points[$0].space == space }
                .sorted { (Int(points[$0].address.rawValue), $0) < (Int(points[$1].address.rawValue), $1) }
            var current: (start: Int, end: Int, points: [Int])?
            for index in members {
                let start = Int(points[index].address.rawValue)
                let end = start + points[index].width  // exclusive
                if var open = current, start - open.end <= maxGap, max(open.end, end) - open.start <= limit {
                    open.end = max(open.end, end)
                    open.points.append(index)
                    current = open
                    continue
                }
                if let open = current { requests.append(Self.request(space, open, points)) }
                current = (start, end, [index])
            }
            if let open = current { requests.append(Self.request(space, open, points)) }
        }
    }

    private static func request(
        _ space: ModbusSpace, _ range: (start: Int, end: Int, points: [Int]), _ points: [ModbusPoint]
    ) -> ModbusReadRequest {
        let start = range.start
        // The end is clamped because a point running past 65535 is a config error reported elsewhere;
        // the plan must still be well-formed.
        let end = min(range.end, Int(UInt16.max) + 1)
        return ModbusReadRequest(
            space: space,
            address: ModbusAddress(UInt16(start)),
            count: max(1, end - start),
            points: range.points.map { ModbusPlannedPoint(point: $0, offset: Int(points[$0].address.rawValue) - start) }
        )
    }

    /// The largest register count of any request (sizes the poll buffer).
    public var maxRegisterCount: Int { requests.filter { !$0.space.isBits }.map(\.count).max() ?? 0 }
    /// The largest bit count of any request.
    public var maxBitCount: Int { requests.filter { $0.space.isBits }.map(\.count).max() ?? 0 }

    /// One line per request with the points it carries, for `edgeflow check`:
    /// `FC3 holding 0...11 (12 registers): voltage, current, power`.
    public var description: String {
        let total = requests.reduce(0) { $0 + $1.points.count }
        let requestWord = requests.count == 1 ? "request" : "requests"
        var lines = ["\(requests.count) \(requestWord) for \(total) point\(total == 1 ? "" : "s")"]
        for request in requests {
            let names = request.points.map { $0.point < pointNames.count ? pointNames[$0.point] : "#\($0.point)" }
            lines.append("  \(request): \(names.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n")
    }
}
