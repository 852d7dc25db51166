import Foundation
import HTTPTypes
import Hummingbird
import LapakBot
import LapakDatabase
import LapakLanguage
import LapakRegistry
import Logging
import Mustache

/// The agency's public website: the directory (`/`), one page per business (`/usaha/{id}`), `/statistik`,
/// and the registry as GeoJSON (`/api/businesses`), read from the bot's own database (SQLite's `Registry`, or
/// the PostgreSQL directory the workers share), so a check-in, a verification or a halal mark shows the moment
/// it is made.
public struct PublicSite: Sendable {
    /// What the site needs to know beyond the registry.
    public struct Settings: Sendable {
        /// `web.public_url` without a trailing slash; empty: links are relative to the request's host.
        public var publicURL: String
        public var tilesURL: String
        public var tilesAttribution: String
        /// The bot's username for deep links; empty hides them.
        public var botUsername: String
        /// Shops and check-ins lie inside this box; queries may ask a little around it.
        public var region: GeoBox
        public var timeZone: TimeZone

        /// Settings for a site.
        public init(publicURL: String = "", tilesURL: String = "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                    tilesAttribution: String = "© OpenStreetMap contributors", botUsername: String = "",
                    region: GeoBox = .bontang, timeZone: TimeZone = TimeZone(identifier: "Asia/Makassar")!) {
            self.publicURL = publicURL
            self.tilesURL = tilesURL
            self.tilesAttribution = tilesAttribution
            self.botUsername = botUsername
            self.region = region
            self.timeZone = timeZone
        }

        /// The settings of a configuration.
        public init(_ configuration: LapakConfiguration) {
            self.init(publicURL: configuration.webPublicURL, tilesURL: configuration.webTilesURL,
                      tilesAttribution: configuration.webTilesAttribution, botUsername: configuration.webBotUsername,
                      region: configuration.region, timeZone: configuration.timeZone)
        }

        /// The tile server's origin for the Content-Security-Policy (`https://tile.openstreetmap.org`).
        var tileOrigin: String {
            let plain = tilesURL.replacingOccurrences(of: "{s}.", with: "*.")
            guard let scheme = plain.range(of: "://") else { return "" }
            let rest = plain[scheme.upperBound...]
            return String(plain[..<scheme.upperBound]) + String(rest.prefix { $0 != "/" })
        }
    }

    /// The registry as the site reads it: SQLite's `Registry` or `PostgresPublicDirectory`.
    let registry: any PublicDirectory
    let matcher: IntentMatcher
    let texts: SiteTexts
    let templates: MustacheLibrary
    let assets: StaticAssets
    let settings: Settings
    let now: @Sendable () -> Date
    let logger: Logger
    /// The whole city's GeoJSON, kept until the registry changes.
    let city = CityDocument()
    /// Pages and API answers are made off the bot's threads, at a lower priority (see `SiteWorkers`).
    let workers = SiteWorkers.shared
    /// Finished directory pages, kept while the registry stays the same (see `PageCache`).
    let pageCache = PageCache()
    /// The directory in memory per registry version, for bbox answers and search pages (see `DirectorySnapshot`).
    let snapshots = SnapshotStore()
    /// The search form's option lists per language and selection.
    let options = OptionsCache()
    /// The registry's version, asked on every request (see `RegistryVersionWatch`).
    let versions: RegistryVersionWatch

    /// Results per page of the directory.
    static let pageSize = 20

    /// A site over `registry`, with its templates and scripts from `webDirectory` and Leaflet from `leafletPath`.
    public init(registry: any PublicDirectory, matcher: IntentMatcher, texts: SiteTexts, webDirectory: URL, leafletPath: String,
                settings: Settings, now: @escaping @Sendable () -> Date = { Date() }, logger: Logger) async throws {
        self.registry = registry
        versions = RegistryVersionWatch(registry: registry)
        self.matcher = matcher
        self.texts = texts
        self.settings = settings
        self.now = now
        self.logger = logger
        do {
            templates = try await MustacheLibrary(directory: webDirectory.appendingPathComponent("templates").path)
        } catch {
            throw ConfigurationError(setting: "web", message: "cannot read the site's templates in \(webDirectory.path)/templates: \(error)")
        }
        assets = try StaticAssets(webDirectory: webDirectory, leafletPath: leafletPath, logger: logger)
    }

    /// The site for a configuration, opening what `lapak web` needs without the bot: database, taxonomy, language data.
    ///
    /// With `database.url` the directory is PostgreSQL's (migrated first, as a worker does at start); otherwise
    /// the SQLite file at `database.path`.
    public static func standalone(configuration: LapakConfiguration, logger: Logger) async throws -> PublicSite {
        let taxonomy = try CategoryTaxonomy.load(from: configuration.intentsDirectory.appendingPathComponent("categories.yml"))
        let registry: any PublicDirectory
        if !configuration.databaseURL.isEmpty {
            registry = try await postgresDirectory(configuration, taxonomy: taxonomy, logger: logger)
        } else {
            let database: AppDatabase
            do {
                database = try AppDatabase.open(path: configuration.databasePath)
            } catch {
                throw ConfigurationError(setting: "database.path", message: "cannot open \(configuration.databasePath): \(error)")
            }
            registry = Registry(database: database, taxonomy: taxonomy, timeZone: configuration.timeZone)
        }
        let matcher = try IntentMatcher.load(from: configuration.intentsDirectory, taxonomy: taxonomy)
        let site = try await PublicSite(registry: registry, matcher: matcher, texts: SiteTexts.load(from: configuration.intentsDirectory),
                                        webDirectory: configuration.webDirectory, leafletPath: configuration.webLeafletPath,
                                        settings: Settings(configuration), logger: logger)
        return site
    }

    /// The site for the running bot: the same database and language data.
    public static func forBot(_ application: LapakApplication, logger: Logger) async throws -> PublicSite {
        let configuration = application.configuration
        let matcher = try IntentMatcher.load(from: configuration.intentsDirectory, taxonomy: application.registry.taxonomy)
        return try await PublicSite(registry: application.registry, matcher: matcher, texts: SiteTexts.load(from: configuration.intentsDirectory),
                                    webDirectory: configuration.webDirectory, leafletPath: configuration.webLeafletPath,
                                    settings: Settings(configuration), logger: logger)
    }

    /// Adds the site's routes to `router`.
    public func register(on router: Router<BasicRequestContext>) {
        refreshSnapshot()
        router.get("/") { request, _ in await workers.run { directoryPage(request) } }
        router.get("usaha/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            return await workers.run { businessPage(request, id: id) }
        }
        router.get("statistik") { request, _ in await workers.run { statisticsPage(request) } }
        router.get("api/businesses") { request, _ in await workers.run { apiBusinesses(request) } }
        router.get("api/kota.geojson") { request, _ in await workers.run { cityGeoJSON(request) } }
        router.get("api/businesses/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            return await workers.run { apiBusiness(request, id: id) }
        }
        router.get("api/openapi.json") { request, _ in openAPI(request) }
        router.get("static/**") { request, context in
            let path = context.parameters.getCatchAll().joined(separator: "/")
            guard let asset = assets.files[path] else { return notFound(request) }
            return SiteResponse.make(asset.bytes, contentType: asset.contentType, request: request, cacheControl: "public, max-age=3600")
        }
    }

    /// The query parameters of a request, the last value of each name winning. Decoded here rather than by
    /// Hummingbird, because forms send a space as `+`.
    static func parameters(of request: Request) -> [String: String] {
        var result: [String: String] = [:]
        for pair in (request.uri.query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                // Most values (a bbox, a page number) have nothing to decode: no Foundation work for them.
                if !text.utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) { return String(text) }
                let plain = text.replacingOccurrences(of: "+", with: " ")
                return plain.removingPercentEncoding ?? plain
            }
            result[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return result
    }

    /// The page's language: `?lang=`, otherwise the browser's `Accept-Language`.
    static func language(of request: Request) -> Language {
        switch parameters(of: request)["lang"] {
        case "en": return .english
        case "id": return .indonesian
        default: return Language(acceptLanguage: request.headers[.acceptLanguage])
        }
    }

    /// The site's address for absolute links: `web.public_url`, or the request's own host.
    func baseURL(_ request: Request) -> String {
        if !settings.publicURL.isEmpty { return settings.publicURL }
        return "http://" + (request.head.authority ?? "127.0.0.1")
    }
}
