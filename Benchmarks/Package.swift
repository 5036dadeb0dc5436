// swift-tools-version:6.1
import PackageDescription

// Benchmarks live in their own package so the main build never fetches or compiles the
// benchmark framework. `make bench` runs them through the framework's command plugin.
//
// The MallocInterposer trait is named explicitly: it is what counts mallocs on Swift 6.3
// (no jemalloc needed), and naming it leaves the framework's other default trait
// (RuntimeInterposer, an ARC hook whose package is not needed for these metrics) off.
let package = Package(
    name: "EdgeflowBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "edgeflow", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
        // Already in the graph through benchmark; named so the summary line can count mallocs itself.
        .package(url: "https://github.com/ordo-one/malloc-interposer", from: "1.5.0"),
        // Already in the graph through edgeflow; named so the benchmarks can give the engine a logger.
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        .target(name: "BenchFigures", path: "Benchmarks/BenchFigures", swiftSettings: [.swiftLanguageMode(.v6)]),
        .executableTarget(
            name: "RingBenchmarks",
            dependencies: [
                "BenchFigures",
                .product(name: "EdgeCore", package: "edgeflow"),
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
            ],
            path: "Benchmarks/RingBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // P1-P3: ring -> compiled condition -> route, compiled vs tree-walk (and Node.js), ingest threads.
        .executableTarget(
            name: "FlowBenchmarks",
            dependencies: [
                "BenchFigures",
                .product(name: "EdgeCore", package: "edgeflow"),
                .product(name: "EdgeFlux", package: "edgeflow"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
            ],
            path: "Benchmarks/FlowBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // P10: spool appends with one fsync per batch, beside raw write(2)+fsync of the same bytes.
        .executableTarget(
            name: "SpoolBenchmarks",
            dependencies: [
                "BenchFigures",
                .product(name: "EdgeCore", package: "edgeflow"),
                .product(name: "EdgeUplink", package: "edgeflow"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/SpoolBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // P8 over TCP: polls/s through ModbusClient and ModbusPoller against a libmodbus server,
        // beside a libmodbus C loop; the C peers are compiled from Support/*.c when the benchmark starts.
        .executableTarget(
            name: "ModbusBenchmarks",
            dependencies: [
                "BenchFigures",
                .product(name: "EdgeCore", package: "edgeflow"),
                .product(name: "EdgeModbus", package: "edgeflow"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/ModbusBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // P11: a GPIO edge pushed as a chip owner pushes it (one-sample frame, ring, wake) through the
        // agent's pipeline, flow engine and output controller to the simulated board's output, beside
        // an eventfd wake-up between two threads; eventfd and gettid come from the small C target.
        .executableTarget(
            name: "GPIOBenchmarks",
            dependencies: [
                "BenchFigures",
                "GPIOBenchShims",
                .product(name: "EdgeAgent", package: "edgeflow"),
                .product(name: "EdgeCore", package: "edgeflow"),
                .product(name: "EdgeFlux", package: "edgeflow"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/GPIOBenchmarks",
            exclude: ["CShims"],
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .target(name: "GPIOBenchShims", path: "Benchmarks/GPIOBenchmarks/CShims"),
    ]
)
