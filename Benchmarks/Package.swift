// swift-tools-version: 6.2
// Benchmarks for Lapak, kept apart so `swift test` never builds the benchmark framework.
// Run: `make bench` (or `swift package benchmark` here). Release build; see README.md for figures.
import PackageDescription

let package = Package(
    name: "LapakBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Lapak", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .executableTarget(
            name: "LapakBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TelegramBotAPI", package: "Lapak"),
                .product(name: "BotAPIEmulator", package: "Lapak"),
                .product(name: "LapakDatabase", package: "Lapak"),
                .product(name: "LapakRegistry", package: "Lapak"),
                .product(name: "LapakLanguage", package: "Lapak"),
                .product(name: "LapakBot", package: "Lapak"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/LapakBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Apart from LapakBenchmarks: it bootstraps a metrics backend, which is once per process.
        .executableTarget(
            name: "MetricsBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "TelegramBotAPI", package: "Lapak"),
            ],
            path: "Benchmarks/MetricsBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "BroadcastProbe",
            dependencies: [
                .product(name: "LapakBot", package: "Lapak"),
                .product(name: "LapakBroadcast", package: "Lapak"),
                .product(name: "BotAPIEmulator", package: "Lapak"),
                .product(name: "TelegramBotAPI", package: "Lapak"),
                .product(name: "LapakRegistry", package: "Lapak"),
                .product(name: "LapakDatabase", package: "Lapak"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Probes/BroadcastProbe"
        ),
        // Process-level probe for issue 10: `lapak run` and `lapak emulator` as separate processes; no Lapak
        // library dependency, so it keeps working while the bot's internals change.
        .executableTarget(
            name: "CrowdProbe",
            path: "Probes/CrowdProbe",
            swiftSettings: [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]
        ),
        // Issue 13: the weekly check-ins of many apprenticeships through the real daemon's paced bulk path.
        .executableTarget(
            name: "ReminderProbe",
            dependencies: [
                .product(name: "LapakBot", package: "Lapak"),
                .product(name: "BotAPIEmulator", package: "Lapak"),
                .product(name: "TelegramBotAPI", package: "Lapak"),
                .product(name: "LapakRegistry", package: "Lapak"),
                .product(name: "LapakDatabase", package: "Lapak"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Probes/ReminderProbe"
        ),
        .executableTarget(
            name: "SearchProbe",
            dependencies: [
                .product(name: "LapakRegistry", package: "Lapak"),
                .product(name: "LapakDatabase", package: "Lapak"),
            ],
            path: "Probes/SearchProbe"
        ),
    ]
)
