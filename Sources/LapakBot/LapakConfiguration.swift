import Configuration
import Foundation
import LapakRegistry
import Logging
import SystemPackage

/// Every setting of the daemon, read and validated once at start.
public struct LapakConfiguration: Sendable {
    public var telegramToken: String
    public var telegramAPIURL: String
    public var pollTimeout: Int
    public var batchLimit: Int
    public var maxConnections: Int
    public var connectTimeout: Int
    public var requestTimeout: Int
    public var deleteWebhookOnConflict: Bool
    /// How updates arrive (`telegram.mode`, LAPAK_TELEGRAM_MODE): long polling, or Telegram posting to a webhook.
    public var telegramMode: TelegramMode
    /// Set by `lapak run --mode polling`: delete a webhook at start, switching the bot back to polling.
    public var deleteWebhookAtStart = false
    /// The public HTTPS URL Telegram posts updates to in webhook mode (`telegram.webhook_url`).
    public var webhookURL: String
    /// Telegram sends it with every webhook request (`telegram.webhook_secret`, LAPAK_TELEGRAM_WEBHOOK_SECRET).
    public var webhookSecret: String
    /// Telegram's simultaneous connections to the webhook (`telegram.webhook_max_connections`, 1–100).
    public var webhookMaxConnections: Int
    public var databasePath: String
    /// A `postgres://` URL selects the shared PostgreSQL store (`database.url`, LAPAK_DATABASE_URL); empty: SQLite.
    public var databaseURL: String
    public var handlerConcurrency: Int
    /// Seconds a reply is retried after transient errors before it is given up (`replies.retry_deadline`).
    public var replyRetryDeadline: Int
    /// On PostgreSQL, seconds a worker's claim on its replies keeps other workers off them; a dead worker's
    /// replies are sent by another after this (`replies.lease`). Longer than `replyRetryDeadline`.
    public var replyLeaseSeconds: Int
    /// Whether the public site is served (`web.enabled`); the operational routes are served either way.
    public var webEnabled: Bool
    /// The address the HTTP server binds with the site on (`web.host`); 127.0.0.1 with it off.
    public var webHost: String
    /// The HTTP server's port (`web.port`, LAPAK_WEB_PORT); 0 picks a free one.
    public var webPort: Int
    /// The site's address as the public reaches it, for links in shared pages (`web.public_url`); empty: the request's host.
    public var webPublicURL: String
    /// The map tiles' URL template (`web.tiles_url`, `{z}/{x}/{y}`); the default is OpenStreetMap's.
    public var webTilesURL: String
    /// The tiles' attribution, always shown under the map (`web.tiles_attribution`).
    public var webTilesAttribution: String
    /// The bot's @username without the @, for "Chat di Telegram" links (`web.bot_username`); empty hides them.
    public var webBotUsername: String
    /// Where Debian's libjs-leaflet and libjs-leaflet.markercluster put their files (`web.leaflet_path`).
    public var webLeafletPath: String
    /// Whether swift-metrics records into the Prometheus registry that /metrics exports (`metrics.enabled`).
    public var metricsEnabled: Bool
    /// Readiness fails when a reply has waited this many seconds undelivered while no 429 holds the bot
    /// (`health.outbox_max_age`).
    public var outboxMaxAge: Int
    public var maxPendingUpdates: Int
    public var staffIDs: Set<Int64>
    public var timeZone: TimeZone
    public var logLevel: Logger.Level
    /// `text` (human-readable lines) or `json` (one object per line, for journald and Loki) (`log.format`).
    public var logFormat: LogFormat
    /// Whether log lines show chat ids as they are (`log.raw_ids`); by default they are pseudonymised.
    public var logRawIDs: Bool
    public var intentsDirectory: URL
    /// The site's templates, scripts and styles (`web/` beside `intents/`).
    public var webDirectory: URL
    /// Search results farther than this many metres are never shown.
    public var searchMaxDistance: Double
    /// How long a citizen's shared location is remembered, in minutes.
    public var locationMemoryMinutes: Int
    /// A vendor's live location silent for longer than this many minutes is shown as "last seen HH.MM".
    public var liveSilenceMinutes: Int
    /// Shops and check-ins outside this box are refused (the city and its surroundings).
    public var region: GeoBox
    /// Messages per second the bot sends across all chats (Telegram allows about 30).
    public var broadcastRate: Int
    /// Broadcast requests in flight at once.
    public var broadcastMaxInFlight: Int
    /// Attempts per recipient before a broadcast message is marked failed.
    public var broadcastMaxAttempts: Int
    /// The free halal certificate programme: quota, eligibility, reminder (`halal.*`).
    public var halal: HalalCriteria

    /// Loads the settings: environment, then `configFile` (if given), then the shipped defaults.
    ///
    /// - Parameter requireToken: `lapak run` needs a token; the demo brings its own.
    public static func load(configFile: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                            resources: ResourceLocator? = ResourceLocator.locate(), requireToken: Bool = true) async throws -> LapakConfiguration {
        var providers: [any ConfigProvider] = [
            KeyMappingProvider(
                upstream: EnvironmentVariablesProvider(environmentVariables: environment,
                                                      secretsSpecifier: .specific(["LAPAK_TELEGRAM_TOKEN"])),
                keyMapper: { $0.prepending(["lapak"]) })
        ]
        if let file = configFile ?? environment["LAPAK_CONFIG"].flatMap({ $0.isEmpty ? nil : $0 }) {
            guard FileManager.default.fileExists(atPath: file) else {
                throw ConfigurationError(setting: "--config", message: "the configuration file \(file) does not exist")
            }
            do {
                providers.append(try await FileProvider<YAMLSnapshot>(filePath: FilePath(file)))
            } catch {
                throw ConfigurationError(setting: "--config", message: "cannot read \(file): \(error)")
            }
        }
        if let resources {
            let defaults = resources.defaultConfigFile.path
            do {
                providers.append(try await FileProvider<YAMLSnapshot>(filePath: FilePath(defaults), allowMissing: true))
            } catch {
                throw ConfigurationError(setting: "config/lapak.yaml", message: "cannot read \(defaults): \(error)")
            }
        }
        return try LapakConfiguration(reader: ConfigReader(providers: providers), resources: resources, requireToken: requireToken)
    }

    /// Validates every setting from `reader`.
    public init(reader: ConfigReader, resources: ResourceLocator?, requireToken: Bool) throws {
        let settings = SettingReader(reader: reader)
        telegramToken = settings.string("telegram.token", secret: true) ?? ""
        if requireToken { try Self.validateToken(telegramToken, required: true) }
        telegramAPIURL = settings.string("telegram.api_url") ?? "https://api.telegram.org"
        guard let url = URL(string: telegramAPIURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw ConfigurationError(setting: "telegram.api_url", message: "'\(telegramAPIURL)' is not an http(s) URL")
        }
        pollTimeout = try settings.integer("telegram.poll_timeout", default: 50, range: 0...50)
        batchLimit = try settings.integer("telegram.batch_limit", default: 100, range: 1...100)
        maxConnections = try settings.integer("telegram.max_connections", default: 8, range: 2...64)
        connectTimeout = try settings.integer("telegram.connect_timeout", default: 10, range: 1...120)
        requestTimeout = try settings.integer("telegram.request_timeout", default: 30, range: 1...300)
        deleteWebhookOnConflict = try settings.boolean("telegram.delete_webhook", default: false)
        let mode = (settings.string("telegram.mode") ?? "polling").lowercased()
        guard let telegramMode = TelegramMode(rawValue: mode) else {
            throw ConfigurationError(setting: "telegram.mode", message: "'\(mode)' in LAPAK_TELEGRAM_MODE is not polling or webhook")
        }
        self.telegramMode = telegramMode
        webhookURL = settings.string("telegram.webhook_url") ?? ""
        webhookSecret = settings.string("telegram.webhook_secret", secret: true) ?? ""
        webhookMaxConnections = try settings.integer("telegram.webhook_max_connections", default: 40, range: 1...100)
        if telegramMode == .webhook { try Self.validateWebhook(url: webhookURL, secret: webhookSecret) }
        handlerConcurrency = try settings.integer("handlers.concurrency", default: 16, range: 1...256)
        maxPendingUpdates = try settings.integer("handlers.max_pending", default: 1000, range: 1...100_000)
        replyRetryDeadline = try settings.integer("replies.retry_deadline", default: 120, range: 5...3600)
        replyLeaseSeconds = try settings.integer("replies.lease", default: 300, range: 5...86_400)
        webEnabled = try settings.boolean("web.enabled", default: true)
        webHost = settings.string("web.host") ?? "127.0.0.1"
        webPort = try settings.integer("web.port", default: 8080, range: 0...65535)
        webPublicURL = settings.string("web.public_url") ?? ""
        if !webPublicURL.isEmpty {
            guard let url = URL(string: webPublicURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ConfigurationError(setting: "web.public_url", message: "'\(webPublicURL)' is not an http(s) URL such as https://umkm.bontangkota.go.id")
            }
            while webPublicURL.hasSuffix("/") { webPublicURL.removeLast() }
        }
        webTilesURL = settings.string("web.tiles_url") ?? "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
        guard webTilesURL.contains("{z}"), webTilesURL.contains("{x}"), webTilesURL.contains("{y}"),
              let tilesURL = URL(string: webTilesURL.replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: "")),
              ["http", "https"].contains(tilesURL.scheme ?? "") else {
            throw ConfigurationError(setting: "web.tiles_url", message: "'\(webTilesURL)' is not an http(s) tile URL with {z}, {x} and {y}")
        }
        webTilesAttribution = settings.string("web.tiles_attribution") ?? "© OpenStreetMap contributors"
        guard !webTilesAttribution.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ConfigurationError(setting: "web.tiles_attribution", message: "the map tiles' attribution must be shown: it cannot be empty")
        }
        webBotUsername = (settings.string("web.bot_username") ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "@ "))
        guard webBotUsername.isEmpty || webBotUsername.range(of: "^[A-Za-z0-9_]{5,32}$", options: .regularExpression) != nil else {
            throw ConfigurationError(setting: "web.bot_username", message: "'\(webBotUsername)' is not a Telegram username (5-32 letters, digits or _)")
        }
        webLeafletPath = settings.string("web.leaflet_path") ?? "/usr/share/javascript/leaflet"
        metricsEnabled = try settings.boolean("metrics.enabled", default: true)
        outboxMaxAge = try settings.integer("health.outbox_max_age", default: 180, range: 10...86_400)

        searchMaxDistance = Double(try settings.integer("search.max_distance", default: 25_000, range: 100...2_000_000))
        locationMemoryMinutes = try settings.integer("search.location_memory_minutes", default: 30, range: 1...1440)

        broadcastRate = try settings.integer("broadcast.rate", default: 30, range: 1...1000)
        broadcastMaxInFlight = try settings.integer("broadcast.max_in_flight", default: 8, range: 1...64)
        broadcastMaxAttempts = try settings.integer("broadcast.max_attempts", default: 5, range: 1...20)
        liveSilenceMinutes = try settings.integer("checkin.live_silence_minutes", default: 15, range: 1...720)
        let south = try settings.decimal("region.south", default: GeoBox.bontang.south, range: -90...90)
        let north = try settings.decimal("region.north", default: GeoBox.bontang.north, range: -90...90)
        let west = try settings.decimal("region.west", default: GeoBox.bontang.west, range: -180...180)
        let east = try settings.decimal("region.east", default: GeoBox.bontang.east, range: -180...180)
        guard south < north else { throw ConfigurationError(setting: "region.south", message: "\(south) must be south of region.north (\(north))") }
        guard west < east else { throw ConfigurationError(setting: "region.west", message: "\(west) must be west of region.east (\(east))") }
        region = GeoBox(south: south, north: north, west: west, east: east)

        halal = try Self.halalCriteria(settings)

        let path = settings.string("database.path") ?? ""
        databasePath = path.isEmpty ? Self.defaultDatabasePath() : path
        // Secret: the URL may carry a password.
        databaseURL = settings.string("database.url", secret: true) ?? ""
        if !databaseURL.isEmpty, !(databaseURL.hasPrefix("postgres://") || databaseURL.hasPrefix("postgresql://")) {
            throw ConfigurationError(setting: "database.url", message: "LAPAK_DATABASE_URL must be a postgres:// URL (or empty for SQLite at database.path)")
        }

        staffIDs = []
        for part in (settings.string("staff.ids") ?? "").split(separator: ",") {
            let text = part.trimmingCharacters(in: .whitespaces)
            guard let id = Int64(text), id > 0 else {
                throw ConfigurationError(setting: "staff.ids", message: "'\(text)' in LAPAK_STAFF_IDS is not a Telegram user id (a positive whole number)")
            }
            staffIDs.insert(id)
        }

        let zone = settings.string("timezone") ?? "Asia/Makassar"
        guard let timeZone = TimeZone(identifier: zone) else {
            throw ConfigurationError(setting: "timezone", message: "'\(zone)' in LAPAK_TIMEZONE is not an IANA time zone such as Asia/Makassar")
        }
        self.timeZone = timeZone

        let level = (settings.string("log.level") ?? "info").lowercased()
        guard let logLevel = Logger.Level(rawValue: level) else {
            throw ConfigurationError(setting: "log.level", message: "'\(level)' in LAPAK_LOG_LEVEL is not one of trace, debug, info, notice, warning, error, critical")
        }
        self.logLevel = logLevel
        let format = (settings.string("log.format") ?? "text").lowercased()
        guard let logFormat = LogFormat(rawValue: format) else {
            throw ConfigurationError(setting: "log.format", message: "'\(format)' in LAPAK_LOG_FORMAT is not text or json")
        }
        self.logFormat = logFormat
        logRawIDs = try settings.boolean("log.raw_ids", default: false)

        let intents = settings.string("intents.path") ?? ""
        if !intents.isEmpty {
            intentsDirectory = URL(fileURLWithPath: intents, isDirectory: true)
        } else if let resources {
            intentsDirectory = resources.intentsDirectory
        } else {
            throw ConfigurationError(setting: "intents.path", message: "the shipped intents/ folder was not found next to the executable; set LAPAK_INTENTS_PATH")
        }
        webDirectory = resources?.webDirectory ?? intentsDirectory.deletingLastPathComponent().appendingPathComponent("web", isDirectory: true)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: intentsDirectory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ConfigurationError(setting: "intents.path", message: "\(intentsDirectory.path) is not a folder")
        }
    }

    /// The token check of `lapak run`, which `lapak check` applies too: present (when `required`) and shaped
    /// like a token from @BotFather. The messages never quote the token, since they end up in logs and terminals.
    public static func validateToken(_ token: String, required: Bool) throws(ConfigurationError) {
        if token.isEmpty {
            guard !required else {
                throw ConfigurationError(setting: "telegram.token", message: "no bot token: set LAPAK_TELEGRAM_TOKEN to the token from @BotFather")
            }
            return
        }
        guard token.range(of: #"^[0-9]+:[A-Za-z0-9_-]{20,}$"#, options: .regularExpression) != nil else {
            throw ConfigurationError(setting: "telegram.token", message: "LAPAK_TELEGRAM_TOKEN does not look like a bot token (digits, a colon, then at least 20 letters, digits, _ or -)")
        }
    }

    /// Webhook mode needs an https URL (plain http only on loopback, for a reverse proxy on the same machine
    /// or the emulator) and a secret of 1–256 letters, digits, _ or - (Telegram's rule). The messages never
    /// quote the secret.
    static func validateWebhook(url: String, secret: String) throws(ConfigurationError) {
        guard !url.isEmpty else {
            throw ConfigurationError(setting: "telegram.webhook_url", message: "webhook mode needs the public URL Telegram posts to: set LAPAK_TELEGRAM_WEBHOOK_URL (https://…)")
        }
        guard let parsed = URL(string: url), let host = parsed.host, let scheme = parsed.scheme,
              scheme == "https" || (scheme == "http" && ["127.0.0.1", "localhost", "::1"].contains(host)) else {
            throw ConfigurationError(setting: "telegram.webhook_url", message: "'\(url)' is not an https URL (Telegram posts only over HTTPS; http is accepted for localhost only)")
        }
        guard !secret.isEmpty else {
            throw ConfigurationError(setting: "telegram.webhook_secret", message: "webhook mode needs a secret so that only Telegram can post updates: set LAPAK_TELEGRAM_WEBHOOK_SECRET (1-256 letters, digits, _ or -)")
        }
        guard secret.count <= 256, secret.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw ConfigurationError(setting: "telegram.webhook_secret", message: "LAPAK_TELEGRAM_WEBHOOK_SECRET must be 1-256 letters, digits, _ or - (Telegram's rule)")
        }
    }

    /// The `halal:` section: a yearly quota, months registered, the food kinds (comma-separated category
    /// slugs, checked against the taxonomy when the bot starts) and the reminder's days before expiry.
    private static func halalCriteria(_ settings: SettingReader) throws -> HalalCriteria {
        var criteria = HalalCriteria()
        criteria.quota = try settings.integer("halal.quota", default: 15, range: 0...10_000)
        criteria.minMonthsRegistered = try settings.integer("halal.min_months_registered", default: 6, range: 0...240)
        criteria.reminderDays = try settings.integer("halal.reminder_days", default: 60, range: 1...365)
        if let kinds = settings.string("halal.food_kinds") {
            let slugs = kinds.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !slugs.isEmpty else {
                throw ConfigurationError(setting: "halal.food_kinds", message: "name at least one kind of food, e.g. 'katering, kue'")
            }
            for slug in slugs where slug.range(of: "^[a-z0-9-]+$", options: .regularExpression) == nil {
                throw ConfigurationError(setting: "halal.food_kinds", message: "'\(slug)' is not a category slug (lowercase letters, digits and -, as in categories.yml)")
            }
            criteria.foodKinds = Set(slugs)
        }
        return criteria
    }

    /// Refuses a food kind of `halal.food_kinds` that `taxonomy` (categories.yml) does not have: checked by
    /// `lapak check` and at the start of `lapak run`, since the slugs live in the intents folder.
    public func validateHalalKinds(against taxonomy: CategoryTaxonomy) throws(ConfigurationError) {
        if let unknown = halal.foodKinds.sorted().first(where: { taxonomy.category($0) == nil }) {
            throw ConfigurationError(setting: "halal.food_kinds", message: "'\(unknown)' is not a category of categories.yml")
        }
    }

    /// `$XDG_DATA_HOME/lapak/lapak.sqlite`, or `~/.local/share/lapak/lapak.sqlite`.
    static func defaultDatabasePath() -> String {
        let environment = ProcessInfo.processInfo.environment
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() + "/.local/share")
        return dataHome + "/lapak/lapak.sqlite"
    }
}

/// How the bot receives updates.
public enum TelegramMode: String, Sendable, Hashable, CaseIterable {
    /// getUpdates in a loop: one process, no public address needed.
    case polling
    /// Telegram posts each update to `telegram.webhook_url`: any number of workers behind a load balancer.
    case webhook
}

/// A setting that was refused, naming the setting and its environment variable.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The setting's key, e.g. `telegram.poll_timeout`.
    public var setting: String
    /// What is wrong and how to fix it.
    public var message: String

    public init(setting: String, message: String) {
        self.setting = setting
        self.message = message
    }

    public var description: String {
        if setting.hasPrefix("-") || setting.contains("/") { return "configuration error: \(message)" }
        return "configuration error in \(setting) (\(Self.environmentName(of: setting))): \(message)"
    }

    /// The environment variable that sets `key`.
    public static func environmentName(of key: String) -> String {
        "LAPAK_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }
}

/// Reads typed settings and turns a value of the wrong kind into a `ConfigurationError`.
private struct SettingReader {
    let reader: ConfigReader

    func string(_ key: String, secret: Bool = false) -> String? {
        let configKey = ConfigKey(key)
        if let text = reader.string(forKey: configKey, isSecret: secret) { return text }
        if let number = reader.int(forKey: configKey) { return String(number) }
        return nil
    }

    func integer(_ key: String, default defaultValue: Int, range: ClosedRange<Int>) throws -> Int {
        try number(key, default: defaultValue, range: range, kind: "a whole number", typed: { reader.int(forKey: $0) }, parse: { Int($0) })
    }

    func decimal(_ key: String, default defaultValue: Double, range: ClosedRange<Double>) throws -> Double {
        try number(key, default: defaultValue, range: range, kind: "a number (use a dot: 0.25)",
                   typed: { reader.double(forKey: $0) ?? reader.int(forKey: $0).map(Double.init) }, parse: { Double($0) })
    }

    /// A number given as a YAML number or as text (environment variables are always text), within `range`.
    private func number<Value: Comparable>(_ key: String, default defaultValue: Value, range: ClosedRange<Value>, kind: String,
                                           typed: (ConfigKey) -> Value?, parse: (String) -> Value?) throws -> Value {
        let configKey = ConfigKey(key)
        let value: Value
        if let number = typed(configKey) {
            value = number
        } else if let text = reader.string(forKey: configKey) {
            guard let number = parse(text.trimmingCharacters(in: .whitespaces)) else {
                throw ConfigurationError(setting: key, message: "'\(text)' is not \(kind)")
            }
            value = number
        } else {
            return defaultValue
        }
        guard range.contains(value) else {
            throw ConfigurationError(setting: key, message: "\(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    func boolean(_ key: String, default defaultValue: Bool) throws -> Bool {
        let configKey = ConfigKey(key)
        if let flag = reader.bool(forKey: configKey) { return flag }
        guard let text = reader.string(forKey: configKey) else { return defaultValue }
        switch text.lowercased() {
        case "true", "yes", "ya", "1", "on": return true
        case "false", "no", "tidak", "0", "off", "": return false
        default: throw ConfigurationError(setting: key, message: "'\(text)' is not true or false")
        }
    }
}

// The configuration carries the token: print it redacted, whatever prints it.
extension LapakConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "LapakConfiguration(api_url: \(telegramAPIURL), token: \(telegramToken.isEmpty ? "none" : "<redacted>"), database: \(databasePath))"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
