import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import NIOCore
import LapakBot
import LapakRegistry
import TelegramBotAPI

extension PublicSite {
    /// `/`: the search form, the results (paged, nearest first with a location), and the map's hooks.
    func directoryPage(_ request: Request) -> Response {
        let language = Self.language(of: request)
        let key = baseURL(request) + "\u{0}" + language.rawValue + "\u{0}" + (request.uri.query ?? "")
        let now = now()
        let version = try? versions.version()
        if let version, let kept = pageCache.page(key, version: version, now: now) {
            return SiteResponse.make(kept.body, contentType: "text/html; charset=utf-8", request: request, extra: pageHeaders,
                                     precompressed: kept.gzip, etag: kept.etag)
        }
        // A snapshot that holds at this version answers the page, and its freshness is the page's: no scan of the
        // places for the next check-in's end (a fifth of a new page's CPU). Otherwise it is read before the page's
        // data: a change in between leaves the page under an older version, never a newer one.
        let freshness = version.flatMap { snapshots.current?.holding(version: $0, now: now)?.freshness }
            ?? (try? registry.freshness(at: now))
        let parameters = Self.parameters(of: request)
        let search: DirectoryRequest
        do {
            search = try DirectoryRequest(parameters, taxonomy: registry.taxonomy, region: settings.region, pageSize: Self.pageSize)
        } catch {
            return errorPage(request, language, status: .badRequest, title: "bad_request_title",
                             message: texts.text(error.key, language, error.values))
        }
        let found: (entries: [DirectoryEntry], total: Int)
        let answer: DirectoryAnswer
        let understood: String?
        do {
            let (query, words, named) = try search.query(matcher: matcher, registry: registry)
            understood = words
            answer = try directory(query, named: named, version: version, now: now)
            found = answer.page(for: query)
        } catch {
            logger.error("The directory could not be read", metadata: ["error": "\(error)"])
            return errorPage(request, language, status: .internalServerError, title: "not_found_title", message: "")
        }
        let kept = search.parameters() + (parameters["lang"].map { [("lang", $0)] } ?? [])
        let pageNumber = search.offset / Self.pageSize + 1
        let pages = max(1, (found.total + Self.pageSize - 1) / Self.pageSize)
        func pageURL(_ number: Int) -> String { "/?" + DirectoryRequest.encode(kept + (number > 1 ? [("halaman", String(number))] : [])) }
        let t = texts.all(language)
        let apiQuery = DirectoryRequest.encode(search.parameters().filter { !["bbox", "lat", "lon"].contains($0.0) })
        let context: [String: Any] = [
            "t": t, "q": search.text, "kindOptions": kindOptions(language, selected: search.category), "langParam": parameters["lang"] == "en" || parameters["lang"] == "id" ? parameters["lang"]! : "", "kelurahanOptions": kelurahanOptions(language, selected: search.kelurahan),
            "modeFixed": search.mode == .menetap, "modeMobile": search.mode == .berkeliling,
            "halal": search.halalOnly, "today": search.sellingToday, "inView": search.box != nil,
            "wholeCityURL": "/?" + DirectoryRequest.encode(kept.filter { $0.0 != "bbox" }),
            "understood": understood.map { texts.text("results_understood", language, ["what": $0]) } ?? "",
            "count": texts.text("results_count", language, ["count": String(found.total)]),
            "none": found.entries.isEmpty,
            "sorted": texts.text(search.origin == nil ? "sorted_name" : "sorted_nearest", language),
            "cards": cardsHTML(found.entries, answer: answer, language: language, sellingToday: search.sellingToday),
            "hasPages": pages > 1, "pageOf": texts.text("page_of", language, ["page": String(pageNumber), "pages": String(pages)]),
            "previousURL": pageNumber > 1 ? pageURL(pageNumber - 1) : "", "nextURL": pageNumber < pages ? pageURL(pageNumber + 1) : "",
            "apiURL": "/api/businesses" + (apiQuery.isEmpty ? "" : "?" + apiQuery),
            "map": mapContext(language),
        ]
        let body = render(context, withTemplate: "directory") ?? ""
        let title = understood.map { "\($0) · \(t["site_title"] ?? "")" } ?? t["site_title"] ?? ""
        let html = pageHTML(request, language, title: title, body: body, current: "directory", canonicalPath: pageURL(pageNumber))
        var made = PageCache.Page(body: html, etag: SiteResponse.etag(html))
        if let freshness {
            // zlib's fastest level, as for API answers: a page is kept only until the next change of the registry
            // (any check-in), so most are made for few readers; the default level cost a tenth of a new page's CPU
            // for a gzipped page a tenth smaller (3.5 KB instead of 3.9 KB).
            var buffer = ByteBuffer(bytes: html)
            made.gzip = try? buffer.compress(with: SiteResponse.dynamicGzip)
            pageCache.store(made, key: key, freshness: freshness, now: now)
        }
        return SiteResponse.make(made.body, contentType: "text/html; charset=utf-8", request: request, extra: pageHeaders,
                                 precompressed: made.gzip, etag: made.etag)
    }

    /// One business in a list or on its page: escaped by the template, never the owner's id.
    func entryContext(_ entry: DirectoryEntry, _ language: Language) -> [String: Any] {
        let business = entry.business
        let kind = registry.taxonomy.category(business.category)
        var context: [String: Any] = [
            "url": "/usaha/" + Self.pathComponent(business.registryID), "registryID": business.registryID,
            "name": business.name, "kind": kind?.name(language) ?? business.category, "emoji": kind?.emoji ?? "",
            "kelurahan": business.kelurahan, "address": business.address, "halal": business.halal, "verified": business.verified,
            "mobile": business.mode == .berkeliling,
            "modeText": texts.text(business.mode == .menetap ? "mode_menetap" : "mode_berkeliling", language),
            "phone": business.phone, "tel": business.phone.isEmpty ? "" : "tel:" + business.phone,
            "callText": texts.text("call_phone", language, ["phone": business.phone]),
        ]
        if let position = entry.position {
            context["lat"] = String(format: "%.6f", position.latitude)
            context["lon"] = String(format: "%.6f", position.longitude)
        }
        if business.mode == .berkeliling {
            if let seen = entry.lastSeen, entry.position != nil {
                context["today"] = texts.text("selling_today", language) + " · "
                    + texts.text("last_seen", language, ["time": clockTime(seen)])
                    + (entry.isLive ? " · " + texts.text("live_location", language) : "")
            } else {
                context["today"] = texts.text("not_out_today", language)
            }
        }
        if let distance = entry.distance {
            context["distance"] = texts.text("distance_away", language,
                                             ["distance": DistanceFormat.string(metres: distance, decimalComma: language == .indonesian)])
        }
        return context
    }

    /// HH.MM in the registry's time zone, as the bot writes times.
    func clockTime(_ date: Date) -> String {
        // Arithmetic on the zone's offset: a Calendar per result costs more than the page's query.
        let local = Int(date.timeIntervalSince1970.rounded(.down)) + settings.timeZone.secondsFromGMT(for: date)
        let minutes = ((local % 86_400) + 86_400) % 86_400 / 60
        return String(format: "%02d.%02d", minutes / 60, minutes % 60)
    }

    /// The map's settings, read by site.js from data attributes (no inline script: the CSP forbids it).
    func mapContext(_ language: Language) -> [String: Any] {
        let region = settings.region
        return ["tiles": settings.tilesURL, "attribution": settings.tilesAttribution,
                "bounds": [region.south, region.west, region.north, region.east].map { String($0) }.joined(separator: ","),
                "label": texts.text("map_label", language)]
    }

    /// `/usaha/{id}`: one business; 404 for an unknown, suspended or deleted one.
    func businessPage(_ request: Request, id: String) -> Response {
        let language = Self.language(of: request)
        let entry: DirectoryEntry?
        do {
            entry = try registry.publicBusiness(registryID: id, at: now())
        } catch {
            logger.error("A business page could not be read", metadata: ["error": "\(error)"])
            return errorPage(request, language, status: .internalServerError, title: "not_found_title", message: "")
        }
        guard let entry else { return notFound(request) }
        let business = entry.business
        let base = baseURL(request)
        let path = "/usaha/" + Self.pathComponent(business.registryID)
        var context = entryContext(entry, language)
        context["t"] = texts.all(language)
        context["map"] = mapContext(language)
        context["mapLabel"] = texts.text("detail_map_label", language, ["name": business.name])
        context["shareURL"] = base + path
        if !settings.botUsername.isEmpty {
            context["chatURL"] = "https://t.me/\(settings.botUsername)?start=u\(business.id)"
        }
        let kind = registry.taxonomy.category(business.category)
        var jsonLD: [String: JSONValue] = [
            "@context": .string("https://schema.org"), "@type": .string("LocalBusiness"), "@id": .string(base + path),
            "name": .string(business.name), "url": .string(base + path), "identifier": .string(business.registryID),
            "address": .object(["@type": .string("PostalAddress"), "streetAddress": .string(business.address),
                                "addressLocality": .string(business.kelurahan.isEmpty ? "Bontang" : "\(business.kelurahan), Bontang"),
                                "addressRegion": .string("Kalimantan Timur"), "addressCountry": .string("ID")]),
        ]
        if let kind { jsonLD["description"] = .string(kind.name(language)) }
        if !business.phone.isEmpty { jsonLD["telephone"] = .string(business.phone) }
        if let position = entry.position ?? business.location {
            jsonLD["geo"] = .object(["@type": .string("GeoCoordinates"), "latitude": .double(position.latitude), "longitude": .double(position.longitude)])
        }
        let body = render(context, withTemplate: "business") ?? ""
        let description = [kind?.name(language), business.kelurahan, "Bontang"].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " · ")
        return page(request, language, title: business.name, body: body, current: "", canonicalPath: path, description: description,
                    jsonLD: Self.scriptSafe(JSONValue.object(jsonLD)), lastModified: entry.updatedAt)
    }

    /// `/statistik`: the public figures, with server-drawn SVG charts.
    func statisticsPage(_ request: Request) -> Response {
        let language = Self.language(of: request)
        let figures: PublicFigures
        do {
            figures = try registry.publicFigures(at: now())
        } catch {
            logger.error("The statistics could not be read", metadata: ["error": "\(error)"])
            return errorPage(request, language, status: .internalServerError, title: "not_found_title", message: "")
        }
        let kinds = figures.perCategory.map { item in
            (label: registry.taxonomy.category(item.slug).map { "\($0.emoji) \($0.name(language))" } ?? item.slug, count: item.count)
        }
        let places = figures.perKelurahan.map { (label: $0.name.isEmpty ? texts.text("no_kelurahan", language) : $0.name, count: $0.count) }
        let context: [String: Any] = [
            "t": texts.all(language), "total": String(figures.businesses), "selling": String(figures.sellingToday),
            "halal": String(figures.halalCertified),
            "kindsChart": BarChart(title: texts.text("stats_per_kind", language), bars: kinds).svg,
            "kelurahanChart": BarChart(title: texts.text("stats_per_kelurahan", language), bars: places).svg,
        ]
        let body = render(context, withTemplate: "statistics") ?? ""
        return page(request, language, title: texts.text("stats_title", language), body: body, current: "statistics", canonicalPath: "/statistik")
    }

    /// The 404 page (unknown paths, suspended and deleted businesses).
    func notFound(_ request: Request) -> Response {
        let language = Self.language(of: request)
        return errorPage(request, language, status: .notFound, title: "not_found_title", message: texts.text("not_found_text", language))
    }

    func errorPage(_ request: Request, _ language: Language, status: HTTPResponse.Status, title: String, message: String) -> Response {
        let body = render(["t": texts.all(language), "title": texts.text(title, language), "message": message], withTemplate: "error") ?? ""
        return page(request, language, title: texts.text(title, language), body: body, current: "", canonicalPath: "/", status: status)
    }

    /// A whole page: the layout around `body`, with the safety headers.
    func page(_ request: Request, _ language: Language, title: String, body: String, current: String, canonicalPath: String,
              description: String? = nil, jsonLD: String? = nil, lastModified: Date? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let html = pageHTML(request, language, title: title, body: body, current: current, canonicalPath: canonicalPath,
                            description: description, jsonLD: jsonLD)
        return SiteResponse.make(html, contentType: "text/html; charset=utf-8", request: request, status: status,
                                 lastModified: lastModified, extra: pageHeaders)
    }

    /// The headers of every page beyond `SiteResponse`'s own: the Content-Security-Policy.
    var pageHeaders: HTTPFields {
        [.contentSecurityPolicy: SiteResponse.contentSecurityPolicy(tileOrigin: settings.tileOrigin)]
    }

    /// The layout around `body`, as UTF-8 bytes.
    func pageHTML(_ request: Request, _ language: Language, title: String, body: String, current: String, canonicalPath: String,
                  description: String? = nil, jsonLD: String? = nil) -> [UInt8] {
        let other: Language = language == .indonesian ? .english : .indonesian
        var switchItems = Self.parameters(of: request).filter { $0.key != "lang" }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        switchItems.append(("lang", other.rawValue))
        let base = baseURL(request)
        let context: [String: Any] = [
            "t": texts.all(language), "lang": language.rawValue, "title": title, "body": body,
            "description": description ?? texts.text("site_description", language),
            "canonical": base + canonicalPath, "switchURL": request.uri.path + "?" + DirectoryRequest.encode(switchItems),
            "switchLang": other.rawValue, "jsonLD": jsonLD ?? "", "isDirectory": current == "directory",
            "isStatistics": current == "statistics", "attribution": settings.tilesAttribution,
            "ogLocale": language == .indonesian ? "id_ID" : "en_US",
        ]
        return Array((render(context, withTemplate: "layout") ?? "").utf8)
    }

    /// JSON for a `<script type="application/ld+json">` block: `<` written as `\u003c`, so no value can close the block.
    static func scriptSafe(_ value: JSONValue) -> String {
        String(decoding: value.serialized(realPrecision: 15, sortedKeys: true), as: UTF8.self).replacingOccurrences(of: "<", with: "\\u003c")
    }

    /// `template` filled with `context`. Empty texts are left out first, so that `{{#address}}…{{/address}}`
    /// shows nothing for an empty address (Mustache counts an empty string as a value).
    func render(_ context: [String: Any], withTemplate template: String) -> String? {
        templates.render(Self.pruned(context), withTemplate: template)
    }

    static func pruned(_ value: Any) -> Any {
        switch value {
        case let texts as [String: String]:
            // The site's texts: kept as they are when none is empty (they never are), not copied into `[String: Any]`.
            return texts.values.contains(where: \.isEmpty) ? texts.filter { !$0.value.isEmpty } : texts
        case let dictionary as [String: Any]:
            return dictionary.compactMapValues { item -> Any? in
                if let text = item as? String, text.isEmpty { return nil }
                return pruned(item)
            }
        case let array as [[String: Any]]:
            return array.map { pruned($0) }
        default:
            return value
        }
    }

    /// A registry id as one path segment.
    static func pathComponent(_ id: String) -> String {
        // Registry ids are plain ASCII: skip Foundation, whose CharacterSet work was a tenth of a bbox answer's CPU.
        if id.utf8.allSatisfy({ byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "-._~".utf8.contains(byte)
        }) {
            return id
        }
        return id.addingPercentEncoding(withAllowedCharacters: pathAllowed) ?? id
    }

    /// What a path segment may hold unescaped (RFC 3986 unreserved).
    private static let pathAllowed: CharacterSet = {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return allowed
    }()
}

extension BusinessCategory {
    /// The category's name in `language`.
    func name(_ language: Language) -> String { language == .english ? englishName : indonesianName }
}
