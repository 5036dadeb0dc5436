// swift-tools-version:6.1
import PackageDescription

// System libraries come from the distribution (Debian / Raspberry Pi OS) through pkg-config;
// the apt providers tell `swift build` which -dev package to suggest when one is missing.
let systemLibraries: [Target] = [
    .systemLibrary(name: "CModbus", pkgConfig: "libmodbus", providers: [.apt(["libmodbus-dev"])]),
    .systemLibrary(name: "CGPIOD", pkgConfig: "libgpiod", providers: [.apt(["libgpiod-dev"])]),
    .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
    .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
    .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
]

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let log = Target.Dependency.product(name: "Logging", package: "swift-log")
let lifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")

let package = Package(
    name: "edgeflow",
    products: [
        .executable(name: "edgeflow", targets: ["edgeflow"]),
        // Libraries for the nested Benchmarks package; the agent itself ships as one executable.
        .library(name: "EdgeCore", targets: ["EdgeCore"]),
        .library(name: "EdgeFlux", targets: ["EdgeFlux"]),
        .library(name: "EdgeModbus", targets: ["EdgeModbus"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    ],
    targets: systemLibraries + [
        .target(
            name: "CEdgeShims",
            dependencies: ["CCurl", "CGPIOD", "CModbus"]
        ),
        .target(name: "EdgeCore", swiftSettings: swiftSettings),
        .target(name: "EdgeFlux", dependencies: ["EdgeCore", log], swiftSettings: swiftSettings),
        .target(name: "EdgeConfig", dependencies: ["EdgeCore", "EdgeFlux", "EdgeModbus", "CYAML"], swiftSettings: swiftSettings),
        .target(
            name: "EdgeGPIO",
            dependencies: ["EdgeCore", "CGPIOD", "CEdgeShims", log],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EdgeModbus",
            dependencies: ["EdgeCore", "CModbus", "CEdgeShims", log],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EdgeUplink",
            dependencies: ["EdgeCore", "CCurl", "CMosquitto", "CZlib", "CEdgeShims", log],
            swiftSettings: swiftSettings
        ),
        .target(name: "EdgeAI", dependencies: ["EdgeCore", "EdgeFlux", log], swiftSettings: swiftSettings),
        .target(
            name: "EdgeAgent",
            dependencies: [
                "EdgeCore", "EdgeFlux", "EdgeConfig", "EdgeGPIO", "EdgeModbus", "EdgeUplink", "EdgeAI", log, lifecycle,
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "edgeflow",
            dependencies: ["EdgeAgent", "EdgeConfig", "EdgeCore", "EdgeFlux", "EdgeModbus", argumentParser, log],
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
        .testTarget(name: "EdgeModbusTests", dependencies: ["EdgeModbus", "EdgeTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "EdgeAgentTests",
            dependencies: ["EdgeAgent", "EdgeConfig", "EdgeFlux", "EdgeTestSupport", log],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EdgeIntegrationTests",
            dependencies: ["EdgeAgent", "EdgeModbus", "EdgeConfig", "EdgeUplink", "EdgeCore", "EdgeTestSupport", log],
            exclude: ["peers"],
            swiftSettings: swiftSettings
        ),
    ]
)
