import EdgeActions
public import EdgeCore
import EdgeConfig

/// What `edgeflow check` prints and returns, shared by the command and the golden tests.
public struct CheckReport: Sendable {
    /// Text for standard output (the summary, or nothing).
    public var output: String
    /// Text for standard error (diagnostics).
    public var errors: String
    /// 0 valid, 2 invalid.
    public var exitCode: Int32

    /// Compiles `file`: whether it is valid, every diagnostic, and the summary when valid.
    public static func structured(file: String) -> (valid: Bool, diagnostics: [Diagnostic], summary: String?) {
        let (plan, all) = AgentCompiler.compile(file: file)
        return (plan != nil, all, plan?.config.summary)
    }

    /// Compiles `file` and renders the outcome.
    public static func run(file: String, quiet: Bool = false) -> CheckReport {
        let (plan, all) = AgentCompiler.compile(file: file)
        let diagnostics = all.map(\.description).joined(separator: "\n")
        guard let plan else {
            let count = all.filter { $0.severity == .error }.count
            return CheckReport(output: "", errors: diagnostics + "\n\(file): \(count) error\(count == 1 ? "" : "s")", exitCode: 2)
        }
        return CheckReport(output: quiet ? "" : "\(file): OK\n" + plan.config.summary, errors: diagnostics, exitCode: 0)
    }
}
