import ArgumentParser
import Foundation
import LapakBot
import LapakWeb
import Logging

extension Lapak {
    /// `lapak web`: the public site alone, without a bot token, for a machine that only publishes the directory.
    struct Web: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the agency's public website (directory, map, statistics, GeoJSON API) without the bot.")

        @Option(name: .long, help: "A YAML configuration file whose settings override the shipped defaults.")
        var config: String?

        func run() async throws {
            let settings: LapakConfiguration
            do {
                settings = try await LapakConfiguration.load(configFile: config, requireToken: false)
            } catch {
                throw fail("\(error)")
            }
            let logger = bootstrapLogging(settings.logLevel, format: settings.logFormat)
            do {
                let site = try await PublicSite.standalone(configuration: settings, logger: logger)
                try await site.serveAlone(host: settings.webHost, port: settings.webPort, logger: logger) { port in
                    // Written at once (not through stdio's buffer), for a person and for tools reading a pipe.
                    FileHandle.standardOutput.write(Data("Lapak's site on http://\(settings.webHost):\(port)/\n".utf8))
                }
            } catch {
                logger.critical("Lapak's site stopped: \(error)")
                throw fail("\(error)")
            }
        }
    }
}
