import Foundation

/// Scenario "workers": the burst (200 citizens ask "/cari katering" and share a location at once) against
/// `--workers N` `lapak run` processes sharing one PostgreSQL database, in webhook mode, the emulator posting
/// round robin to them as a load balancer would. Measures throughput, update → first reply latency and the
/// workers' CPU per update, and whether every citizen got the katering results exactly once.
///
/// Needs a PostgreSQL cluster with the PostGIS template (`scripts/with-postgres.sh` starts one and sets
/// LAPAK_TEST_POSTGRES_URL; or `--postgres URL`).
@MainActor
struct WorkersScenario {
    let lab: Lab

    func run() async throws -> Report {
        let options = lab.options
        guard !options.postgresURL.isEmpty else {
            throw ProbeError("no PostgreSQL cluster: run under scripts/with-postgres.sh (LAPAK_TEST_POSTGRES_URL) or pass --postgres URL")
        }
        let name = "lapak_probe_\(UInt32.random(in: 0...UInt32.max))"
        try await lab.runPSQL("CREATE DATABASE \(name) TEMPLATE lapak_template", name: "createdb")
        lab.adopt(database: name)
        guard var components = URLComponents(string: options.postgresURL) else { throw ProbeError("bad --postgres URL") }
        components.path = "/\(name)"
        let databaseURL = components.string ?? ""

        // The registry into PostgreSQL through `lapak import` (which migrates first).
        let sample = lab.folder.appendingPathComponent("sample.csv").path
        try await lab.runLapak(["sample", "--count", String(options.registrySize), "--seed", String(options.registrySeed), "-o", sample], name: "sample")
        try await runLapak(["import", sample], databaseURL: databaseURL, name: "import")
        lab.note("registry imported into \(name)")

        try await lab.startEmulator()
        let client = try lab.client
        let ports = try (0..<options.workers).map { _ in try FreePort.pick() }
        let _: Discard = try await client.action("webhookBackends", ["urls": .array(ports.map { .string("http://127.0.0.1:\($0)/telegram/webhook") })])
        var processes: [ChildProcess] = []
        for (index, port) in ports.enumerated() {
            var environment = lab.baseEnvironment()
            environment.merge([
                "LAPAK_TELEGRAM_TOKEN": lab.token, "LAPAK_TELEGRAM_API_URL": lab.apiURL, "LAPAK_DATABASE_URL": databaseURL,
                "LAPAK_TELEGRAM_MODE": "webhook", "LAPAK_TELEGRAM_WEBHOOK_URL": "http://127.0.0.1/telegram/webhook",
                "LAPAK_TELEGRAM_WEBHOOK_SECRET": "probe-secret-\(name)", "LAPAK_TELEGRAM_WEBHOOK_MAX_CONNECTIONS": "40",
                "LAPAK_WEB_PORT": String(port), "LAPAK_LOG_LEVEL": options.logLevel,
            ]) { _, new in new }
            environment.merge(options.botEnvironment) { _, new in new }
            let process = try ChildProcess.spawn(name: "worker-\(index)", executable: options.lapakPath, arguments: ["run"], environment: environment,
                                                 stdoutPath: lab.log("worker-\(index).out"), stderrPath: lab.log("worker-\(index).err"))
            lab.adopt(worker: process)
            processes.append(process)
        }
        try await waitForWebhooks(client, count: options.workers, processes: processes)
        lab.note("\(options.workers) worker(s) registered their webhook")

        let crowd = Crowd(count: options.citizenCount)
        let database = DatabaseCPU(url: options.postgresURL)
        let databaseBefore = database?.seconds()
        let before = processes.compactMap { $0.sample() }
        try await crowd.ask(client)
        lab.note("\(crowd.citizens.count) citizens asked (\(crowd.updateCount) updates)")
        let end = try await crowd.waitForAnswers(client, idle: .seconds(options.idleLimit), timeout: .seconds(options.answerTimeout)) {
            for process in processes where process.hasExited { throw ProbeError("a worker ended:\n\(process.stderrTail())") }
        }
        let after = processes.compactMap { $0.sample() }
        let databaseSeconds = database.flatMap { database in databaseBefore.map { database.seconds() - $0 } }
        guard before.count == processes.count, after.count == processes.count else { throw ProbeError("cannot read a worker's /proc") }
        let summary = CrowdSummary(outcomes: try await crowd.outcomes(client))
        let updates = crowd.updateCount
        let cpuSeconds = zip(before, after).map { $1.cpuSeconds - $0.cpuSeconds }.reduce(0, +)
        let cpuMicroseconds = cpuSeconds * 1e6 / Double(updates)
        let throughput = summary.spanSeconds.map { Double(updates) / $0 }
        var report = Report(scenario: "workers")
        report.lines = [
            "\(options.workers) worker(s) on PostgreSQL, webhook mode, round robin; \(crowd.citizens.count) citizens × (\"\(Crowd.question)\" + location) = \(updates) updates at once; wait ended: \(end.rawValue)",
            "throughput: \(throughput.map { Format.fixed($0, 1) } ?? "–") updates/s (first update → last reply \(summary.spanSeconds.map { Format.fixed($0, 2) } ?? "–") s)",
        ] + summary.latencyLines + [
            "workers' CPU: \(Format.fixed(cpuMicroseconds, 0)) µs/update (\(Format.fixed(cpuSeconds, 2)) s utime+stime over \(options.workers) process(es)); PostgreSQL's own CPU not included",
            "PostgreSQL's CPU: " + (databaseSeconds.map { "\(Format.fixed($0 * 1e6 / Double(updates), 0)) µs/update (\(Format.fixed($0, 2)) s, the postmaster and its children)" }
                ?? "– (no postmaster.pid under the URL's host= folder)"),
            "answers: \(summary.line)",
        ]
        report.lines += summary.examples()
        report.metrics = [("workers", .number(options.workers)), ("updates", .number(updates)), ("wait_end", .string(end.rawValue)),
                          ("updates_per_second", .number(throughput, places: 1)), ("span_s", .number(summary.spanSeconds)),
                          ("cpu_us_per_update", .number(cpuMicroseconds, places: 0)),
                          ("database_cpu_us_per_update", .number(databaseSeconds.map { $0 * 1e6 / Double(updates) }, places: 0))] + summary.json
        let allRight = summary.outcomes.allSatisfy(\.isCorrectOnce) && summary.updateReply.count == updates
        report.targets = [
            .init(name: "all_answered_correctly", met: allRight,
                  detail: "\(summary.outcomes.count(where: \.isCorrectOnce)) of \(crowd.citizens.count) citizens got the katering results exactly once"),
        ]
        return report
    }

    /// `lapak ARGS` with the PostgreSQL database; throws unless it exits 0.
    private func runLapak(_ arguments: [String], databaseURL: String, name: String) async throws {
        var environment = lab.baseEnvironment()
        environment["LAPAK_DATABASE_URL"] = databaseURL
        let process = try ChildProcess.spawn(name: name, executable: lab.options.lapakPath, arguments: arguments, environment: environment,
                                             stdoutPath: lab.log(name + ".out"), stderrPath: lab.log(name + ".err"))
        guard await process.waitForExit(timeout: .seconds(600)), process.exitCode == 0 else {
            throw ProbeError("lapak \(arguments.joined(separator: " ")) failed:\n\(process.stderrTail())")
        }
    }

    /// Waits until `count` setWebhook calls succeeded (every worker is up and registered).
    private func waitForWebhooks(_ client: EmulatorClient, count: Int, processes: [ChildProcess]) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            for process in processes where process.hasExited { throw ProbeError("a worker ended at start:\n\(process.stderrTail())") }
            let log = try await client.requests()
            if log.requests.filter({ $0.method == "setWebhook" && $0.status == 200 }).count >= count { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ProbeError("the workers did not register their webhook within 120 s")
    }
}

/// A TCP port that was free a moment ago on 127.0.0.1 (the kernel picks it; the socket is closed again).
enum FreePort {
    static func pick() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ProbeError("socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else { throw ProbeError("bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
