import EdgeConfig
import EdgeCore
import Testing

/// GPIO sources on a real board: counters, polling and their mistakes.
@Suite struct GPIOConfigTests {
    func compile(_ sources: String) -> ConfigCompilation {
        let text = """
            board: rpi4b
            sources:
            \(sources)
            """
        return ConfigCompiler.compile(text: text, file: "\(RepoPaths.root)/config/gpio-test.yaml")
    }

    @Test func aCountedLineAddsCountAndRatePointsAfterTheLines() throws {
        let c = compile(
            """
              - id: meters
                type: gpio
                poll: 250ms
                lines:
                  - {line: GPIO5, name: water, edge: rising, counter: {scale: 0.5, rate_window: 30s, rate_per: 1m}}
                  - {line: GPIO6, name: door, edge: none}
            """)
        let config = try #require(c.config, "\(c.diagnostics.map(\.description))")
        #expect(config.sources[0].pointNames == ["water", "door", "water_count", "water_rate"])
        guard case .gpio(let inputs) = config.sources[0].kind else {
            Issue.record("not a gpio source")
            return
        }
        #expect(inputs.pollNanoseconds == 250_000_000)
        #expect(inputs.counterPoints == [0: 2])
        #expect(
            inputs.lines[0].counter
                == GPIOPulseCounter(scale: 0.5, rateWindowNanoseconds: 30_000_000_000, ratePerNanoseconds: 60_000_000_000))
    }

    @Test func counterMistakesAreNamedByFieldPath() {
        let c = compile(
            """
              - id: meters
                type: gpio
                lines:
                  - {line: GPIO5, name: water, edge: none, counter: {}}
                  - {line: GPIO6, name: heat, counter: {rate_window: 1500ms}}
                  - {line: GPIO19, name: gas, counter: {}}
                  - {line: GPIO13, name: gas_count}
            """)
        let messages = c.diagnostics.map(\.description)
        #expect(c.config == nil)
        #expect(messages.contains { $0.contains("sources[0].lines[0].counter: a counter needs edges to count") })
        #expect(messages.contains { $0.contains("sources[0].lines[1].counter.rate_window: the rate window must be whole seconds") })
        #expect(messages.contains { $0.contains("point name 'gas_count' is used twice") })
    }
}
