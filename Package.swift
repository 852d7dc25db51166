// swift-tools-version: 6.2
import PackageDescription

/// Strict settings shared by every Swift target: Swift 6 language mode gives complete concurrency checking.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Lapak",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lapak", targets: ["lapak"]),
        .library(name: "TelegramBotAPI", targets: ["TelegramBotAPI"]),
        .library(name: "BotAPIEmulator", targets: ["BotAPIEmulator"]),
        .library(name: "LapakDatabase", targets: ["LapakDatabase"]),
        .library(name: "LapakBroadcast", targets: ["LapakBroadcast"]),
        .library(name: "LapakRegistry", targets: ["LapakRegistry"]),
        .library(name: "LapakLanguage", targets: ["LapakLanguage"]),
        .library(name: "LapakBot", targets: ["LapakBot"]),
        .library(name: "LapakWeb", targets: ["LapakWeb"]),
        .library(name: "LapakPostgres", targets: ["LapakPostgres"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: [.defaults, "YAML"]),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
    ],
    targets: [
        // System libraries: libcurl for HTTP, jansson for JSON on the Bot API wire.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CJansson",
            pkgConfig: "jansson",
            providers: [.apt(["libjansson-dev"])]
        ),

        // The Telegram Bot API wire layer: types, JSON, transport, client, long poller. Knows nothing of UMKM.
        .target(
            name: "TelegramBotAPI",
            dependencies: [
                "CCurl", "CJansson",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // A local Telegram Bot API for the demo, the tests and the benchmarks.
        .target(
            name: "BotAPIEmulator",
            dependencies: [
                "TelegramBotAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // The R*Tree query function that hands out entries nearest first (C, for SQLite's callback API).
        .target(
            name: "CRTreeNearest",
            linkerSettings: [.linkedLibrary("sqlite3"), .linkedLibrary("m")]
        ),

        // SQLite storage: migrations, the durable update inbox.
        .target(
            name: "LapakDatabase",
            dependencies: [
                "TelegramBotAPI", "CRTreeNearest",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),

        // The registry of UMKM: categories, storage, check-ins, nearest search, CSV import and export, samples.
        .target(
            name: "LapakRegistry",
            dependencies: [
                "LapakDatabase", "TelegramBotAPI", "CRTreeNearest",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),

        // Language understanding: normalisation, slang, typo-tolerant phrase matching from intents/.
        .target(
            name: "LapakLanguage",
            dependencies: [
                "LapakRegistry",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),

        // The bot: configuration, language data, the update pipeline and its handlers.
        .target(
            name: "LapakBot",
            dependencies: [
                "TelegramBotAPI", "LapakDatabase", "LapakRegistry", "LapakLanguage", "LapakBroadcast", "LapakPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // Staff announcements: the durable outbox and the flood-safe sender.
        .target(
            name: "LapakBroadcast",
            dependencies: [
                "TelegramBotAPI", "LapakDatabase", "LapakRegistry",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // The HTTP server: /metrics, /healthz, /readyz, and the agency's public site (directory, map, API).
        .target(
            name: "LapakWeb",
            dependencies: [
                "LapakBot", "LapakDatabase", "TelegramBotAPI", "LapakRegistry", "LapakLanguage", "LapakPostgres",
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // The shared store for several workers: PostgreSQL with PostGIS through postgres-nio. It depends on
        // LapakBroadcast (for the broadcast store's contract), never the other way round.
        .target(
            name: "LapakPostgres",
            dependencies: [
                "LapakRegistry", "LapakDatabase", "TelegramBotAPI", "LapakBroadcast",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // `lapak demo`: the emulator, the bot and a terminal chat in one process.
        .target(
            name: "LapakDemo",
            dependencies: [
                "LapakBot", "BotAPIEmulator", "TelegramBotAPI", "LapakDatabase", "LapakRegistry",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // The thin command-line front.
        .executableTarget(
            name: "lapak",
            dependencies: [
                "LapakBot", "LapakDemo", "LapakWeb", "BotAPIEmulator", "TelegramBotAPI", "LapakRegistry", "LapakDatabase", "LapakPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        .testTarget(
            name: "LapakBroadcastTests",
            dependencies: [
                "LapakBroadcast", "BotAPIEmulator", "TelegramBotAPI", "LapakDatabase", "LapakRegistry",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        .testTarget(
            name: "TelegramBotAPITests",
            dependencies: [
                "TelegramBotAPI", "BotAPIEmulator", "LapakDatabase",
                .product(name: "InMemoryLogging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LapakPostgresTests",
            dependencies: [
                "LapakPostgres", "LapakRegistry", "LapakDatabase", "TelegramBotAPI", "LapakBroadcast", "BotAPIEmulator",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LapakRegistryTests",
            dependencies: ["LapakRegistry", "LapakDatabase"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LapakLanguageTests",
            dependencies: ["LapakLanguage", "LapakRegistry"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LapakBotTests",
            dependencies: [
                "LapakBot", "LapakDemo", "LapakWeb", "LapakBroadcast", "BotAPIEmulator", "TelegramBotAPI", "LapakDatabase", "LapakRegistry",
                "LapakPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
