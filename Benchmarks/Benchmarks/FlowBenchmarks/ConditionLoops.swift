import EdgeCore
import EdgeFlux

// P3 loops: `count` evaluations of the rule, frame `i & mask` at evaluation `i`. Each returns
// how many evaluations held, so the optimizer cannot drop the work. Kept out of line so both
// evaluators get the same loop around them.

/// The compiled condition on slot frames.
@inline(never)
func evaluateCompiled(
    _ condition: CompiledCondition, _ environment: inout EvaluationEnvironment,
    _ frames: UnsafeMutableBufferPointer<SlotReadings>, count: Int
) -> Int {
    let mask = frames.count - 1
    var held = 0
    for index in 0..<count {
        environment.slots = frames[index & mask]
        if condition.evaluate(environment) { held &+= 1 }
    }
    return held
}

/// The tree-walking interpreter of the same tree on the same frames (reference).
@inline(never)
func evaluateTreeWalk(
    _ walker: TreeWalkInterpreter, _ environment: inout EvaluationEnvironment,
    _ frames: UnsafeMutableBufferPointer<SlotReadings>, count: Int
) -> Int {
    let mask = frames.count - 1
    var held = 0
    for index in 0..<count {
        environment.slots = frames[index & mask]
        if walker.evaluateCondition(environment) { held &+= 1 }
    }
    return held
}

/// How many of the frames the compiled form and the tree walk each find true: equal unless
/// one of them is wrong, and the share of true frames that the summary line reports.
func frameAgreement(_ fixture: RuleFixture, _ frames: ConditionFrames) -> (compiled: Int, treeWalk: Int) {
    var environment = EvaluationEnvironment(slots: frames.readings[0], clock: SystemClock())
    var compiled = 0
    var treeWalk = 0
    for frame in frames.readings {
        environment.slots = frame
        if fixture.compiled.evaluate(environment) { compiled += 1 }
        if fixture.walker.evaluateCondition(environment) { treeWalk += 1 }
    }
    return (compiled, treeWalk)
}
