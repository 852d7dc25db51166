import Foundation

/// The probe's command line.
struct ProbeOptions: Sendable {
    /// What to measure.
    enum Scenario: String, Sendable, CaseIterable {
        /// 200 citizens ask at once; no flood limits.
        case burst
        /// 30 citizens ask at once while every Bot API call may answer 502 or lose its connection.
        case faults
        /// 200 citizens ask in the middle of an announcement to many vendors, with Telegram's limits.
        case broadcast
        /// The bot is killed with SIGKILL at several points of a 200-citizen burst and restarted.
        case crash
        /// The burst against `--workers N` `lapak run` workers on PostgreSQL in webhook mode, round robin.
        case workers
    }

    var scenario: Scenario = .burst
    /// Citizens asking at once; nil: the scenario's default (200, faults 30).
    var citizens: Int?
    /// Vendors receiving the announcement (broadcast).
    var recipients = 16_000
    /// Businesses in the synthetic registry and its seed.
    var registrySize = 16_000
    var registrySeed: UInt64 = 2026
    /// Random faults (faults scenario): shares of requests answered 502 and dropped, and the seed.
    var serverErrorRate = 0.10
    var dropRate = 0.05
    var faultSeed: UInt64 = 1
    /// Shares of citizens with a first reply at which the bot is killed (crash).
    var killPoints: [Double] = [0.1, 0.5, 0.9]
    /// A duplicate whose first copy the emulator accepted this shortly before a kill was in flight (crash).
    var inFlightMilliseconds = 100.0
    /// Give up waiting for answers after this long without progress, and after this long in all.
    var idleSeconds: Double?
    var timeoutSeconds: Double?
    /// The `lapak` release binary.
    var lapakPath: String
    /// The bot's log level (the shipped default is info).
    var logLevel = "info"
    /// Exit 1 when a target is missed.
    var strict = false
    /// Keep the temporary folder (database, logs) for inspection.
    var keep = false
    /// More LAPAK_* settings for the bot (`--bot-env LAPAK_METRICS_ENABLED=false`), for A/B runs of one binary.
    var botEnvironment: [String: String] = [:]
    /// Workers sharing PostgreSQL (workers scenario), and the cluster to make the database in
    /// (`--postgres URL`, else LAPAK_TEST_POSTGRES_URL as `scripts/with-postgres.sh` sets it).
    var workers = 1
    var postgresURL = ProcessInfo.processInfo.environment["LAPAK_TEST_POSTGRES_URL"] ?? ""

    /// The citizens of this run.
    var citizenCount: Int { citizens ?? (scenario == .faults ? 30 : 200) }

    /// Seconds without a new answer after which the wait ends (faults: the bot's retry backoff reaches 30 s).
    var idleLimit: Double { idleSeconds ?? (scenario == .faults ? 60 : 15) }

    /// Seconds the whole wait for answers may take.
    var answerTimeout: Double { timeoutSeconds ?? (scenario == .faults ? 300 : 180) }

    static let usage = """
        usage: CrowdProbe [--scenario burst|faults|broadcast|crash|workers] [--workers N] [--postgres URL] [--citizens N] [--recipients N]
                          [--registry-size N] [--seed N] [--fault-502 R] [--fault-drop R] [--fault-seed N]
                          [--kill-at 0.1,0.5,0.9] [--in-flight-ms MS] [--idle-seconds S] [--timeout S]
                          [--lapak PATH] [--log-level LEVEL] [--bot-env KEY=VALUE]… [--strict] [--keep]
        """

    /// Reads the arguments (without the program name).
    static func parse(_ arguments: [String], packageRoot: URL) throws -> ProbeOptions {
        var options = ProbeOptions(lapakPath: packageRoot.appendingPathComponent(".build/release/lapak").path)
        var index = 0
        func value(_ name: String) throws -> String {
            index += 1
            guard index < arguments.count else { throw UsageError("\(name) needs a value") }
            return arguments[index]
        }
        func number<T: LosslessStringConvertible>(_ name: String, _ type: T.Type) throws -> T {
            let text = try value(name)
            guard let parsed = T(text) else { throw UsageError("\(name): '\(text)' is not a number") }
            return parsed
        }
        while index < arguments.count {
            let name = arguments[index]
            switch name {
            case "--scenario":
                let text = try value(name)
                guard let scenario = Scenario(rawValue: text) else { throw UsageError("unknown scenario '\(text)'") }
                options.scenario = scenario
            case "--citizens": options.citizens = try number(name, Int.self)
            case "--recipients": options.recipients = try number(name, Int.self)
            case "--registry-size": options.registrySize = try number(name, Int.self)
            case "--seed": options.registrySeed = try number(name, UInt64.self)
            case "--fault-502": options.serverErrorRate = try number(name, Double.self)
            case "--fault-drop": options.dropRate = try number(name, Double.self)
            case "--fault-seed": options.faultSeed = try number(name, UInt64.self)
            case "--kill-at":
                let parts = try value(name).split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
                guard !parts.isEmpty, parts.allSatisfy({ $0.map { (0...1).contains($0) } ?? false }) else {
                    throw UsageError("--kill-at takes shares between 0 and 1, e.g. 0.1,0.5,0.9")
                }
                options.killPoints = parts.compactMap { $0 }.sorted()
            case "--in-flight-ms": options.inFlightMilliseconds = try number(name, Double.self)
            case "--idle-seconds": options.idleSeconds = try number(name, Double.self)
            case "--timeout": options.timeoutSeconds = try number(name, Double.self)
            case "--lapak": options.lapakPath = try value(name)
            case "--workers":
                options.workers = try number(name, Int.self)
                guard (1...16).contains(options.workers) else { throw UsageError("--workers takes 1 to 16") }
            case "--postgres": options.postgresURL = try value(name)
            case "--log-level": options.logLevel = try value(name)
            case "--bot-env":
                let pair = try value(name).split(separator: "=", maxSplits: 1).map(String.init)
                guard pair.count == 2, pair[0].hasPrefix("LAPAK_") else { throw UsageError("--bot-env takes LAPAK_NAME=value") }
                options.botEnvironment[pair[0]] = pair[1]
            case "--strict": options.strict = true
            case "--keep": options.keep = true
            case "--help", "-h": throw UsageError(nil)
            default: throw UsageError("unknown option \(name)")
            }
            index += 1
        }
        guard (1...5_000).contains(options.citizenCount) else { throw UsageError("--citizens must be 1...5000") }
        guard (1...1_000_000).contains(options.recipients) else { throw UsageError("--recipients must be 1...1000000") }
        guard (0...1).contains(options.serverErrorRate), (0...1).contains(options.dropRate),
              options.serverErrorRate + options.dropRate <= 1 else { throw UsageError("fault rates must be shares of 0...1") }
        return options
    }
}

/// A wrong command line; a nil message asks for the usage text only.
struct UsageError: Error {
    let message: String?
    init(_ message: String?) { self.message = message }
}
