import EdgeAI
import EdgeTestSupport
import Foundation
import Testing

/// docs/safety.md S7: with `approval: required` a model's answer is held as a decision; only
/// `edgeflow approve` lets it act, and a decision nobody takes in time, even across a restart,
/// ends in the fallback.
struct AIApprovalTests {
    /// A hot boiler, a model that wants the alarm, a fallback rule that does not.
    func setUp(_ dir: TemporaryDirectory, modelAlarm: Bool, fallbackRule: String, deadline: Int) async throws -> (FakeOpenAI, String) {
        let fake = try await FakeOpenAI(in: dir)
        try fake.set(#"{"content": {"alarm": \#(modelAlarm), "reason": "model"}}"#)
        let config = try AITestApp.write(
            in: dir, endpoint: fake.base, fallback: #"{"expression": {"alarm": "\#(fallbackRule)"}}"#, interval: "1h",
            actionExtra: #", "approval": "required", "approvalDeadlineSeconds": \#(deadline)"#)
        return (fake, config)
    }

    @Test func aHeldResultActsOnlyAfterApproval() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-ai-approve")
        let (fake, config) = try await setUp(dir, modelAlarm: true, fallbackRule: "payload.temp > 200", deadline: 120)
        _ = fake
        let agent = try PeerProcess.start(EdgeflowBinary.path, ["run", "--config", config], log: dir.file("agent.log"))
        let held = await eventually(timeout: .seconds(10)) { !ApprovalQueue.pending(dataDir: "\(dir.path)/data").isEmpty }
        #expect(held)
        let list = try EdgeflowBinary.run(["approvals", "--config", config])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("boiler/judge  until "), "\(list.stdout)")
        #expect(list.stdout.contains(#"inputs: {"temp":95}"#))
        #expect(list.stdout.contains(#"model:  {"alarm":true,"reason":"model"}"#))
        #expect(list.stdout.contains(#"if rejected or late: {"alarm":false}"#))
        let id = String(list.stdout.prefix(12))
        // Held: the alarm has not moved.
        #expect(!readTextFile(dir.file("agent.log")).contains("output alarm (GPIO27) = 1"))
        let wrong = try EdgeflowBinary.run(["approve", "000000000000", "--config", config])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("no decision '000000000000' is waiting"))
        let approve = try EdgeflowBinary.run(["approve", id, "--config", config])
        #expect(approve.status == 0, "\(approve.stderr)")
        let raised = await eventually(timeout: .seconds(10)) {
            readTextFile(dir.file("agent.log")).contains("output alarm (GPIO27) = 1")
        }
        #expect(raised, "\(readTextFile(dir.file("agent.log")))")
        agent.terminate()
        #expect(ApprovalQueue.pending(dataDir: "\(dir.path)/data").isEmpty)
        let audit = AITestApp.audit(dir)
        #expect(audit.first?["source"] as? String == "pending")
        #expect(audit.contains { $0["approval"] as? String == id && $0["reason"] as? String == "approved" })
    }

    @Test func aHeldDecisionSurvivesARestartAndTimesOutToTheFallback() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-ai-approval-restart")
        let (fake, config) = try await setUp(dir, modelAlarm: false, fallbackRule: "payload.temp > 90", deadline: 4)
        _ = fake
        let first = try PeerProcess.start(EdgeflowBinary.path, ["run", "--config", config], log: dir.file("agent1.log"))
        let held = await eventually(timeout: .seconds(10)) { !ApprovalQueue.pending(dataDir: "\(dir.path)/data").isEmpty }
        #expect(held)
        first.terminate()
        let waiting = try #require(ApprovalQueue.pending(dataDir: "\(dir.path)/data").first)
        let list = try EdgeflowBinary.run(["approvals", "--config", config, "--json"])
        #expect(list.stdout.contains(waiting.id), "the decision outlived the agent: \(list.stdout)")
        let second = try PeerProcess.start(EdgeflowBinary.path, ["run", "--config", config], log: dir.file("agent2.log"))
        let fellBack = await eventually(timeout: .seconds(15)) {
            AITestApp.audit(dir).contains { $0["approval"] as? String == waiting.id && $0["reason"] as? String == "approval deadline passed" }
        }
        #expect(fellBack)
        let raised = await eventually(timeout: .seconds(5)) { readTextFile(dir.file("agent2.log")).contains("output alarm (GPIO27) = 1") }
        #expect(raised, "the fallback's verdict drove the alarm: \(readTextFile(dir.file("agent2.log")))")
        second.terminate()
        let record = AITestApp.audit(dir).first { $0["approval"] as? String == waiting.id }
        #expect(record?["source"] as? String == "fallback")
        #expect((record?["output"] as? [String: Any])?["alarm"] as? Bool == true)
    }
}

/// `edgeflow reject`: the fallback's result is published instead of the model's.
struct AIRejectionTests {
    @Test func aRejectedAnswerIsReplacedByTheFallback() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-ai-reject")
        let fake = try await FakeOpenAI(in: dir)
        try fake.set(#"{"content": {"alarm": false, "reason": "model"}}"#)
        let config = try AITestApp.write(
            in: dir, endpoint: fake.base, fallback: #"{"expression": {"alarm": "payload.temp > 90"}}"#, interval: "1h",
            actionExtra: #", "approval": "required""#)
        let agent = try PeerProcess.start(EdgeflowBinary.path, ["run", "--config", config], log: dir.file("agent.log"))
        let held = await eventually(timeout: .seconds(10)) { !ApprovalQueue.pending(dataDir: "\(dir.path)/data").isEmpty }
        let id = try #require(held ? ApprovalQueue.pending(dataDir: "\(dir.path)/data").first?.id : nil)
        let reject = try EdgeflowBinary.run(["reject", id, "--config", config])
        #expect(reject.stdout.contains("\(id): rejected"), "\(reject.stdout) \(reject.stderr)")
        let raised = await eventually(timeout: .seconds(10)) { readTextFile(dir.file("agent.log")).contains("output alarm (GPIO27) = 1") }
        #expect(raised, "the fallback (temp above 90) raised the alarm: \(readTextFile(dir.file("agent.log")))")
        agent.terminate()
        #expect(AITestApp.audit(dir).contains { $0["approval"] as? String == id && $0["reason"] as? String == "rejected by a person" })
    }
}
