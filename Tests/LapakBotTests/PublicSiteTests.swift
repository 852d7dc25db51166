import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LapakBot
import LapakDatabase
import LapakLanguage
import LapakRegistry
import LapakWeb
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization
import TelegramBotAPI
import Testing

/// The agency's website over real HTTP on loopback, on a real SQLite file, as a browser or an API client sees it.
@Suite("The public site: directory, business pages, statistics and the GeoJSON API")
struct PublicSiteTests {
    /// A clock inside a working day in Bontang (10.00 WITA), so check-ins are today's.
    static let now = Date(timeIntervalSince1970: 1_796_090_400)

    static let businesses = [
        Business(registryID: "K1", name: "Katering Bu Ani", category: "katering", mode: .menetap, location: GeoPoint(latitude: 0.1309, longitude: 117.4900),
                 kelurahan: "Api-Api", address: "Jl. Ahmad Yani No. 3", phone: "+6281234567890", ownerTelegramID: 777_000_111, halal: true),
        Business(registryID: "K2", name: "Dapur Pak Budi", category: "katering", mode: .menetap, location: GeoPoint(latitude: 0.1335, longitude: 117.5081),
                 kelurahan: "Bontang Kuala", halal: false),
        Business(registryID: "X1", name: "Kue <script>alert(1)</script> & \"Co\"", category: "kue", mode: .menetap,
                 location: GeoPoint(latitude: 0.1310, longitude: 117.4905), kelurahan: "Api-Api", halal: true),
        Business(registryID: "B1", name: "Bakso Mas Joko", category: "bakso-mie", mode: .berkeliling, location: nil, kelurahan: "Api-Api"),
        Business(registryID: "S1", name: "Katering Ditangguhkan", category: "katering", mode: .menetap,
                 location: GeoPoint(latitude: 0.1300, longitude: 117.4890), kelurahan: "Api-Api", status: .suspended),
        Business(registryID: "F1", name: "Fotokopi Sinar", category: "jasa", mode: .menetap, location: GeoPoint(latitude: 0.1231, longitude: 117.4850),
                 kelurahan: "Tanjung Laut"),
    ]

    /// A running site on a fresh database with `businesses`, for the length of `body`.
    static func withSite(_ body: @Sendable (Registry, Int) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-site-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let resources = try #require(ResourceLocator.locate())
        let taxonomy = try CategoryTaxonomy.load(from: resources.intentsDirectory.appendingPathComponent("categories.yml"))
        let registry = Registry(database: try AppDatabase.open(path: folder.appendingPathComponent("lapak.sqlite").path), taxonomy: taxonomy,
                                timeZone: TimeZone(identifier: "Asia/Makassar")!)
        _ = try await registry.upsertAll(businesses, now: now.addingTimeInterval(-3600))
        let logger = Logger(label: "site")
        let site = try await PublicSite(
            registry: registry, matcher: IntentMatcher.load(from: resources.intentsDirectory, taxonomy: taxonomy),
            texts: SiteTexts.load(from: resources.intentsDirectory), webDirectory: resources.webDirectory,
            leafletPath: "/usr/share/javascript/leaflet", settings: .init(botUsername: "LapakBontangBot"), now: { now }, logger: logger)
        let port = Mutex<Int?>(nil)
        let server = OperationsServer(configuration: .init(port: 0), registry: PrometheusCollectorRegistry(), readiness: Readiness([]),
                                      site: site, logger: logger, onListening: { bound in port.withLock { $0 = bound } })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            try await BotSearchTests.waitUntil { port.withLock { $0 } != nil }
            try await body(registry, try #require(port.withLock { $0 }))
            group.cancelAll()
        }
    }

    /// A client without a cache, so a 304 reaches the test as a 304.
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        return URLSession(configuration: configuration)
    }()

    /// GET `path` with `headers` (Indonesian unless they say otherwise); the status, the headers and the body.
    static func get(_ path: String, port: Int, headers: [String: String] = [:]) async throws -> (status: Int, headers: [String: String], body: String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.setValue("id", forHTTPHeaderField: "Accept-Language")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields[String(describing: name).lowercased()] = String(describing: value) }
        return (http.statusCode, fields, String(decoding: data, as: UTF8.self))
    }

    @Test("The directory understands the search box as the bot does, filters by the URL, and lists by name")
    func directorySearch() async throws {
        try await Self.withSite { _, port in
            // A synonym ("catering"), a typo in a name ("jokko"), a kelurahan slug in a shareable URL.
            let catering = try await Self.get("/?q=catering", port: port)
            #expect(catering.status == 200)
            #expect(catering.body.contains("Katering Bu Ani") && catering.body.contains("Dapur Pak Budi"))
            #expect(!catering.body.contains("Fotokopi Sinar"))
            #expect(!catering.body.contains("Katering Ditangguhkan"), "a suspended business is never listed")
            let typo = try await Self.get("/?q=bakso+mas+jokko", port: port)
            #expect(typo.body.contains("Bakso Mas Joko"))
            let shared = try await Self.get("/?jenis=katering&kelurahan=api-api", port: port)
            #expect(shared.body.contains("Katering Bu Ani") && !shared.body.contains("Dapur Pak Budi"))
            let byName = try await Self.get("/?kelurahan=api-api", port: port)
            let order = ["/usaha/B1\"", "/usaha/K1\"", "/usaha/X1\""].map { byName.body.range(of: $0)?.lowerBound }
            #expect(order.allSatisfy { $0 != nil } && order.map { $0! } == order.map { $0! }.sorted(), "listed by name")
            let nearest = try await Self.get("/?jenis=katering&lat=0.1335&lon=117.5080", port: port)
            let budi = try #require(nearest.body.range(of: "Dapur Pak Budi")), ani = try #require(nearest.body.range(of: "Katering Bu Ani"))
            #expect(budi.lowerBound < ani.lowerBound, "nearest first from the shared location")
            let bad = try await Self.get("/?kelurahan=atlantis", port: port)
            #expect(bad.status == 400 && bad.body.contains("atlantis"))
            let english = try await Self.get("/?q=catering", port: port, headers: ["Accept-Language": "en-GB,en;q=0.9"])
            #expect(english.body.contains("Search businesses") && english.body.contains("<html lang=\"en\""))
            let switched = try await Self.get("/?q=catering&lang=id", port: port, headers: ["Accept-Language": "en"])
            #expect(switched.body.contains("Cari usaha"))
        }
    }

    @Test("Every value is escaped, the page allows only the site's own scripts, and the owner's Telegram id appears nowhere")
    func safety() async throws {
        try await Self.withSite { _, port in
            let list = try await Self.get("/?q=kue", port: port)
            #expect(list.body.contains("Kue &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;"))
            #expect(!list.body.contains("<script>alert(1)"))
            let csp = try #require(list.headers["content-security-policy"])
            #expect(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"))
            let page = try await Self.get("/usaha/X1", port: port)
            #expect(!page.body.contains("<script>alert(1)"), "JSON-LD cannot close its script block")
            for path in ["/usaha/K1", "/api/businesses/K1", "/api/businesses?limit=500", "/?q=katering"] {
                let body = try await Self.get(path, port: port).body
                #expect(!body.contains("777000111"), "\(path) shows the owner's id")
            }
        }
    }

    @Test("A business page: details, tap to call, the Telegram deep link, JSON-LD and OpenGraph; suspended and unknown ones are 404")
    func businessPage() async throws {
        try await Self.withSite { _, port in
            let page = try await Self.get("/usaha/K1", port: port)
            #expect(page.status == 200)
            for part in ["Katering Bu Ani", "Jl. Ahmad Yani No. 3", "Api-Api", "href=\"tel:+6281234567890\"", "https://t.me/LapakBontangBot?start=u",
                         "\"@type\":\"LocalBusiness\"", "property=\"og:title\" content=\"Katering Bu Ani\"", "Halal", "id=\"share\""] {
                #expect(page.body.contains(part), "no \(part)")
            }
            #expect(try await Self.get("/usaha/S1", port: port).status == 404)
            #expect(try await Self.get("/usaha/NOPE", port: port).status == 404)
            #expect(try await Self.get("/api/businesses/S1", port: port).status == 404)
        }
    }

    @Test("A check-in, a halal mark and a suspension show at once on the site and in the API")
    func liveChanges() async throws {
        try await Self.withSite { registry, port in
            let before = try await Self.get("/usaha/B1", port: port)
            #expect(before.body.contains("Tidak berjualan hari ini"))
            let vendor = try #require(try await registry.business(registryID: "B1"))
            _ = try await registry.checkIn(businessID: vendor.id, at: GeoPoint(latitude: 0.1305, longitude: 117.4895),
                                           now: Self.now.addingTimeInterval(-600))
            let after = try await Self.get("/usaha/B1", port: port)
            #expect(after.body.contains("Berjualan hari ini") && after.body.contains("09.50"), "today's place and the time it was last seen")
            let today = try await Self.get("/api/businesses?hari_ini=1", port: port)
            let json = try JSONValue.parse(today.body)
            #expect(json["features"]?.arrayValue?.count == 1)
            #expect(json["features"]?.arrayValue?.first?["geometry"]?["coordinates"] == [.double(117.4895), .double(0.1305)])
            let fotokopi = try #require(try await registry.business(registryID: "F1"))
            _ = try await registry.certifyHalal(true, ofBusiness: fotokopi.id, now: Self.now)
            #expect(try await Self.get("/?halal=1", port: port).body.contains("Fotokopi Sinar"))
            let listed = try await Self.get("/?halal=1", port: port)
            let tag = try #require(listed.headers["etag"])
            #expect(try await Self.get("/?halal=1", port: port, headers: ["If-None-Match": tag]).status == 304, "an unchanged page")
            try await registry.setStatus(.suspended, ofBusiness: fotokopi.id, at: Self.now)
            #expect(try await Self.get("/usaha/F1", port: port).status == 404)
            let relisted = try await Self.get("/?halal=1", port: port, headers: ["If-None-Match": tag])
            #expect(relisted.status == 200 && !relisted.body.contains("Fotokopi Sinar"), "a page seen before the suspension is made anew")
            #expect(!(try await Self.get("/api/kota.geojson", port: port).body.contains("Fotokopi Sinar")))
        }
    }

    @Test("The API: RFC 7946 GeoJSON, bounded queries, next links, ETag and gzip")
    func api() async throws {
        try await Self.withSite { _, port in
            let all = try await Self.get("/api/businesses?limit=2", port: port)
            #expect(all.status == 200 && all.headers["content-type"] == "application/geo+json")
            let page = try JSONValue.parse(all.body)
            #expect(page["type"] == "FeatureCollection" && page["numberMatched"] == .int(5) && page["features"]?.arrayValue?.count == 2)
            let next = try #require(page["next"]?.stringValue)
            #expect(next.contains("offset=2"))
            let box = try JSONValue.parse(try await Self.get("/api/businesses?bbox=117.4895,0.1305,117.4910,0.1315", port: port).body)
            #expect(Set(box["features"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []) == ["K1", "X1"])
            for bad in ["/api/businesses?bbox=100,0,101,1", "/api/businesses?bbox=117.0,-1,118.5,1", "/api/businesses?limit=501",
                        "/api/businesses?jenis=unicorn", "/api/businesses?halal=maybe"] {
                let answer = try await Self.get(bad, port: port)
                let message = try JSONValue.parse(answer.body)["error"]?.stringValue ?? ""
                #expect(answer.status == 400 && !message.isEmpty, "\(bad)")
            }
            let tag = try #require(all.headers["etag"])
            #expect(all.headers["last-modified"] != nil)
            #expect(try await Self.get("/api/businesses?limit=2", port: port, headers: ["If-None-Match": tag]).status == 304)
            let zipped = try await Self.get("/api/businesses?limit=500", port: port, headers: ["Accept-Encoding": "gzip"])
            #expect(zipped.headers["content-encoding"] == "gzip")
            let unzipped = try JSONValue.parse(zipped.body)
            #expect(unzipped["features"]?.arrayValue?.count == 5)
            let openAPI = try JSONValue.parse(try await Self.get("/api/openapi.json", port: port).body)
            #expect(openAPI["openapi"] == "3.1.0" && openAPI["paths"]?["/api/businesses"] != nil)
        }
    }

    @Test("Each feature of a list is the business's own feature, whatever its name holds, and a check-in moves it on the map")
    func listedFeatures() async throws {
        try await Self.withSite { registry, port in
            let odd = Business(registryID: "Q1", name: "Warung \"Ku\"\t\\ Ü\u{1} </script>", category: "katering", mode: .menetap,
                               location: GeoPoint(latitude: 0.1234567, longitude: 117.4876543), kelurahan: "Api-Api", address: "Jl. \"A\"\nNo. 1")
            _ = try await registry.upsertAll([odd], now: Self.now.addingTimeInterval(-60))
            let vendor = try #require(try await registry.business(registryID: "B1"))
            _ = try await registry.checkIn(businessID: vendor.id, at: GeoPoint(latitude: 0.1305, longitude: 117.4895),
                                           now: Self.now.addingTimeInterval(-600))
            for path in ["/api/businesses", "/api/kota.geojson"] {
                let features = try #require(try JSONValue.parse(try await Self.get(path, port: port).body)["features"]?.arrayValue)
                #expect(features.count == 6, "\(path)")
                for feature in features {
                    let id = try #require(feature["id"]?.stringValue)
                    let own = try JSONValue.parse(try await Self.get("/api/businesses/\(id)", port: port).body)
                    #expect(feature == own, "\(path): \(id)")
                }
                let quirky = try #require(features.first { $0["id"] == "Q1" })
                #expect(quirky["properties"]?["name"]?.stringValue == odd.name)
                #expect(quirky["geometry"]?["coordinates"] == [.double(117.487654), .double(0.123457)], "6 decimals")
                let bakso = try #require(features.first { $0["id"] == "B1" })
                #expect(bakso["properties"]?["selling_today"] == .bool(true) && bakso["properties"]?["last_seen"] != nil)
            }
        }
    }

    @Test("Statistics are drawn as SVG charts with the registry's figures")
    func statistics() async throws {
        try await Self.withSite { _, port in
            let page = try await Self.get("/statistik", port: port)
            #expect(page.status == 200)
            #expect(page.body.contains("<svg class=\"chart\"") && page.body.contains("Katering") && page.body.contains("Api-Api"))
            #expect(page.body.contains("<strong>5</strong>"), "five active businesses: the suspended one is not counted")
        }
    }
}
