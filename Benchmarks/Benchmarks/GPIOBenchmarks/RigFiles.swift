import EdgeCore

#if canImport(Glibc)
    import Glibc
#endif

/// The config and app P11 runs, written into a temporary directory (so nothing is committed
/// and the record file lands there too): a door contact on the simulated board whose level the
/// relay follows through a `gpio-write` action, with no hold time so every edge is a change.
enum RigFiles {
    /// The repository's `boards` directory, found from this file's path (the benchmarks run
    /// from the checkout).
    static let boardsDirectory: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)  // RigFiles.swift, GPIOBenchmarks, Benchmarks (targets), Benchmarks (package)
        return parts.joined(separator: "/") + "/boards"
    }()

    static var config: String {
        """
        agent:
          name: p11-bench
          data_dir: data
          view: log
          log_level: warning
        board: sim
        boards_dir: \(boardsDirectory)
        sources:
          - id: \(PipelineRig.sourceId)
            type: gpio
            lines:
              - {line: GPIO17, name: door, edge: both, bias: pull-down}
        outputs:
          - {id: \(PipelineRig.outputId), type: gpio, line: GPIO27, safe_value: 0, min_hold: 0s}
        apps:
          - path: flows/p11.json

        """
    }

    static let app = """
        {
          "appId": "p11",
          "name": "relay follows the door",
          "dialect": 1,
          "channels": [{"channelId": "ch-contacts", "name": "Contacts"}],
          "eventSources": [{"id": "contacts", "type": "device", "source": "contacts", "channelId": "ch-contacts"}],
          "actions": [
            {
              "actionId": "follow-door",
              "channelId": "ch-contacts",
              "name": "relay follows the door",
              "type": "gpio-write",
              "condition": "payload.name == \\"door\\"",
              "config": {"output": "relay", "value": "${payload.value}"}
            }
          ]
        }

        """

    /// Creates the directory with `agent.yaml` and `flows/p11.json`; returns its path.
    static func write() throws(RigProblem) -> String {
        var template = Array("/tmp/edgeflow-p11-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap(mkdtemp) }) else {
            throw RigProblem("cannot create a temporary directory: errno \(errno)")
        }
        let directory = String(cString: made)
        do {
            try Files.makeDirectories(directory + "/flows")
            try Files.writeAtomically(directory + "/agent.yaml", bytes: Array(config.utf8))
            try Files.writeAtomically(directory + "/flows/p11.json", bytes: Array(app.utf8))
        } catch {
            remove(directory)
            throw RigProblem("\(error)")
        }
        return directory
    }

    /// Removes what `write` and the record file put there (two levels, nothing else).
    static func remove(_ directory: String) {
        for sub in ["flows", "data"] {
            for name in Files.list("\(directory)/\(sub)") { unlink("\(directory)/\(sub)/\(name)") }
            rmdir("\(directory)/\(sub)")
        }
        for name in Files.list(directory) { unlink("\(directory)/\(name)") }
        rmdir(directory)
    }
}
