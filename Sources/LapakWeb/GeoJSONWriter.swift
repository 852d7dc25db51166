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
    init(features: Int) { bytes.reserveCapacity(256 + features * 420) }

    /// The FeatureCollection of `entries`: `features`, then `next` when there is one, `numberMatched`,
    /// `numberReturned`, `type`.
    mutating func collection(_ entries: [DirectoryEntry], total: Int, next: String?, base: String, taxonomy: CategoryTaxonomy) {
        raw("{\"features\":[")
        for (index, entry) in entries.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            feature(entry, base: base, taxonomy: taxonomy)
        }
        raw("]")
        if let next {
            raw(",\"next\":")
            string(next)
        }
        raw(",\"numberMatched\":\(total),\"numberReturned\":\(entries.count),\"type\":\"FeatureCollection\"}")
    }

    /// One business as a Feature, with the members and values of `PublicSite.feature(_:base:)`.
    mutating func feature(_ entry: DirectoryEntry, base: String, taxonomy: CategoryTaxonomy) {
        let business = entry.business
        raw("{\"geometry\":")
        if let position = entry.position {
            raw("{\"coordinates\":[")
            number(PublicSite.coordinate(position.longitude))
            bytes.append(UInt8(ascii: ","))
            number(PublicSite.coordinate(position.latitude))
            raw("],\"type\":\"Point\"}")
        } else {
            raw("null")
        }
        raw(",\"id\":")
        string(business.registryID)
        let kind = taxonomy.category(business.category)
        raw(",\"properties\":{\"address\":")
        string(business.address)
        raw(",\"category\":")
        string(business.category)
        raw(",\"category_name\":")
        string(kind?.indonesianName ?? business.category)
        raw(",\"category_name_en\":")
        string(kind?.englishName ?? business.category)
        if let distance = entry.distance { raw(",\"distance_m\":\(Int64(distance.rounded()))") }
        raw(business.halal ? ",\"halal\":true" : ",\"halal\":false")
        raw(",\"kelurahan\":")
        string(business.kelurahan)
        let mobile = business.mode == .berkeliling
        let out = entry.position != nil && entry.lastSeen != nil
        if mobile, out, let seen = entry.lastSeen {
            raw(",\"last_seen\":\"")
            raw(Self.iso8601(seen))
            raw("\"")
        }
        raw(",\"mode\":")
        string(business.mode.rawValue)
        raw(",\"name\":")
        string(business.name)
        raw(",\"phone\":")
        string(business.phone)
        if mobile { raw(out ? ",\"selling_today\":true" : ",\"selling_today\":false") }
        raw(",\"url\":")
        string(base + "/usaha/" + PublicSite.pathComponent(business.registryID))
        raw(business.verified ? ",\"verified\":true}" : ",\"verified\":false}")
        raw(",\"type\":\"Feature\"}")
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
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            // Nearly every name and address: copied whole.
            bytes.append(contentsOf: text.utf8)
            bytes.append(UInt8(ascii: "\""))
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
        bytes.append(UInt8(ascii: "\""))
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
