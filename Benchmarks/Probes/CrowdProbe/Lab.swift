import Foundation

/// One run's world: a temporary folder with the SQLite registry, `lapak emulator` and `lapak run` as
/// separate processes on 127.0.0.1, and the emulator's control API.
///
/// Everything goes through the `lapak` command line, environment variables, the SQLite file and the
/// emulator's HTTP API, never through the bot's code.
@MainActor
final class Lab {
    let options: ProbeOptions
    /// The temporary folder: `lapak.sqlite`, the CSV files, every process's log.
    let folder: URL
    private(set) var emulator: ChildProcess?
    private(set) var bot: ChildProcess?
    private(set) var control: EmulatorClient?
    private(set) var apiURL = ""
    private(set) var token = ""
    /// Bot processes started so far (restarts included).
    private(set) var botStarts = 0
    /// The PostgreSQL workers started (workers scenario), and the database made for them.
    private(set) var workers: [ChildProcess] = []
    private(set) var databaseName: String?
    /// Extra environment for every bot start.
    var botEnvironment: [String: String] = [:]
    private let started = ContinuousClock.now

    /// A new folder under the system's temporary directory.
    init(options: ProbeOptions) throws {
        guard FileManager.default.isExecutableFile(atPath: options.lapakPath) else {
            throw ProbeError("no lapak binary at \(options.lapakPath): build it with `swift build -c release --product lapak` at the top level, or pass --lapak")
        }
        self.options = options
        // The bot's HTTP server (metrics, health) on a free port, so runs never collide on 8080.
        botEnvironment = ["LAPAK_WEB_PORT": "0"].merging(options.botEnvironment) { _, new in new }
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-crowd-\(options.scenario.rawValue)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    var databasePath: String { folder.appendingPathComponent("lapak.sqlite").path }

    /// The emulator's control API (after `startEmulator`).
    var client: EmulatorClient {
        get throws {
            guard let control else { throw ProbeError("the emulator is not running") }
            return control
        }
    }

    /// `lapak sample --count N --seed S` and `lapak import` into a fresh SQLite file, then `extraCSV` files.
    func prepareRegistry(extraCSV: [String] = []) async throws {
        let sample = folder.appendingPathComponent("sample.csv").path
        try await runLapak(["sample", "--count", String(options.registrySize), "--seed", String(options.registrySeed), "-o", sample], name: "sample")
        for file in [sample] + extraCSV {
            try await runLapak(["import", file], name: "import-\(URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent)")
        }
        note("registry ready: \(databasePath)")
    }

    /// Runs a short `lapak` command to its end; throws unless it exits 0.
    func runLapak(_ arguments: [String], name: String, timeout: Duration = .seconds(300)) async throws {
        let process = try ChildProcess.spawn(name: name, executable: options.lapakPath, arguments: arguments,
                                             environment: baseEnvironment(), stdoutPath: log(name + ".out"), stderrPath: log(name + ".err"))
        guard await process.waitForExit(timeout: timeout) else {
            process.killHard()
            throw ProbeError("lapak \(arguments.joined(separator: " ")) took longer than \(timeout)")
        }
        guard process.exitCode == 0 else {
            throw ProbeError("lapak \(arguments.joined(separator: " ")) failed:\n\(process.stderrTail())")
        }
    }

    /// Starts `lapak emulator --port 0 ...` and reads its address and token from the line it prints.
    func startEmulator(_ arguments: [String] = []) async throws {
        let process = try ChildProcess.spawn(name: "emulator", executable: options.lapakPath, arguments: ["emulator", "--port", "0"] + arguments,
                                             environment: baseEnvironment(), stdoutPath: log("emulator.out"), stderrPath: log("emulator.err"))
        emulator = process
        // "Bot API emulator on http://127.0.0.1:PORT (token TOKEN); control API under ..."
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOfFile: process.stdoutPath, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Bot API emulator on ") }) {
                let words = line.split(separator: " ")
                guard words.count > 6, words[5] == "(token" else { throw ProbeError("unexpected emulator banner: \(line)") }
                apiURL = String(words[4])
                token = String(words[6].prefix { $0 != ")" })
                guard let url = URL(string: apiURL) else { throw ProbeError("bad emulator URL \(apiURL)") }
                control = try EmulatorClient(baseURL: url)
                note("emulator on \(apiURL)")
                return
            }
            guard !process.hasExited else { throw ProbeError("the emulator ended at start:\n\(process.stderrTail())") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ProbeError("the emulator printed no address within 30 s")
    }

    /// Starts `lapak run` against the emulator, on the same database every time (a restart after a crash).
    @discardableResult
    func startBot() throws -> ChildProcess {
        botStarts += 1
        var environment = baseEnvironment()
        environment["LAPAK_TELEGRAM_TOKEN"] = token
        environment["LAPAK_TELEGRAM_API_URL"] = apiURL
        environment["LAPAK_LOG_LEVEL"] = options.logLevel
        environment.merge(botEnvironment) { _, new in new }
        let process = try ChildProcess.spawn(name: "bot", executable: options.lapakPath, arguments: ["run"], environment: environment,
                                             stdoutPath: log("bot-\(botStarts).out"), stderrPath: log("bot-\(botStarts).err"))
        bot = process
        return process
    }

    /// Waits until the bot sits in a long poll with nothing pending: started, commands published, idle.
    func waitForIdleBot(timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let bot, bot.hasExited { throw ProbeError("the bot ended at start:\n\(bot.stderrTail())") }
            let stats = try await client.stats()
            // A request is recorded when answered, so the waiting long poll itself is seen only as pollWaiting.
            if stats.pollWaiting, stats.pendingUpdates == 0 {
                note("bot polling (pid \(bot?.pid ?? 0))")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ProbeError("the bot did not start polling within \(timeout)")
    }

    /// Throws when the bot process has ended (it should run until the probe stops it).
    func checkBotRunning() throws {
        if let bot, bot.hasExited {
            throw ProbeError("the bot ended unexpectedly (status \(bot.exitStatus ?? -1)):\n\(bot.stderrTail())")
        }
    }

    /// Stops the bot and the emulator, and removes the folder unless `--keep`.
    func shutdown() async {
        note("stopping")
        await bot?.stop()
        for worker in workers { await worker.stop() }
        if let databaseName { try? await dropDatabase(databaseName) }
        await emulator?.stop()
        if options.keep {
            FileHandle.standardError.write(Data("crowd probe: kept \(folder.path)\n".utf8))
        } else {
            try? FileManager.default.removeItem(at: folder)
        }
    }

    /// A progress line on standard error ("[  12.3 s] bot idle"), so a long run shows where it is.
    func note(_ message: String) {
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        FileHandle.standardError.write(Data("[\(Format.fixed(seconds, 1)) s] \(message)\n".utf8))
    }

    /// Only what a `lapak` process needs: no LAPAK_* settings of the caller leak into the run.
    func baseEnvironment() -> [String: String] {
        let inherited = ProcessInfo.processInfo.environment
        var environment = ["LAPAK_DATABASE_PATH": databasePath]
        for key in ["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"] { environment[key] = inherited[key] }
        return environment
    }

    func log(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// Remembers a worker process, so that `shutdown` stops it.
    func adopt(worker: ChildProcess) { workers.append(worker) }

    /// Remembers the database made for this run, so that `shutdown` drops it.
    func adopt(database name: String) { databaseName = name }

    /// Drops the run's database through `psql` (its connections first).
    private func dropDatabase(_ name: String) async throws {
        try await runPSQL("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", name: "dropdb")
    }

    /// Runs one SQL statement on the cluster's maintenance database with `psql`.
    func runPSQL(_ sql: String, name: String) async throws {
        let process = try ChildProcess.spawn(name: name, executable: "/usr/bin/psql", arguments: ["-q", "-v", "ON_ERROR_STOP=1", options.postgresURL, "-c", sql],
                                             environment: baseEnvironment(), stdoutPath: log(name + ".out"), stderrPath: log(name + ".err"))
        guard await process.waitForExit(timeout: .seconds(60)), process.exitCode == 0 else {
            throw ProbeError("psql \(sql) failed:\n\(process.stderrTail())")
        }
    }
}
