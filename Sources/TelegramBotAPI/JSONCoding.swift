/// A Bot API value that can be read from JSON.
public protocol JSONDecodable: Sendable {
    /// Reads the value, failing with the path of the first missing or mistyped field.
    init(json: JSONValue) throws(JSONDecodingError)
}

/// A Bot API value that can be written as JSON.
public protocol JSONEncodable: Sendable {
    /// The value as Telegram spells it (snake_case keys, absent fields left out).
    var json: JSONValue { get }
}

/// A value both read and written as JSON.
public typealias JSONCodable = JSONDecodable & JSONEncodable

/// A JSON document that does not have the shape a Bot API type requires.
public struct JSONDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The dotted path of the offending field, e.g. `message.chat.id`.
    public var path: String
    /// What was wrong there.
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }

    /// The same error, seen from the enclosing field `parent`.
    func nested(in parent: String) -> JSONDecodingError {
        JSONDecodingError(path: path.isEmpty ? parent : "\(parent).\(path)", reason: reason)
    }
}

/// Reads the fields of one JSON object, naming the field in every failure.
struct JSONFieldReader {
    let members: [String: JSONValue]

    init(_ json: JSONValue, type: String) throws(JSONDecodingError) {
        guard case .object(let members) = json else {
            throw JSONDecodingError(path: "", reason: "expected a \(type) object")
        }
        self.members = members
    }

    private func present(_ key: String) -> JSONValue? {
        guard let value = members[key], value != .null else { return nil }
        return value
    }

    func int64(_ key: String) throws(JSONDecodingError) -> Int64 {
        guard let value = present(key) else { throw JSONDecodingError(path: key, reason: "missing") }
        guard let number = value.int64Value else { throw JSONDecodingError(path: key, reason: "expected an integer") }
        return number
    }

    func optionalInt64(_ key: String) throws(JSONDecodingError) -> Int64? {
        guard let value = present(key) else { return nil }
        guard let number = value.int64Value else { throw JSONDecodingError(path: key, reason: "expected an integer") }
        return number
    }

    func int(_ key: String) throws(JSONDecodingError) -> Int { Int(try int64(key)) }

    func optionalInt(_ key: String) throws(JSONDecodingError) -> Int? { try optionalInt64(key).map { Int($0) } }

    func double(_ key: String) throws(JSONDecodingError) -> Double {
        guard let value = present(key) else { throw JSONDecodingError(path: key, reason: "missing") }
        guard let number = value.doubleValue else { throw JSONDecodingError(path: key, reason: "expected a number") }
        return number
    }

    func optionalDouble(_ key: String) throws(JSONDecodingError) -> Double? {
        guard let value = present(key) else { return nil }
        guard let number = value.doubleValue else { throw JSONDecodingError(path: key, reason: "expected a number") }
        return number
    }

    func string(_ key: String) throws(JSONDecodingError) -> String {
        guard let value = present(key) else { throw JSONDecodingError(path: key, reason: "missing") }
        guard let text = value.stringValue else { throw JSONDecodingError(path: key, reason: "expected a string") }
        return text
    }

    func optionalString(_ key: String) throws(JSONDecodingError) -> String? {
        guard let value = present(key) else { return nil }
        guard let text = value.stringValue else { throw JSONDecodingError(path: key, reason: "expected a string") }
        return text
    }

    func bool(_ key: String, default defaultValue: Bool = false) throws(JSONDecodingError) -> Bool {
        guard let value = present(key) else { return defaultValue }
        guard let flag = value.boolValue else { throw JSONDecodingError(path: key, reason: "expected true or false") }
        return flag
    }

    func decode<T: JSONDecodable>(_ key: String, as type: T.Type = T.self) throws(JSONDecodingError) -> T {
        guard let value = present(key) else { throw JSONDecodingError(path: key, reason: "missing") }
        do { return try T(json: value) } catch { throw error.nested(in: key) }
    }

    func optional<T: JSONDecodable>(_ key: String, as type: T.Type = T.self) throws(JSONDecodingError) -> T? {
        guard let value = present(key) else { return nil }
        do { return try T(json: value) } catch { throw error.nested(in: key) }
    }

    func optionalArray<T: JSONDecodable>(_ key: String, of type: T.Type = T.self) throws(JSONDecodingError) -> [T]? {
        guard let value = present(key) else { return nil }
        guard let items = value.arrayValue else { throw JSONDecodingError(path: key, reason: "expected an array") }
        var result: [T] = []
        result.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            do { result.append(try T(json: item)) } catch { throw error.nested(in: "\(key)[\(index)]") }
        }
        return result
    }

    func optionalGrid<T: JSONDecodable>(_ key: String, of type: T.Type = T.self) throws(JSONDecodingError) -> [[T]]? {
        guard let value = present(key) else { return nil }
        guard let rows = value.arrayValue else { throw JSONDecodingError(path: key, reason: "expected an array of rows") }
        var result: [[T]] = []
        for (rowIndex, row) in rows.enumerated() {
            guard let cells = row.arrayValue else {
                throw JSONDecodingError(path: "\(key)[\(rowIndex)]", reason: "expected an array")
            }
            var decodedRow: [T] = []
            for (cellIndex, cell) in cells.enumerated() {
                do { decodedRow.append(try T(json: cell)) } catch {
                    throw error.nested(in: "\(key)[\(rowIndex)][\(cellIndex)]")
                }
            }
            result.append(decodedRow)
        }
        return result
    }
}

/// Builds a JSON object, leaving out fields whose value is absent (as Telegram does).
struct JSONObjectBuilder {
    private(set) var members: [String: JSONValue] = [:]

    mutating func set(_ key: String, _ value: JSONValue?) {
        if let value { members[key] = value }
    }

    mutating func set(_ key: String, _ value: String?) { set(key, value.map(JSONValue.string)) }
    mutating func set(_ key: String, _ value: Int64?) { set(key, value.map(JSONValue.int)) }
    mutating func set(_ key: String, _ value: Int?) { set(key, value.map { JSONValue.int(Int64($0)) }) }
    mutating func set(_ key: String, _ value: Double?) { set(key, value.map(JSONValue.double)) }
    mutating func set(_ key: String, _ value: (some JSONEncodable)?) { set(key, value.map(\.json)) }
    mutating func set(_ key: String, _ values: [some JSONEncodable]?) { set(key, values.map { .array($0.map(\.json)) }) }

    /// Sets a boolean only when it is true: Telegram omits false flags.
    mutating func flag(_ key: String, _ value: Bool) {
        if value { members[key] = .bool(true) }
    }

    var json: JSONValue { .object(members) }
}
