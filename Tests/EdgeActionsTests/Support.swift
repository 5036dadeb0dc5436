import EdgeTestSupport
import EdgeConfig
import EdgeCore
import EdgePipeline
import Logging
import Synchronization

/// A logger that drops everything, so tests do not write to stderr.
let quietLogger = Logger(label: "actions-test", factory: { _ in SwiftLogNoOpLogHandler() })

/// A driver that answers with `result` (success unless told otherwise) and logs `id=value`.
final class ScriptedDriver: OutputDriver {
    private let entries = Mutex<[String]>([])
    private let failure = Mutex<OutputDriveError?>(nil)

    init(failing message: String? = nil) {
        failure.withLock { $0 = message.map(OutputDriveError.init) }
    }

    func drive(_ output: OutputConfig, value: Double, completion: @escaping @Sendable (Result<Void, OutputDriveError>) -> Void) {
        entries.withLock { $0.append("\(output.id)=\(JSONValue.formatNumber(value))") }
        if let error = failure.withLock({ $0 }) {
            completion(.failure(error))
        } else {
            completion(.success(()))
        }
    }

    var log: [String] { entries.withLock { $0 } }

    /// From now on fails every write with `message` (nil: succeeds again).
    func fail(_ message: String?) {
        failure.withLock { $0 = message.map(OutputDriveError.init) }
    }
}

/// A driver that holds every write until the test releases it (a slow Modbus device).
final class HeldDriver: OutputDriver {
    typealias Completion = @Sendable (Result<Void, OutputDriveError>) -> Void
    private let held = Mutex<[Completion]>([])

    func drive(_ output: OutputConfig, value: Double, completion: @escaping Completion) {
        held.withLock { $0.append(completion) }
    }

    var pending: Int { held.withLock { $0.count } }

    func release(_ result: Result<Void, OutputDriveError>) {
        let all = held.withLock { h -> [Completion] in
            let copy = h
            h = []
            return copy
        }
        for completion in all { completion(result) }
    }
}
