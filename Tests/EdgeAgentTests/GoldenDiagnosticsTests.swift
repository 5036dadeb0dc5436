import EdgeAgent
import EdgeConfig
import EdgeCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Where the broken-config cases live.
enum GoldenPaths {
    static let fixtures = Files.directory(of: #filePath) + "/Fixtures"
}

/// Each folder under Fixtures/ holds a broken config.yaml and expected.txt, the exact
/// diagnostics `edgeflow check` must print (with $DIR for the folder). Set
/// EDGEFLOW_UPDATE_GOLDEN=1 to rewrite expected files after an intended change, then review the diff.
struct GoldenDiagnosticsTests {
    static let cases = Files.list(GoldenPaths.fixtures).filter { Files.isDirectory("\(GoldenPaths.fixtures)/\($0)") }

    @Test func thereAreAtLeastFifteenBrokenConfigCases() {
        #expect(Self.cases.count >= 15)
    }

    @Test(arguments: cases)
    func brokenConfigExitsTwoWithTheStoredDiagnostics(name: String) throws {
        let dir = "\(GoldenPaths.fixtures)/\(name)"
        let report = CheckReport.run(file: "\(dir)/config.yaml")
        #expect(report.exitCode == 2)
        #expect(report.output.isEmpty)
        let actual = report.errors.replacingAll(dir, with: "$DIR") + "\n"
        let expectedPath = "\(dir)/expected.txt"
        if getenv("EDGEFLOW_UPDATE_GOLDEN") != nil {
            let fd = open(expectedPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            _ = actual.withCString { write(fd, $0, strlen($0)) }
            close(fd)
        }
        let expected = try Files.readText(expectedPath)
        #expect(actual == expected, "diagnostics for \(name) differ from expected.txt")
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}

extension Substring {
    func range(of target: String) -> Range<Index>? {
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(target) { return i..<index(i, offsetBy: target.count) }
            i = index(after: i)
        }
        return nil
    }
}
