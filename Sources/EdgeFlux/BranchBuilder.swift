/// Builds a `BranchProgram`. Each node is emitted knowing where to jump when it holds and when
/// it does not, right operands first, so every jump target already exists; `finish` then
/// reverses the tests into evaluation order.
struct BranchBuilder {
    /// Jump targets while building; `finish` maps them past the last test.
    static let exitTrue: Int32 = -1
    static let exitFalse: Int32 = -2

    let compiler: ClosureCompiler
    private(set) var tests: [BranchTest] = []
    private(set) var general = ContiguousArray<BoolCodeBox>()

    init(compiler: ClosureCompiler) {
        self.compiler = compiler
    }

    /// Emits `node` and returns where evaluation of it starts.
    mutating func emit(_ node: Node, onTrue: Int32, onFalse: Int32) -> Int32 {
        // Both ways lead to the same place: the node need not run (no test has side effects).
        if onTrue == onFalse { return onTrue }
        switch node {
        case .literal(let constant):
            return Semantics.isTrue(constant) ? onTrue : onFalse
        case .not(let operand):
            return emit(operand, onTrue: onFalse, onFalse: onTrue)
        case .and(let lhs, let rhs):
            let right = emit(rhs, onTrue: onTrue, onFalse: onFalse)
            return emit(lhs, onTrue: right, onFalse: onFalse)
        case .or(let lhs, let rhs):
            let right = emit(rhs, onTrue: onTrue, onFalse: onFalse)
            return emit(lhs, onTrue: onTrue, onFalse: right)
        case .comparison(let op, let lhs, let rhs):
            switch slotTest(op, lhs, rhs) {
            case .constant(let holds):
                return holds ? onTrue : onFalse
            case .test(var test):
                test.onTrue = onTrue
                test.onFalse = onFalse
                return append(test)
            case nil:
                return appendGeneral(node, onTrue: onTrue, onFalse: onFalse)
            }
        default:
            return appendGeneral(node, onTrue: onTrue, onFalse: onFalse)
        }
    }

    /// The tests in evaluation order with their targets renumbered, and the entry point.
    func finish(entry: Int32) -> (ContiguousArray<BranchTest>, Int32) {
        let count = Int32(tests.count)
        func map(_ target: Int32) -> Int32 {
            switch target {
            case Self.exitTrue: count
            case Self.exitFalse: count + 1
            default: count - 1 - target
            }
        }
        var ordered = ContiguousArray<BranchTest>()
        ordered.reserveCapacity(tests.count)
        for var test in tests.reversed() {
            test.onTrue = map(test.onTrue)
            test.onFalse = map(test.onFalse)
            ordered.append(test)
        }
        return (ordered, map(entry))
    }

    private mutating func append(_ test: BranchTest) -> Int32 {
        tests.append(test)
        return Int32(tests.count - 1)
    }

    private mutating func appendGeneral(_ node: Node, onTrue: Int32, onFalse: Int32) -> Int32 {
        general.append(BoolCodeBox(code: compiler.condition(node)))
        var test = BranchTest.general(general.count - 1)
        test.onTrue = onTrue
        test.onFalse = onFalse
        return append(test)
    }

    // MARK: slot tests

    enum SlotTest {
        /// The comparison has the same value whatever the reading (a point the table lacks is `null`).
        case constant(Bool)
        case test(BranchTest)
    }

    /// What a value compared against a slot is: a finite number, `null`, or another slot
    /// (nil inside `.slot` when the table lacks that point, which then reads as `null`).
    private enum Operand {
        case number(Double)
        case null
        case slot(Int?)
    }

    private func operand(_ node: Node) -> Operand? {
        if let slot = compiler.slotOf(node) { return .slot(slot) }
        switch node {
        case .literal(.number(let k)) where k.isFinite: return .number(k)
        case .literal(.null): return .null
        default: return nil
        }
    }

    /// The slot form of `lhs op rhs`, when one side is a slot and the other a number, `null` or a slot.
    func slotTest(_ op: ComparisonOperator, _ lhs: Node, _ rhs: Node) -> SlotTest? {
        guard let left = operand(lhs), let right = operand(rhs) else { return nil }
        switch (left, right) {
        case (.slot(let slot), let other):
            return slotTest(op, slot, other)
        case (let other, .slot(let slot)):
            return slotTest(op.mirrored, slot, other)
        default:
            return nil
        }
    }

    /// `payload.<slot> op other`; a nil slot reads as `null`.
    private func slotTest(_ op: ComparisonOperator, _ slot: Int?, _ other: Operand) -> SlotTest? {
        guard let slot else {
            // `null op other`, where other is a number, `null` or a slot.
            switch other {
            case .number: return .constant(op == .notEqual)
            case .null: return .constant(op == .equal)
            case .slot(let second): return slotTest(op.mirrored, second, .null)
            }
        }
        switch other {
        case .number(let k):
            let relations: UInt8
            switch op {
            case .less: relations = BranchTest.below
            case .lessEqual: relations = BranchTest.below | BranchTest.equal
            case .greater: relations = BranchTest.above
            case .greaterEqual: relations = BranchTest.above | BranchTest.equal
            case .equal, .notEqual: relations = BranchTest.equal
            }
            return .test(.slot(slot, k, relations: relations, invert: op == .notEqual))
        case .null:
            let any = BranchTest.below | BranchTest.equal | BranchTest.above
            switch op {
            case .equal: return .test(.slot(slot, 0, relations: any, invert: true))
            case .notEqual: return .test(.slot(slot, 0, relations: any, invert: false))
            default: return .constant(false)
            }
        case .slot(let second):
            guard let second else { return slotTest(op, slot, .null) }
            return .test(.pair(op, slot, second))
        }
    }
}

extension ComparisonOperator {
    /// The operator that gives the same result with the operands swapped: `k < x` is `x > k`.
    var mirrored: ComparisonOperator {
        switch self {
        case .less: .greater
        case .lessEqual: .greaterEqual
        case .greater: .less
        case .greaterEqual: .lessEqual
        case .equal, .notEqual: self
        }
    }
}
