import Foundation
import LapakRegistry

/// Writes the directory's GeoJSON (RFC 7946) straight into a byte buffer.
///
/// Building a JSONValue tree per answer (a dictionary per feature, then a jansson tree, then sorted keys)
/// was most of the CPU of a bbox answer. This writer produces the same document: the members in key
/// order (as `JSONValue.serialized(sortedKeys: true)` wrote them, so ETags stay stable), coordinates
/// rounded to 6 decimals, and strings escaped as jansson escapes them (`"`, `\` and control characters;
/// other text as UTF-8). `PublicSiteTests` checks it against the tree-built feature.
struct GeoJSONWriter {
    private(set) var bytes: [UInt8] = []

    /// A writer with room for about `features` features.
    init(features: Int) { if features > 0 { bytes.reserveCapacity(256 + features * 420) } }

    /// The FeatureCollection of `entries`: `features`, then `next` when there is one, `numberMatched`,
    /// `numberReturned`, `type`.
    mutating func collection(_ entries: [DirectoryEntry], total: Int, next: String?, base: String, taxonomy: CategoryTaxonomy) {
        let address = Self.escaped(base)
        begin()
        for (index, entry) in entries.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            feature(FeatureParts(entry, taxonomy: taxonomy), distance: entry.distance, escapedBase: address)
        }
        end(total: total, returned: entries.count, next: next)
    }

    /// Appends one byte (the comma between features).
    mutating func append(_ byte: UInt8) { bytes.append(byte) }

    /// Opens a FeatureCollection; the caller writes its features, separated by commas, then calls `end`.
    mutating func begin() { raw("{\"features\":[") }

    /// Closes the collection of `begin()`: `next` when there is one, `numberMatched`, `numberReturned`, `type`.
    mutating func end(total: Int, returned: Int, next: String?) {
        raw("]")
        if let next {
            raw(",\"next\":")
            string(next)
        }
        raw(",\"numberMatched\":\(total),\"numberReturned\":\(returned),\"type\":\"FeatureCollection\"}")
    }

    /// `text` escaped as a JSON string's contents (no quotes).
    static func escaped(_ text: String) -> [UInt8] {
        var writer = GeoJSONWriter(features: 0)
        writer.stringContents(text)
        return writer.bytes
    }

    /// One business as a Feature, with the members and values of `PublicSite.feature(_:base:)`.
    mutating func feature(_ entry: DirectoryEntry, base: String, taxonomy: CategoryTaxonomy) {
        feature(FeatureParts(entry, taxonomy: taxonomy), distance: entry.distance, escapedBase: Self.escaped(base))
    }

    /// A feature from its pre-written parts: the same bytes as `feature(_:base:taxonomy:)` writes.
    mutating func feature(_ parts: FeatureParts, distance: Double?, escapedBase: [UInt8]) {
        bytes.append(contentsOf: parts.head)
        if let distance { raw(",\"distance_m\":\(Int64(distance.rounded()))") }
        bytes.append(contentsOf: parts.middle)
        bytes.append(contentsOf: escapedBase)
        bytes.append(contentsOf: parts.tail)
    }

    /// A feature cut where a request changes it: before `distance_m` (only with an origin), and around the site's
    /// address in `url` (the request's host when no public URL is set). Written once per business and registry
    /// version by `DirectorySnapshot`, so that an answer is a concatenation.
    struct FeatureParts: Sendable {
        /// From `{"geometry":` to `category_name_en`'s value.
        var head: [UInt8]
        /// From `,"halal":` to the opening quote of `url`'s value.
        var middle: [UInt8]
        /// The rest of `url`'s value (`/usaha/…"`), `verified`, and the end of the feature.
        var tail: [UInt8]
        /// The FNV-1a fingerprint of the three parts: an answer's ETag is made of its features' fingerprints and
        /// what the request adds, before (and without) writing its body (see `PublicSite.collectionAnswer`).
        var fingerprint: UInt64

        init(_ entry: DirectoryEntry, taxonomy: CategoryTaxonomy) {
            let business = entry.business
            var writer = GeoJSONWriter(features: 1)
            writer.raw("{\"geometry\":")
            if let position = entry.position {
                writer.raw("{\"coordinates\":[")
                writer.number(PublicSite.coordinate(position.longitude))
                writer.bytes.append(UInt8(ascii: ","))
                writer.number(PublicSite.coordinate(position.latitude))
                writer.raw("],\"type\":\"Point\"}")
            } else {
                writer.raw("null")
            }
            writer.raw(",\"id\":")
            writer.string(business.registryID)
            let kind = taxonomy.category(business.category)
            writer.raw(",\"properties\":{\"address\":")
            writer.string(business.address)
            writer.raw(",\"category\":")
            writer.string(business.category)
            writer.raw(",\"category_name\":")
            writer.string(kind?.indonesianName ?? business.category)
            writer.raw(",\"category_name_en\":")
            writer.string(kind?.englishName ?? business.category)
            head = writer.bytes
            writer.bytes.removeAll(keepingCapacity: true)
            writer.raw(business.halal ? ",\"halal\":true" : ",\"halal\":false")
            writer.raw(",\"kelurahan\":")
            writer.string(business.kelurahan)
            let mobile = business.mode == .berkeliling
            let out = entry.position != nil && entry.lastSeen != nil
            if mobile, out, let seen = entry.lastSeen {
                writer.raw(",\"last_seen\":\"")
                writer.raw(GeoJSONWriter.iso8601(seen))
                writer.raw("\"")
            }
            writer.raw(",\"mode\":")
            writer.string(business.mode.rawValue)
            writer.raw(",\"name\":")
            writer.string(business.name)
            writer.raw(",\"phone\":")
            writer.string(business.phone)
            if mobile { writer.raw(out ? ",\"selling_today\":true" : ",\"selling_today\":false") }
            writer.raw(",\"url\":\"")
            middle = writer.bytes
            writer.bytes.removeAll(keepingCapacity: true)
            writer.stringContents("/usaha/" + PublicSite.pathComponent(business.registryID))
            writer.raw(business.verified ? "\",\"verified\":true}" : "\",\"verified\":false}")
            writer.raw(",\"type\":\"Feature\"}")
            tail = writer.bytes
            var hash = FNV1a()
            for part in [head, middle, tail] {
                hash.add(UInt64(part.count))
                hash.add(part)
            }
            fingerprint = hash.value
        }
    }

    private mutating func raw(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// A double as its shortest round-trip form, which for a value rounded to 6 decimals is the same
    /// number jansson writes with 15 significant digits.
    private mutating func number(_ value: Double) {
        raw(value.description)
    }

    /// A JSON string: quotes, backslashes and control characters escaped, the rest as UTF-8.
    private mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        stringContents(text)
        bytes.append(UInt8(ascii: "\""))
    }

    /// A JSON string's contents without its quotes: escaping is per byte, so parts escaped apart and joined
    /// are the whole escaped.
    mutating func stringContents(_ text: String) {
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            // Nearly every name and address: copied whole.
            bytes.append(contentsOf: text.utf8)
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x08: raw("\\b")
            case 0x0C: raw("\\f")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0..<0x20:
                let hex = Array("0123456789ABCDEF".utf8)
                bytes.append(contentsOf: Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
    }

    /// `2026-12-01T10:00:00Z`, what `Date.ISO8601Format()` writes, by gmtime_r: a formatter per feature
    /// would cost more than the rest of the feature.
    static func iso8601(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}
