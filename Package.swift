// swift-tools-version:6.1
import PackageDescription

// System libraries come from the distribution (Debian / Raspberry Pi OS) through pkg-config;
// the apt providers tell `swift build` which -dev package to suggest when one is missing.
let systemLibraries: [Target] = [
    .systemLibrary(name: "CModbus", pkgConfig: "libmodbus", providers: [.apt(["libmodbus-dev"])]),
    .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
    .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
    .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    // libgpiod 1.6 (v1 API, Debian bookworm) or 2.x (v2 API): whichever pkg-config finds.
    .systemLibrary(name: "CGPIOD", pkgConfig: "libgpiod", providers: [.apt(["libgpiod-dev"])]),
]

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let log = Target.Dependency.product(name: "Logging", package: "swift-log")
let lifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let unixSignals = Target.Dependency.product(name: "UnixSignals", package: "swift-service-lifecycle")
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")

let package = Package(
    name: "edgeflow",
    products: [
        .executable(name: "edgeflow", targets: ["edgeflow"]),
        // Libraries for the nested Benchmarks package; the agent itself ships as one executable.
        .library(name: "EdgeCore", targets: ["EdgeCore"]),
        .library(name: "EdgeFlux", targets: ["EdgeFlux"]),
        .library(name: "EdgeModbus", targets: ["EdgeModbus", "ModbusModel"]),
        .library(name: "EdgeUplink", targets: ["EdgeUplink"]),
        .library(name: "EdgeAgent", targets: ["EdgeAgent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    ],
    targets: systemLibraries + [
        // One small prefixed C shim per library, only where Swift cannot reach the API itself.
        .target(name: "CModbusShims", dependencies: ["CModbus"]),
        .target(name: "CCurlShims", dependencies: ["CCurl"]),
        // One GPIO interface over both libgpiod APIs, chosen by the header the build finds.
        .target(name: "CGPIODShims", dependencies: ["CGPIOD"]),
        .target(name: "EdgeCore", swiftSettings: swiftSettings),
        .target(name: "EdgeFlux", dependencies: ["EdgeCore", log], swiftSettings: swiftSettings),
        // Pure Swift: point types, codec, read plans. Shared by the config compiler and the driver.
        .target(name: "ModbusModel", dependencies: ["EdgeCore"], swiftSettings: swiftSettings),
        .target(name: "EdgeConfig", dependencies: ["EdgeCore", "EdgeFlux", "ModbusModel", "CYAML"], swiftSettings: swiftSettings),
        .target(
            name: "EdgeModbus",
            dependencies: ["EdgeCore", "ModbusModel", "CModbus", "CModbusShims", log],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EdgeUplink",
            dependencies: ["EdgeCore", "EdgePipeline", "CCurl", "CCurlShims", "CMosquitto", "CZlib", log],
            swiftSettings: swiftSettings
        ),
        .target(name: "EdgePipeline", dependencies: ["EdgeCore", "EdgeConfig", "EdgeFlux", log], swiftSettings: swiftSettings),
        // The ai action's client and bounds: chat completions over EdgeUplink's libcurl client.
        .target(name: "EdgeAI", dependencies: ["EdgeCore", "EdgeConfig", "EdgeUplink", log], swiftSettings: swiftSettings),
        .target(
            name: "EdgeActions",
            dependencies: ["EdgeCore", "EdgeConfig", "EdgeFlux", "EdgePipeline", "EdgeUplink", "EdgeAI", log],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EdgeGPIO",
            dependencies: ["EdgeCore", "EdgeConfig", "EdgePipeline", "CGPIODShims", log],
            swiftSettings: swiftSettings
        ),
        .target(name: "EdgeSimulation", dependencies: ["EdgeCore", "EdgeConfig", "EdgePipeline"], swiftSettings: swiftSettings),
        .target(
            name: "EdgeAgent",
            dependencies: [
                "EdgeCore", "EdgeFlux", "EdgeConfig", "ModbusModel", "EdgeModbus", "EdgePipeline", "EdgeActions",
                "EdgeSimulation", "EdgeGPIO", "EdgeUplink", "EdgeAI", log, lifecycle, unixSignals,
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "edgeflow",
            dependencies: [
                "EdgeAgent", "EdgeActions", "EdgeConfig", "EdgeCore", "EdgeFlux", "EdgeGPIO", "ModbusModel", "EdgeModbus",
                "EdgeUplink", "EdgeAI", argumentParser, log,
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "EdgeTestSupport", dependencies: ["EdgeCore"], path: "Tests/EdgeTestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "EdgeCoreTests", dependencies: ["EdgeCore", "EdgeTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "EdgeFluxTests", dependencies: ["EdgeFlux", "EdgeConfig", "EdgeTestSupport", log], swiftSettings: swiftSettings),
        .testTarget(
            name: "EdgeConfigTests",
            dependencies: ["EdgeConfig", "EdgeTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EdgeModbusTests",
            dependencies: ["EdgeModbus", "ModbusModel", "EdgeCore", "EdgeTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "EdgeGPIOTests", dependencies: ["EdgeGPIO", "EdgeConfig", "EdgeCore"], swiftSettings: swiftSettings),
        .testTarget(name: "EdgeUplinkTests", dependencies: ["EdgeUplink", "EdgeCore", "EdgeTestSupport", log], swiftSettings: swiftSettings),
        .testTarget(
            name: "EdgePipelineTests",
            dependencies: ["EdgePipeline", "EdgeConfig", "EdgeFlux", "EdgeCore", "EdgeTestSupport", log],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "EdgeAITests", dependencies: ["EdgeAI", "EdgeConfig", "EdgeCore", "EdgeUplink", "EdgeTestSupport", log], swiftSettings: swiftSettings),
        .testTarget(
            name: "EdgeActionsTests",
            dependencies: ["EdgeActions", "EdgePipeline", "EdgeConfig", "EdgeFlux", "EdgeCore", "EdgeTestSupport", log],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EdgeAgentTests",
            dependencies: [
                "EdgeAgent", "EdgeActions", "EdgePipeline", "EdgeSimulation", "EdgeConfig", "EdgeFlux", "EdgeCore",
                "EdgeTestSupport", log,
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EdgeIntegrationTests",
            dependencies: [
                "EdgeAgent", "EdgeActions", "EdgePipeline", "ModbusModel", "EdgeModbus", "EdgeConfig", "EdgeUplink",
                "EdgeAI", "EdgeCore", "EdgeTestSupport", log,
            ],
            exclude: ["peers"],
            swiftSettings: swiftSettings
        ),
    ]
)
