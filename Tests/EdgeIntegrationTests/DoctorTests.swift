import EdgeTestSupport
import Foundation
import Testing

/// `edgeflow doctor` on the build machine, as a technician would run it: the library versions
/// it reports are the ones pkg-config reports for the installed packages, a machine without GPIO
/// is reported as such (not a crash), and a missing serial port fails with a hint.
struct DoctorTests {
    func checks(_ stdout: String) throws -> [String: [String: String]] {
        let data = Data(stdout.utf8)
        let array = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: String]])
        return Dictionary(uniqueKeysWithValues: array.compactMap { item in item["name"].map { ($0, item) } })
    }

    func pkgConfigVersion(_ package: String) async throws -> String {
        let dir = try TemporaryDirectory(prefix: "edgeflow-pkgconfig")
        let pkgConfig = try requireExecutable("pkg-config", install: "apt-get install pkg-config")
        let result = try await runToCompletion(pkgConfig, ["--modversion", package], in: dir)
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func reportsLibraryVersionsAndAMachineWithoutGPIO() async throws {
        let r = try EdgeflowBinary.run(["doctor", "--config", "config/demo.yaml", "--json"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let byName = try checks(r.stdout)
        #expect(byName["libmodbus"]?["detail"] == (try await pkgConfigVersion("libmodbus")))
        #expect(byName["libcurl"]?["detail"]?.hasPrefix("libcurl/\(try await pkgConfigVersion("libcurl")) ") == true)
        #expect(byName["libgpiod"]?["level"] == "pass")
        #expect(byName["libgpiod"]?["detail"]?.hasPrefix("\(try await pkgConfigVersion("libgpiod")) (v") == true)
        #expect(byName["gpio chips"]?["level"] == "pass")
        #expect(byName["gpio chips"]?["detail"] == "none needed (simulated board)")
        #expect(byName["config"]?["level"] == "pass")
        #expect(byName["clock"]?["level"] == "pass")
        #expect(byName["data directory"]?["level"] == "pass")

        let plain = try EdgeflowBinary.run(["doctor"])
        #expect(plain.status == 0)
        #expect(plain.stdout.contains("WARN  gpio chips"), "no chips and no simulated board: a warning, not a failure")
    }

    @Test func aMissingSerialPortAndABrokenConfigFailWithHints() async throws {
        let dir = try TemporaryDirectory(prefix: "edgeflow-doctor")
        let config = try dir.write(
            "config.yaml",
            """
            agent: {data_dir: \(dir.path)/data}
            boards_dir: \(EdgeflowBinary.root)/boards
            board: sim
            buses:
              - {id: rs485, type: rtu, port: \(dir.path)/ttyNOPE, baud: 9600}
            sources:
              - id: meter
                type: modbus
                bus: rs485
                unit: 1
                points: [{name: v, space: holding, address: 0}]
            """)
        let r = try EdgeflowBinary.run(["doctor", "--config", config])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("FAIL  serial rs485"))
        #expect(r.stdout.contains("\(dir.path)/ttyNOPE does not exist"))
        #expect(r.stdout.contains("hint: is the RS-485 adapter plugged in?"))

        let broken = try dir.write("broken.yaml", "board: sim\nsourcs: []\n")
        let b = try EdgeflowBinary.run(["doctor", "--config", broken, "--json"])
        #expect(b.status == 1)
        let byName = try checks(b.stdout)
        #expect(byName["config"]?["level"] == "fail")
        #expect(byName["config"]?["hint"] == "run: edgeflow check --config \(broken)")
    }
}
