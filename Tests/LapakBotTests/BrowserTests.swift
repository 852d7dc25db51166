import Foundation
import LapakBot
import LapakDatabase
import LapakRegistry
import Testing

extension SubprocessTests {
    /// The site as a person sees it: `lapak web` in its own process, loaded by headless Chromium (Debian's
    /// `chromium`, which `make test` installs). A missing browser fails the test. Screenshots are kept under
    /// `.build/site-screenshots/` for a person to look at.
    @Suite("The public site in a real browser")
    struct BrowserTests {
        static let chromium = "/usr/bin/chromium"

        /// Where the screenshots go: `.build/site-screenshots/` of the source tree.
        static var screenshots: URL {
            let root = ResourceLocator.locate()?.root ?? URL(fileURLWithPath: NSTemporaryDirectory())
            return root.appendingPathComponent(".build/site-screenshots", isDirectory: true)
        }

        /// Runs Chromium headless on `url` with `arguments` (`--dump-dom`, `--screenshot=…`); its standard output.
        static func chromium(_ arguments: [String], url: String, width: Int = 1280, profile: URL) async throws -> String {
            // The map's scripts get a few seconds of virtual time to load the markers; tiles fail (no network),
            // which must not keep the markers from showing.
            let chromiumArguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(profile.path)",
                                     "--window-size=\(width),900", "--virtual-time-budget=10000", "--lang=id"] + arguments + [url]
            let output = profile.appendingPathComponent("out-\(UUID().uuidString).html")
            FileManager.default.createFile(atPath: output.path, contents: nil)
            let handle = try FileHandle(forWritingTo: output)
            defer { try? handle.close() }
            let process = try ChildProcess(chromium, chromiumArguments, environment: ["PATH": "/usr/bin:/bin", "HOME": profile.path],
                                           output: handle.fileDescriptor)
            let ended = try await process.waitForExit(timeout: .seconds(90))
            #expect(ended == .exited(0), "chromium \(ended)")
            return String(decoding: try Data(contentsOf: output), as: UTF8.self)
        }

        /// A data attribute of the element with `id` in a dumped page.
        static func attribute(_ name: String, ofElement id: String, in html: String) -> String? {
            guard let start = html.range(of: "id=\"\(id)\"") else { return nil }
            let tagStart = html[..<start.lowerBound].range(of: "<", options: .backwards)?.lowerBound ?? start.lowerBound
            let tagEnd = html[start.upperBound...].firstIndex(of: ">") ?? html.endIndex
            let tag = html[tagStart..<tagEnd]
            guard let found = tag.range(of: " \(name)=\"") else { return nil }
            return String(tag[found.upperBound...].prefix { $0 != "\"" })
        }

        @Test("Markers appear and a search narrows them; a business page shows its details and JSON-LD; the pages fit 360 px",
              .timeLimit(.minutes(3)))
        func siteInChromium() async throws {
            try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary.path), "build lapak first: swift build")
            try #require(FileManager.default.isExecutableFile(atPath: Self.chromium),
                         "headless Chromium is missing: `make test` installs Debian's chromium (apt-get install chromium)")
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-browser-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            try FileManager.default.createDirectory(at: Self.screenshots, withIntermediateDirectories: true)
            let path = folder.appendingPathComponent("lapak.sqlite").path
            let taxonomy = try CategoryTaxonomy.load(from: try #require(ResourceLocator.locate()).intentsDirectory.appendingPathComponent("categories.yml"))
            let registry = Registry(database: try AppDatabase.open(path: path), taxonomy: taxonomy, timeZone: TimeZone(identifier: "Asia/Makassar")!)
            let sample = SampleRegistry(count: 2_000, seed: 2026).businesses()
            _ = try await registry.upsertAll(sample)
            let shop = try #require(sample.first { $0.mode == .menetap && !$0.phone.isEmpty && $0.location != nil })

            let log = folder.appendingPathComponent("web.log")
            FileManager.default.createFile(atPath: log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: log)
            defer { try? handle.close() }
            let process = try ChildProcess(CommandLineTests.binary.path, ["web"],
                                           environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "LAPAK_DATABASE_PATH": path,
                                                         "LAPAK_WEB_PORT": "0", "LAPAK_LOG_LEVEL": "warning", "LAPAK_WEB_BOT_USERNAME": "LapakBontangBot"],
                                           output: handle.fileDescriptor, error: handle.fileDescriptor)
            var base: String?
            try await DaemonCrashTests.waitUntil(timeout: .seconds(30)) {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Lapak's site on ") }) {
                    base = String(line.dropFirst("Lapak's site on ".count)).trimmingCharacters(in: CharacterSet(charactersIn: "/ "))
                }
                return base != nil || !process.isRunning
            }
            let site = try #require(base, "lapak web did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")

            // The whole registry on the map, then a search that narrows it.
            let all = try await Self.chromium(["--dump-dom"], url: site + "/", profile: folder)
            #expect(Self.attribute("data-loaded", ofElement: "map", in: all) == "true", "the map did not finish loading")
            let everything = Int(Self.attribute("data-markers", ofElement: "map", in: all) ?? "") ?? 0
            let searched = try await Self.chromium(["--dump-dom"], url: site + "/?q=katering", profile: folder)
            let katering = Int(Self.attribute("data-markers", ofElement: "map", in: searched) ?? "") ?? 0
            #expect(everything > 1_000, "markers for the whole registry: \(everything)")
            #expect(katering > 0 && katering < everything, "a search narrows the markers: \(katering) of \(everything)")
            #expect(all.contains("leaflet-marker-icon"), "markers are drawn")

            // One business: its details, the tap-to-call link and its JSON-LD.
            let page = try await Self.chromium(["--dump-dom"], url: site + "/usaha/" + shop.registryID, profile: folder)
            #expect(page.contains(HTML.escape(shop.name)) && page.contains("href=\"tel:\(shop.phone)\""))
            #expect(page.contains("application/ld+json") && page.contains("\"@type\":\"LocalBusiness\""))
            #expect(Self.attribute("data-markers", ofElement: "map", in: page) == "1", "the business's pin")

            // 360 px, as a phone shows it (DevTools' device emulation: a headless window is never under 500 px):
            // nothing wider than the screen, the map loaded, and screenshots for a person.
            let browser = try DevToolsBrowser(chromium: Self.chromium, profile: folder.appendingPathComponent("devtools"))
            do {
                for (name, path) in [("directory-360.png", "/?q=katering"), ("business-360.png", "/usaha/" + shop.registryID),
                                     ("statistik-360.png", "/statistik")] {
                    let session = try await browser.openPhone(site + path, width: 360)
                    let widths = try await browser.value(
                        of: "document.body.dataset.scrollWidth ? document.documentElement.scrollWidth + ',' + window.innerWidth : ''", session: session)
                    let numbers = widths.split(separator: ",").compactMap { Int($0) }
                    #expect(numbers.count == 2 && numbers[1] == 360 && numbers[0] <= 360, "\(path) at 360 px: scroll width, viewport \(widths)")
                    if path.hasPrefix("/?") {
                        let loaded = try await browser.value(of: "document.getElementById('map').dataset.loaded || ''", session: session)
                        #expect(loaded == "true", "the map at 360 px: \(loaded)")
                    }
                    try await browser.screenshot(session: session).write(to: Self.screenshots.appendingPathComponent(name))
                }
                // Moving the map filters the list: zoomed in from the keyboard (+ three times), the list shows only
                // the businesses in view and the URL carries the box, so the view can be shared.
                let session = try await browser.openPhone(site + "/", width: 800)
                #expect(try await browser.value(of: "document.getElementById('map').dataset.loaded || ''", session: session) == "true")
                let countNow = "((document.querySelector('#results .summary strong') || {}).textContent || '').replace(/\\D/g, '')"
                let before = Int(try await browser.value(of: countNow, session: session)) ?? 0
                _ = try await browser.value(of: "document.getElementById('map').focus(), 'focused'", session: session)
                for _ in 0..<3 {
                    try await browser.press(key: "+", code: 187, session: session)
                    try await Task.sleep(for: .milliseconds(400))
                }
                let moved = try await browser.value(of: "location.search.indexOf('bbox=') >= 0 ? " + countNow + " : ''", session: session)
                #expect(before > 1_000, "the whole registry listed first: \(before)")
                #expect((Int(moved) ?? .max) < before, "the list after zooming in: \(moved) of \(before)")
                try await browser.screenshot(session: session).write(to: Self.screenshots.appendingPathComponent("directory-zoomed-800.png"))
            } catch {
                await browser.close()
                throw error
            }
            await browser.close()
            let desktop = Self.screenshots.appendingPathComponent("directory-1280.png")
            _ = try await Self.chromium(["--screenshot=\(desktop.path)"], url: site + "/", profile: folder)
            #expect(FileManager.default.fileExists(atPath: desktop.path))
            process.send(SIGTERM)
            #expect(try await process.waitForExit() == .exited(0))
        }
    }
}
