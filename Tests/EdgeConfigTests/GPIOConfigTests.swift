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
                  - {line: GPIO26, name: level, edge: none, debounce: 20ms}
            """)
        let messages = c.diagnostics.map(\.description)
        #expect(c.config == nil)
        #expect(messages.contains { $0.contains("sources[0].lines[0].counter: a counter needs edges to count") })
        #expect(messages.contains { $0.contains("sources[0].lines[1].counter.rate_window: the rate window must be whole seconds") })
        #expect(messages.contains { $0.contains("point name 'gas_count' is used twice") })
        #expect(messages.contains { $0.contains("sources[0].lines[4].debounce: 'debounce' filters edges, but this line has 'edge: none'") })
    }
}

/// Output envelope keys: `max_rate` on any output, `allowed` on Modbus outputs.
@Suite struct OutputEnvelopeConfigTests {
    @Test func maxRateIsCountPerDurationAndMistakesSaySo() throws {
        let good = ConfigCompiler.compile(
            text: """
                board: rpi4b
                outputs:
                  - {id: relay, type: gpio, line: GPIO27, safe_value: 0, max_rate: 6/1m}
                """, file: "\(RepoPaths.root)/config/rate-test.yaml")
        let config = try #require(good.config, "\(good.diagnostics.map(\.description))")
        #expect(config.outputs[0].maxChanges?.count == 6)
        #expect(config.outputs[0].maxChanges?.windowNanoseconds == 60_000_000_000)

        let bad = ConfigCompiler.compile(
            text: """
                board: rpi4b
                outputs:
                  - {id: relay, type: gpio, line: GPIO27, safe_value: 0, max_rate: 6 per minute}
                """, file: "\(RepoPaths.root)/config/rate-test.yaml")
        #expect(bad.config == nil)
        let message = bad.diagnostics.map(\.description).joined()
        #expect(message.contains("rate-test.yaml:3:68: error: outputs[0].max_rate: '6 per minute' is not a change rate"))
        #expect(message.contains("hint: write COUNT/DURATION, e.g. 6/1m"))
    }
}
