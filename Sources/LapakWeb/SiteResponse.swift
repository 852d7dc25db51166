import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird

/// How the site answers: validators (`ETag`, `Last-Modified`), gzip when asked for, and the safety headers.
enum SiteResponse {
    /// The Content-Security-Policy of every page: the site's own scripts and styles only, images from the tile server.
    static func contentSecurityPolicy(tileOrigin: String) -> String {
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: \(tileOrigin); connect-src 'self'; "
            + "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    }

    /// `body` as a response to `request`: 304 when the client holds the same version, gzip when it accepts it
    /// (bodies under 1 KB are sent as they are: compressing them saves nothing).
    static func make(_ body: [UInt8], contentType: String, request: Request, status: HTTPResponse.Status = .ok,
                     lastModified: Date? = nil, cacheControl: String = "no-cache", extra: HTTPFields = [:],
                     precompressed: ByteBuffer? = nil, etag: String? = nil) -> Response {
        make(contentType: contentType, request: request, status: status, lastModified: lastModified, cacheControl: cacheControl,
             extra: extra, precompressed: precompressed, etag: etag ?? Self.etag(body)) { body }
    }

    /// A response whose ETag `tag` is known before its body: `body()` is asked only when the client does not
    /// hold that version already, so a 304 writes no body at all.
    static func make(contentType: String, request: Request, status: HTTPResponse.Status = .ok, lastModified: Date? = nil,
                     cacheControl: String = "no-cache", extra: HTTPFields = [:], precompressed: ByteBuffer? = nil, etag tag: String,
                     body: () -> [UInt8]) -> Response {
        var headers = extra
        headers[.contentType] = contentType
        headers[.cacheControl] = cacheControl
        headers[.eTag] = tag
        headers[.vary] = "Accept-Encoding, Accept-Language"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.referrerPolicy] = "strict-origin-when-cross-origin"
        if let lastModified { headers[.lastModified] = httpDate(lastModified) }
        if status == .ok, let held = request.headers[.ifNoneMatch],
           held.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == tag || $0.trimmingCharacters(in: .whitespaces) == "W/" + tag }) {
            return Response(status: .notModified, headers: headers)
        }
        if status == .ok, request.headers[.ifNoneMatch] == nil, let lastModified, let since = request.headers[.ifModifiedSince].flatMap(parseHTTPDate),
           Int64(lastModified.timeIntervalSince1970) <= Int64(since.timeIntervalSince1970) {
            return Response(status: .notModified, headers: headers)
        }
        if let precompressed, acceptsGzip(request.headers[.acceptEncoding]) {
            headers[.contentEncoding] = "gzip"
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: precompressed))
        }
        let body = body()
        var buffer = ByteBuffer(bytes: body)
        if body.count >= 1024, acceptsGzip(request.headers[.acceptEncoding]), let compressed = try? buffer.compress(with: dynamicGzip) {
            headers[.contentEncoding] = "gzip"
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: compressed))
        }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }

    /// gzip for answers made per request (an API answer) and directory pages: zlib's fastest level. Level 6 cost a
    /// third of a bbox answer's CPU; level 1 makes the 43 KB of a hundred features a fifth larger gzipped (5.8 KB,
    /// not 4.9). The city document, kept and sent many times, is compressed once at the default level instead.
    static let dynamicGzip = CompressionAlgorithm.gzip(configuration: .init(compressionLevel: .fastestCompression))

    /// Whether an `Accept-Encoding` header takes gzip (and does not refuse it with q=0).
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for part in header.lowercased().split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard pieces.first == "gzip" || pieces.first == "*" else { continue }
            return !pieces.dropFirst().contains { $0.replacingOccurrences(of: " ", with: "") == "q=0" || $0 == "q=0.0" }
        }
        return false
    }

    /// The ETag of a body: its FNV-1a fingerprint, quoted.
    static func etag(_ body: [UInt8]) -> String { etag(fingerprint: fnv1a(body)) }

    /// An ETag from a fingerprint, quoted.
    static func etag(fingerprint: UInt64) -> String { "\"" + String(fingerprint, radix: 16) + "\"" }

    /// 64-bit FNV-1a: a fast fingerprint of a body for its ETag (not a security measure).
    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash = FNV1a()
        hash.add(bytes)
        return hash.value
    }

    /// An IMF-fixdate: `Tue, 01 Dec 2026 10:00:00 GMT`. Written by hand with gmtime_r: a DateFormatter costs
    /// milliseconds to make on Linux, more than the rest of an API answer.
    static func httpDate(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }

    /// Reads an IMF-fixdate.
    static func parseHTTPDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.date(from: text)
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let contentSecurityPolicy = Self("Content-Security-Policy")!
}

/// 64-bit FNV-1a, fed piece by piece: the fingerprint behind ETags (not a security measure).
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ bytes: [UInt8]) {
        var hash = value
        bytes.withUnsafeBufferPointer { bytes in
            for byte in bytes {
                hash ^= UInt64(byte)
                hash = hash &* 0x100_0000_01b3
            }
        }
        value = hash
    }

    /// A number's eight bytes, least significant first.
    mutating func add(_ number: UInt64) {
        var hash = value
        for shift in stride(from: 0, to: 64, by: 8) {
            hash ^= (number >> UInt64(shift)) & 0xFF
            hash = hash &* 0x100_0000_01b3
        }
        value = hash
    }

    /// Numbers, each as `add(_:)` feeds one.
    mutating func add(_ numbers: [UInt64]) {
        for number in numbers { add(number) }
    }
}
