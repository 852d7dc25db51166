import Foundation

/// Runs one scenario in a fresh `Lab` and prints its report.
@MainActor
enum CrowdProbe {
    /// The process's exit status: 0, 1 (a target missed with `--strict`), 2 (the probe failed).
    static func run(_ options: ProbeOptions) async -> Int32 {
        let lab: Lab
        do { lab = try Lab(options: options) } catch {
            FileHandle.standardError.write(Data("CrowdProbe: \(error)\n".utf8))
            return 2
        }
        let started = ContinuousClock.now
        let outcome: Result<Report, any Error>
        do {
            switch options.scenario {
            case .burst: outcome = .success(try await BurstScenario(lab: lab).run())
            case .faults: outcome = .success(try await FaultsScenario(lab: lab).run())
            case .broadcast: outcome = .success(try await BroadcastScenario(lab: lab).run())
            case .crash: outcome = .success(try await CrashScenario(lab: lab).run())
            case .workers: outcome = .success(try await WorkersScenario(lab: lab).run())
            }
        } catch {
            outcome = .failure(error)
        }
        await lab.shutdown()
        switch outcome {
        case .success(var report):
            let elapsed = ContinuousClock.now - started
            report.lines.append("probe wall time \(Format.fixed(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, 1)) s; lapak \(options.lapakPath)")
            print(report.text)
            print(report.jsonLine)
            return options.strict && !report.allTargetsMet ? 1 : 0
        case .failure(let error):
            FileHandle.standardError.write(Data("CrowdProbe (\(options.scenario.rawValue)) failed: \(error)\n".utf8))
            print(JSON.object([("probe", "CrowdProbe"), ("scenario", .string(options.scenario.rawValue)), ("error", .string("\(error)"))]).text)
            return 2
        }
    }
}
