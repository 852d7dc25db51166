import Foundation
import Logging

/// The site's scripts, styles and images, read once at start and served from memory under `/static/`.
///
/// Only the files named here are served (no path from a request ever reaches the file system). Leaflet
/// and Leaflet.markercluster come from Debian's packages, so the site needs no CDN and no network.
struct StaticAssets: Sendable {
    /// A file's bytes and type.
    struct Asset: Sendable {
        var bytes: [UInt8]
        var contentType: String
    }

    /// By path under `/static/`.
    let files: [String: Asset]

    /// The files Lapak serves from Debian's libjs-leaflet and libjs-leaflet.markercluster.
    static let leafletFiles = [
        "leaflet.js", "leaflet.css", "leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css",
        "images/marker-icon.png", "images/marker-icon-2x.png", "images/marker-shadow.png", "images/layers.png", "images/layers-2x.png",
    ]

    /// Reads `web/static/*` and Leaflet's files; missing Leaflet files are a warning (the directory works without the map).
    init(webDirectory: URL, leafletPath: String, logger: Logger) throws {
        var files: [String: Asset] = [:]
        let own = webDirectory.appendingPathComponent("static", isDirectory: true)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: own.path)) ?? [] where !name.hasPrefix(".") {
            let data = try Data(contentsOf: own.appendingPathComponent(name))
            files[name] = Asset(bytes: [UInt8](data), contentType: Self.contentType(of: name))
        }
        var missing: [String] = []
        for name in Self.leafletFiles {
            guard let data = FileManager.default.contents(atPath: leafletPath + "/" + name) else {
                missing.append(name)
                continue
            }
            files["leaflet/" + name] = Asset(bytes: [UInt8](data), contentType: Self.contentType(of: name))
        }
        if !missing.isEmpty {
            logger.warning("The site's map is off: Leaflet's files are missing; install libjs-leaflet and libjs-leaflet.markercluster",
                           metadata: ["path": "\(leafletPath)", "missing": "\(missing.joined(separator: ", "))"])
        }
        self.files = files
    }

    static func contentType(of name: String) -> String {
        switch (name as NSString).pathExtension {
        case "js": return "text/javascript; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "png": return "image/png"
        case "svg": return "image/svg+xml"
        case "json": return "application/json"
        default: return "application/octet-stream"
        }
    }
}
