import Foundation
import HTTPTypes
import Hummingbird
import Logging
import LapakBot
import LapakRegistry
import TelegramBotAPI

extension PublicSite {
    /// `/api/businesses`: the directory as a GeoJSON FeatureCollection (RFC 7946), filtered and paged, with a `next` link.
    func apiBusinesses(_ request: Request) -> Response {
        let language = Self.language(of: request)
        let search: DirectoryRequest
        do {
            search = try DirectoryRequest(Self.parameters(of: request), taxonomy: registry.taxonomy, region: settings.region, pageSize: nil)
        } catch {
            return apiError(request, status: .badRequest, message: texts.text(error.key, language, error.values))
        }
        let now = now()
        let query: DirectoryQuery
        let answer: DirectoryAnswer
        do {
            let version = try versions.version()
            let named: Set<Int64>
            (query, _, named) = try search.query(matcher: matcher, registry: registry)
            answer = try directory(query, named: named, version: version, now: now)
        } catch {
            logger.error("The API could not read the directory", metadata: ["error": "\(error)"])
            return apiError(request, status: .internalServerError, message: "internal error")
        }
        let base = baseURL(request)
        let (returned, total): (Int, Int)
        switch answer {
        case .snapshot(_, let indices, let count): (returned, total) = (indices.count, count)
        case .database(let page): (returned, total) = (page.entries.count, page.total)
        }
        var next: String?
        var extra: HTTPFields = [.accessControlAllowOrigin: "*"]
        if search.offset + returned < total {
            let link = base + "/api/businesses?" + DirectoryRequest.encode(
                search.parameters() + [("limit", String(search.limit)), ("offset", String(search.offset + search.limit))])
            next = link
            extra[.link] = "<\(link)>; rel=\"next\""
        }
        switch answer {
        case .snapshot(let snapshot, let indices, _):
            // Features written when the snapshot was made: the answer is their concatenation.
            var newest: Date?
            for index in indices { newest = max(newest ?? snapshot.updatedAt(index), snapshot.updatedAt(index)) }
            return collectionAnswer(request, count: indices.count, total: total, base: base, next: next, lastModified: newest,
                                    extra: extra) { position in
                let index = indices[position]
                return (snapshot.features[Int(index)], query.origin.flatMap { snapshot.distance(index, from: $0) })
            }
        case .database(let page):
            let features = page.entries.map { GeoJSONWriter.FeatureParts($0, taxonomy: registry.taxonomy) }
            return collectionAnswer(request, count: features.count, total: total, base: base, next: next,
                                    lastModified: page.entries.map(\.updatedAt).max(), extra: extra) { (features[$0], page.entries[$0].distance) }
        }
    }

    /// An API answer: the FeatureCollection of `count` features, `feature(i)` giving the i-th and its distance.
    ///
    /// The body is determined by its features' fingerprints and what the request adds (distances, the site's
    /// address, the counts, the next link), so the ETag is made of those: a 304 writes no body, a 200 does not
    /// hash 40 KB, and the same answer has the same ETag from the snapshot as from SQLite.
    private func collectionAnswer(_ request: Request, count: Int, total: Int, base: String, next: String?, lastModified: Date?,
                                  extra: HTTPFields, feature: (Int) -> (GeoJSONWriter.FeatureParts, distance: Double?)) -> Response {
        let address = GeoJSONWriter.escaped(base)
        var tag = FNV1a()
        for position in 0..<count {
            let (parts, distance) = feature(position)
            tag.add(parts.fingerprint)
            tag.add(distance.map { [1, UInt64(bitPattern: Int64($0.rounded()))] } ?? [0])
        }
        tag.add(UInt64(address.count))
        tag.add(address)
        tag.add([UInt64(total), UInt64(count)])
        tag.add(Array((next ?? "").utf8))
        return SiteResponse.make(contentType: "application/geo+json", request: request, lastModified: lastModified, extra: extra,
                                 etag: SiteResponse.etag(fingerprint: tag.value)) {
            var writer = GeoJSONWriter(features: count)
            writer.begin()
            for position in 0..<count {
                if position > 0 { writer.append(UInt8(ascii: ",")) }
                let (parts, distance) = feature(position)
                writer.feature(parts, distance: distance, escapedBase: address)
            }
            writer.end(total: total, returned: count, next: next)
            return writer.bytes
        }
    }

    /// `/api/businesses/{id}`: one business as a GeoJSON Feature; 404 for unknown, suspended or deleted ones.
    func apiBusiness(_ request: Request, id: String) -> Response {
        do {
            guard let entry = try registry.publicBusiness(registryID: id, at: now()) else {
                return apiError(request, status: .notFound, message: texts.text("not_found_text", Self.language(of: request)))
            }
            let body = feature(entry, base: baseURL(request)).serialized(realPrecision: 15, sortedKeys: true)
            return SiteResponse.make(body, contentType: "application/geo+json", request: request, lastModified: entry.updatedAt,
                                     extra: [.accessControlAllowOrigin: "*"])
        } catch {
            logger.error("The API could not read a business", metadata: ["error": "\(error)"])
            return apiError(request, status: .internalServerError, message: "internal error")
        }
    }

    /// One business as a GeoJSON Feature: `[longitude, latitude]` to 6 decimals, the registry id as `id`.
    /// A mobile vendor not out today has no position: its geometry is null, as RFC 7946 allows.
    func feature(_ entry: DirectoryEntry, base: String) -> JSONValue {
        let business = entry.business
        let kind = registry.taxonomy.category(business.category)
        var properties: [String: JSONValue] = [
            "name": .string(business.name), "category": .string(business.category),
            "category_name": .string(kind?.indonesianName ?? business.category), "category_name_en": .string(kind?.englishName ?? business.category),
            "mode": .string(business.mode.rawValue), "kelurahan": .string(business.kelurahan), "address": .string(business.address),
            "phone": .string(business.phone), "halal": .bool(business.halal), "verified": .bool(business.verified),
            "url": .string(base + "/usaha/" + Self.pathComponent(business.registryID)),
        ]
        if business.mode == .berkeliling {
            let out = entry.position != nil && entry.lastSeen != nil
            properties["selling_today"] = .bool(out)
            if out, let seen = entry.lastSeen { properties["last_seen"] = .string(seen.ISO8601Format()) }
        }
        if let distance = entry.distance { properties["distance_m"] = .int(Int64(distance.rounded())) }
        let geometry: JSONValue = entry.position.map { position in
            ["type": "Point", "coordinates": [.double(Self.coordinate(position.longitude)), .double(Self.coordinate(position.latitude))]]
        } ?? .null
        return ["type": "Feature", "id": .string(business.registryID), "geometry": geometry, "properties": .object(properties)]
    }

    /// A coordinate rounded to 6 decimals (about 11 cm).
    static func coordinate(_ value: Double) -> Double { (value * 1_000_000).rounded() / 1_000_000 }

    /// A JSON error `{"error": "…"}` with a message a developer can act on.
    func apiError(_ request: Request, status: HTTPResponse.Status, message: String) -> Response {
        let body = JSONValue.object(["error": .string(message)]).serialized()
        return SiteResponse.make(body, contentType: "application/json; charset=utf-8", request: request, status: status,
                                 extra: [.accessControlAllowOrigin: "*"])
    }

    /// `/api/openapi.json`: the API's OpenAPI 3.1 description, with the kinds and kelurahan it accepts.
    func openAPI(_ request: Request) -> Response {
        guard let asset = assets.files["openapi.json"], var document = try? JSONValue.parse(asset.bytes) else { return notFound(request) }
        // The accepted values come from the registry's own lists, so the description never falls behind them.
        if case .object(var root) = document, case .object(var components)? = root["components"], case .object(var parameters)? = components["parameters"] {
            parameters["jenis"] = Self.enumParameter(parameters["jenis"], registry.taxonomy.categories.map(\.slug))
            parameters["kelurahan"] = Self.enumParameter(parameters["kelurahan"], Kelurahan.bontang.map { DirectoryRequest.slug($0.name) })
            components["parameters"] = .object(parameters)
            root["components"] = .object(components)
            root["servers"] = [["url": .string(baseURL(request))]]
            document = .object(root)
        }
        return SiteResponse.make(document.serialized(sortedKeys: true), contentType: "application/json; charset=utf-8", request: request,
                                 extra: [.accessControlAllowOrigin: "*"])
    }

    private static func enumParameter(_ parameter: JSONValue?, _ values: [String]) -> JSONValue? {
        guard case .object(var fields)? = parameter else { return parameter }
        fields["schema"] = ["type": "string", "enum": .array(values.map { .string($0) })]
        return .object(fields)
    }
}

extension HTTPField.Name {
    static let link = Self("Link")!
}
