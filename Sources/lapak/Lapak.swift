import ArgumentParser
import BotAPIEmulator
import Foundation
import LapakBot
import LapakDemo
import LapakRegistry
import LapakWeb
import Logging
import Metrics
import Prometheus
import TelegramBotAPI
import UnixSignals

/// The `lapak` command: a thin front over the library targets.
@main
struct Lapak: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lapak",
        abstract: "Lapak: the Telegram bot of Bontang's UMKM registry.",
        discussion: "Settings come from config/lapak.yaml and LAPAK_* environment variables; see README.md.",
        // No default subcommand: a bare `lapak` prints this help, and a mistyped one the top-level usage,
        // rather than starting (or explaining) the daemon.
        subcommands: [Run.self, Web.self, Demo.self, Emulator.self, Check.self, Import.self, Export.self, Sample.self, Backup.self, Restore.self,
                      Migrate.self]
    )
}

/// Prints an error for a person and exits non-zero.
func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("lapak: \(message)\n".utf8))
    return ExitCode.failure
}

/// Sends log lines to standard error at `level`, as text lines or JSON objects.
func bootstrapLogging(_ level: Logger.Level, format: LogFormat = .text) -> Logger {
    LoggingSystem.bootstrap { label in
        switch format {
        case .text:
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        case .json:
            var handler = JSONLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
    return Logger(label: "lapak")
}

extension Lapak {
    /// `lapak run`: the long-polling daemon.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the bot against the Telegram Bot API (needs LAPAK_TELEGRAM_TOKEN).")

        @Option(name: .long, help: "A YAML configuration file whose settings override the shipped defaults.")
        var config: String?

        @Option(name: .long, help: "How updates arrive: polling, or webhook (overrides telegram.mode). --mode polling also deletes a webhook set earlier.")
        var mode: TelegramMode?

        func run() async throws {
            var settings: LapakConfiguration
            do {
                var environment = ProcessInfo.processInfo.environment
                if let mode { environment["LAPAK_TELEGRAM_MODE"] = mode.rawValue }
                settings = try await LapakConfiguration.load(configFile: config, environment: environment)
            } catch {
                throw fail("\(error)")
            }
            // Switching back from a webhook is explicit: only `--mode polling` deletes it.
            settings.deleteWebhookAtStart = mode == .polling
            let logger = bootstrapLogging(settings.logLevel, format: settings.logFormat)
            // Every metric of the process goes to this registry, which the HTTP server's /metrics exports.
            let metrics = PrometheusCollectorRegistry()
            if settings.metricsEnabled { LapakMetrics.bootstrap(metrics) }
            if !settings.databaseURL.isEmpty {
                return try await Lapak.runWorker(settings, metrics: metrics, logger: logger)
            }
            do {
                let application = try LapakApplication(configuration: settings, logger: logger)
                let site = settings.webEnabled ? try await PublicSite.forBot(application, logger: logger) : nil
                // Supervised: a taken port is logged and retried, never a reason to stop answering citizens.
                let server = SupervisedService("http server", OperationsServer(for: application, registry: metrics, site: site, logger: logger),
                                               logger: logger)
                try await application.run(alongside: [server])
            } catch {
                logger.critical("Lapak stopped: \(error)")
                throw fail("\(error)")
            }
        }
    }

    /// `lapak run` with `database.url`: one worker of several sharing PostgreSQL.
    fileprivate static func runWorker(_ settings: LapakConfiguration, metrics: PrometheusCollectorRegistry, logger: Logger) async throws {
        do {
            let application = try LapakPostgresApplication(configuration: settings, logger: logger)
            // Every worker serves the whole site from the shared database, so any of them can sit behind the balancer.
            let site = settings.webEnabled ? try await PublicSite.standalone(configuration: settings, logger: logger) : nil
            logger.notice(site == nil ? "The public site is off (web.enabled): this PostgreSQL worker serves the operational routes only"
                                      : "This PostgreSQL worker serves the public site from the shared database on web.port")
            let server = SupervisedService("http server", OperationsServer(forWorker: application, registry: metrics, site: site, logger: logger),
                                           logger: logger)
            try await application.run(alongside: [server])
        } catch {
            logger.critical("Lapak stopped: \(error)")
            throw fail("\(error)")
        }
    }
}

extension Lapak {
    /// `lapak check`: validates the configuration and the language data without connecting.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check the configuration and the intents/ files, then exit.")

        @Option(name: .long, help: "A YAML configuration file whose settings override the shipped defaults.")
        var config: String?

        @Flag(name: .long, help: "Check the settings and the intents/ files without a bot token (translators, CI); a token that is set is still checked.")
        var noToken = false

        func run() async throws {
            do {
                let settings = try await LapakConfiguration.load(configFile: config, requireToken: false)
                // The same check as `lapak run`, so a deployment that passes `check` does not stop at `run`.
                try LapakConfiguration.validateToken(settings.telegramToken, required: !noToken)
                let texts = try LanguagePack.load(from: settings.intentsDirectory)
                let taxonomy = try CategoryTaxonomy.load(from: settings.intentsDirectory.appendingPathComponent("categories.yml"))
                try settings.validateHalalKinds(against: taxonomy)
                print("configuration: ok (api_url \(settings.telegramAPIURL), database \(settings.databasePath), time zone \(settings.timeZone.identifier))")
                print("token: \(settings.telegramToken.isEmpty ? "not set (LAPAK_TELEGRAM_TOKEN), not needed with --no-token" : "set, well-formed")")
                print("intents: ok (\(settings.intentsDirectory.path): \(texts.replies.count) replies, \(texts.commands.values.map(\.count).reduce(0, +)) commands, \(taxonomy.categories.count) categories)")
            } catch {
                throw fail("\(error)")
            }
        }
    }

    /// `lapak demo`: the emulator, the bot and a chat in the terminal.
    struct Demo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Try Lapak with no token and no network: a local Bot API emulator, the bot and a chat in this terminal.")

        @Flag(name: .long, help: "Play the scripted conversation even on a terminal.")
        var script = false

        @Option(name: .long, help: "Log level of the bot while the demo runs.")
        var logLevel: String = "warning"

        func run() async throws {
            let level = Logger.Level(rawValue: logLevel.lowercased()) ?? .warning
            let logger = bootstrapLogging(level)
            let interactive = !script && isatty(STDIN_FILENO) == 1
            do {
                // The agency's website over the demo's registry, on web.port (LAPAK_WEB_PORT; 0 picks a free one).
                let demo = DemoRunner(mode: interactive ? .interactive : .scripted, alongside: { application, output in
                    let site = try await PublicSite.forBot(application, logger: logger)
                    let server = OperationsServer(for: application, registry: PrometheusCollectorRegistry(), site: site, logger: logger,
                                                  onListening: { port in
                                                      output("🌐 The agency's website on this registry: http://127.0.0.1:\(port)/ "
                                                             + "(directory and map, /statistik, /api/businesses)")
                                                  })
                    return [SupervisedService("http server", server, logger: logger)]
                }, logger: logger)
                try await demo.run()
            } catch {
                throw fail("\(error)")
            }
        }
    }

    /// `lapak emulator`: a local Bot API server for trying clients by hand.
    struct Emulator: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the local Telegram Bot API emulator until Ctrl-C.")

        @Option(name: .long, help: "Port to listen on (0 picks a free one).")
        var port: Int = 8081

        @Flag(name: .long, help: "Apply Telegram's flood limits (about 30 messages/s, 1/s per chat) with 429 answers.")
        var limits = false

        @Option(name: .customLong("fault-502"), help: "Share of requests (every method) answered 502 Bad Gateway at random, 0..1.")
        var fault502: Double = 0

        @Option(name: .customLong("fault-drop"), help: "Share of requests (every method) whose connection is dropped at random, 0..1; half of them after the request was processed.")
        var faultDrop: Double = 0

        @Option(name: .customLong("fault-seed"), help: "Seed of the random faults.")
        var faultSeed: UInt64 = 1

        func validate() throws {
            guard (0...1).contains(fault502), (0...1).contains(faultDrop), fault502 + faultDrop <= 1 else {
                throw ValidationError("--fault-502 and --fault-drop must be between 0 and 1, together at most 1")
            }
        }

        func run() async throws {
            let logger = bootstrapLogging(.info)
            var configuration = EmulatorConfiguration()
            configuration.port = port
            configuration.limits = limits ? .telegram : .off
            let emulator = BotAPIEmulator(configuration: configuration, logger: logger)
            await emulator.state.setRandomFaults(serverErrorRate: fault502, dropRate: faultDrop, seed: faultSeed)
            do {
                try await emulator.start()
            } catch {
                throw fail("\(error)")
            }
            // Written straight to the file descriptor, not through stdio's buffer: a tool reading this line from a
            // pipe or a file gets it at once, not when a buffer fills or the emulator stops.
            FileHandle.standardOutput.write(Data(("Bot API emulator on \(emulator.apiURL) (token \(emulator.token)); "
                + "control API under \(emulator.apiURL)/control/. Ctrl-C stops it.\n").utf8))
            await waitForInterrupt()
            await emulator.stop()
        }
    }
}

/// Suspends until SIGINT or SIGTERM.
func waitForInterrupt() async {
    for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) { return }
}

extension TelegramMode: ExpressibleByArgument {}
