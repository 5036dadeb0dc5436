import EdgeModbus
import Testing

private func hr(_ address: UInt16, _ type: ModbusDataType = .uint16, _ name: String? = nil) -> ModbusPoint {
    ModbusPoint(name: name ?? "hr\(address)", space: .holding, address: ModbusAddress(address), type: type)
}

private func point(_ space: ModbusSpace, _ address: UInt16, _ type: ModbusDataType = .uint16) -> ModbusPoint {
    ModbusPoint(name: "\(space)\(address)", space: space, address: ModbusAddress(address), type: type)
}

/// One planner case: points and options in, `space start count` per request out.
struct PlanCase: Sendable, CustomTestStringConvertible {
    var name: String
    var points: [ModbusPoint]
    var options = ModbusPlanOptions(maxRegisterGap: 4, maxBitGap: 8)
    var expected: [String]

    var testDescription: String { name }
}

let planCases: [PlanCase] = [
    PlanCase(name: "no points, no requests", points: [], expected: []),
    PlanCase(name: "adjacent registers merge", points: [hr(0), hr(1), hr(2)], expected: ["holding 0 3"]),
    PlanCase(name: "gap within max gap merges", points: [hr(0), hr(5)], expected: ["holding 0 6"]),
    PlanCase(name: "gap beyond max gap splits", points: [hr(0), hr(6)], expected: ["holding 0 1", "holding 6 1"]),
    PlanCase(
        name: "max gap 0 merges only adjacent", points: [hr(0), hr(1), hr(3)],
        options: ModbusPlanOptions(maxRegisterGap: 0), expected: ["holding 0 2", "holding 3 1"]),
    PlanCase(
        name: "wide types count their registers", points: [hr(0, .float32), hr(2, .float64), hr(6, .int32)],
        expected: ["holding 0 8"]),
    PlanCase(
        name: "input order does not matter", points: [hr(10), hr(0, .float32), hr(4)],
        expected: ["holding 0 5", "holding 10 1"]),
    PlanCase(
        name: "spaces never mix and come in table order",
        points: [point(.input, 0), point(.holding, 0), point(.discrete, 0, .bool), point(.coil, 0, .bool)],
        expected: ["coil 0 1", "discrete 0 1", "holding 0 1", "input 0 1"]),
    PlanCase(
        name: "125 registers fit one request", points: [hr(0), hr(124)],
        options: ModbusPlanOptions(maxRegisterGap: 200), expected: ["holding 0 125"]),
    PlanCase(
        name: "126 registers need two", points: [hr(0), hr(125)],
        options: ModbusPlanOptions(maxRegisterGap: 200), expected: ["holding 0 1", "holding 125 1"]),
    PlanCase(
        name: "a wide point crossing the limit starts a new request", points: [hr(0), hr(124, .float32)],
        options: ModbusPlanOptions(maxRegisterGap: 200), expected: ["holding 0 1", "holding 124 2"]),
    PlanCase(
        name: "a wide point ending at the limit still fits", points: [hr(0), hr(123, .float32)],
        options: ModbusPlanOptions(maxRegisterGap: 200), expected: ["holding 0 125"]),
    PlanCase(
        name: "a device limit below the protocol's", points: [hr(0), hr(5), hr(10)],
        options: ModbusPlanOptions(maxRegisterGap: 10, maxRegistersPerRequest: 8),
        expected: ["holding 0 6", "holding 10 1"]),
    PlanCase(
        name: "limits above the protocol's are clamped", points: [hr(0), hr(199)],
        options: ModbusPlanOptions(maxRegisterGap: 500, maxRegistersPerRequest: 500),
        expected: ["holding 0 1", "holding 199 1"]),
    PlanCase(
        name: "2000 bits fit one request", points: [point(.coil, 0, .bool), point(.coil, 1999, .bool)],
        options: ModbusPlanOptions(maxBitGap: 5000), expected: ["coil 0 2000"]),
    PlanCase(
        name: "2001 bits need two", points: [point(.coil, 0, .bool), point(.coil, 2000, .bool)],
        options: ModbusPlanOptions(maxBitGap: 5000), expected: ["coil 0 1", "coil 2000 1"]),
    PlanCase(
        name: "bit gap is separate from register gap",
        points: [point(.discrete, 0, .bool), point(.discrete, 9, .bool), point(.discrete, 19, .bool)],
        expected: ["discrete 0 10", "discrete 19 1"]),
    PlanCase(
        name: "points sharing a register share the request",
        points: [hr(7, .bit(0)), hr(7, .bit(15)), hr(7)], expected: ["holding 7 1"]),
    PlanCase(
        name: "a point inside a wider one", points: [hr(0, .string(length: 20)), hr(3)],
        expected: ["holding 0 10"]),
    PlanCase(
        name: "last address of the table", points: [hr(65534), hr(65535)], expected: ["holding 65534 2"]),
]

@Suite struct ModbusReadPlanTests {
    @Test(arguments: planCases)
    func mergesPointsIntoTheFewestRequests(_ c: PlanCase) {
        let plan = ModbusReadPlan(points: c.points, options: c.options)
        #expect(plan.requests.map { "\($0.space) \($0.address) \($0.count)" } == c.expected)
        // Every point is in exactly one request, inside its range.
        let placed = plan.requests.flatMap { request in request.points.map { (request, $0) } }
        #expect(placed.map(\.1.point).sorted() == Array(c.points.indices))
        for (request, p) in placed {
            let point = c.points[p.point]
            #expect(point.space == request.space)
            #expect(Int(request.address.rawValue) + p.offset == Int(point.address.rawValue))
            #expect(p.offset + point.width <= request.count)
        }
    }

    @Test func describesThePlanForCheck() {
        let plan = ModbusReadPlan(
            points: [hr(0, .float32, "voltage"), hr(2, .float32, "current"), point(.coil, 3, .bool)],
            options: ModbusPlanOptions())
        #expect(
            plan.description == """
                2 requests for 3 points
                  FC1 coil 3...3 (1 bit): coil3
                  FC3 holding 0...3 (4 registers): voltage, current
                """)
    }

    @Test func reportsTheLargestRequestPerKind() {
        let plan = ModbusReadPlan(points: [hr(0), hr(100, .float64), point(.coil, 0, .bool), point(.coil, 40, .bool)])
        #expect(plan.maxRegisterCount == 4)
        #expect(plan.maxBitCount == 41)
    }
}
