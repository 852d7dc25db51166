import CJansson

/// A JSON document as a Swift value: what the Bot API sends and receives.
///
/// Parsing and printing go through jansson, which is faster than Foundation's coders on Linux
/// (see the package README for the measurements). Integers and floating-point numbers are kept
/// apart because Telegram ids need all 53 bits and must never pass through `Double`.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

/// A JSON text that jansson could not parse, with the place of the fault.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// jansson's description of the fault.
    public var reason: String
    /// One-based line of the fault in the input.
    public var line: Int
    /// One-based column of the fault in the input.
    public var column: Int

    public var description: String { "invalid JSON at line \(line), column \(column): \(reason)" }
}

extension JSONValue {
    /// Parses a complete JSON text (any value at top level) from UTF-8 bytes.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        try parse(bytes, resultFields: nil)
    }

    /// Parses a Bot API answer, converting only `resultFields` of an object `result` (all of it when nil):
    /// a sent message's echo is large, and a caller that needs its id should not pay for the rest.
    static func parse(_ bytes: some Collection<UInt8>, resultFields: Set<String>?) throws(JSONParseError) -> JSONValue {
        var error = json_error_t()
        let root: UnsafeMutablePointer<json_t>? = bytes.withContiguousStorageIfAvailable { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                json_loadb(chars.baseAddress, chars.count, Int(JSON_DECODE_ANY | JSON_ALLOW_NUL), &error)
            }
        } ?? Array(bytes).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                json_loadb(chars.baseAddress, chars.count, Int(JSON_DECODE_ANY | JSON_ALLOW_NUL), &error)
            }
        }
        guard let root else {
            let reason = withUnsafeBytes(of: &error.text) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            throw JSONParseError(reason: reason, line: Int(error.line), column: Int(error.column))
        }
        defer { json_decref(root) }
        // Prune the result in jansson's tree before it is converted: one conversion path for every answer.
        if let resultFields, root.pointee.type == JSON_OBJECT, let result = json_object_get(root, "result"),
           result.pointee.type == JSON_OBJECT, let pruned = json_object() {
            for field in resultFields {
                if let value = json_object_get(result, field) { json_object_set(pruned, field, value) }
            }
            json_object_set_new(root, "result", pruned)
        }
        return JSONValue(borrowing: root)
    }

    /// Parses a complete JSON text from a string.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    /// Converts a jansson value into a Swift value without taking ownership of it.
    init(borrowing node: UnsafeMutablePointer<json_t>) {
        switch node.pointee.type {
        case JSON_NULL: self = .null
        case JSON_TRUE: self = .bool(true)
        case JSON_FALSE: self = .bool(false)
        case JSON_INTEGER: self = .int(Int64(json_integer_value(node)))
        case JSON_REAL: self = .double(json_real_value(node))
        case JSON_STRING:
            let length = json_string_length(node)
            let raw = UnsafeRawBufferPointer(start: json_string_value(node), count: length)
            self = .string(String(decoding: raw, as: UTF8.self))
        case JSON_ARRAY:
            let count = json_array_size(node)
            var items: [JSONValue] = []
            items.reserveCapacity(count)
            for index in 0..<count {
                if let item = json_array_get(node, index) { items.append(JSONValue(borrowing: item)) }
            }
            self = .array(items)
        case JSON_OBJECT:
            var members: [String: JSONValue] = [:]
            members.reserveCapacity(json_object_size(node))
            var iterator = json_object_iter(node)
            while let current = iterator {
                if let keyPointer = json_object_iter_key(current), let value = json_object_iter_value(current) {
                    let keyLength = json_object_iter_key_len(current)
                    let key = String(decoding: UnsafeRawBufferPointer(start: keyPointer, count: keyLength), as: UTF8.self)
                    members[key] = JSONValue(borrowing: value)
                }
                iterator = json_object_iter_next(node, current)
            }
            self = .object(members)
        default:
            self = .null
        }
    }

    /// Builds a new jansson value; the caller owns the returned reference.
    func makeJansson() -> UnsafeMutablePointer<json_t> {
        switch self {
        case .null: return json_null()
        case .bool(let value): return value ? json_true() : json_false()
        case .int(let value): return json_integer(json_int_t(value))
        case .double(let value): return json_real(value)
        case .string(let value):
            var copy = value
            return copy.withUTF8 { utf8 in
                utf8.withMemoryRebound(to: CChar.self) { json_stringn_nocheck($0.baseAddress, $0.count) }
            }
        case .array(let items):
            let array = json_array()!
            for item in items { json_array_append_new(array, item.makeJansson()) }
            return array
        case .object(let members):
            let object = json_object()!
            for (key, value) in members {
                var keyCopy = key
                keyCopy.withUTF8 { utf8 in
                    utf8.withMemoryRebound(to: CChar.self) {
                        _ = json_object_setn_new_nocheck(object, $0.baseAddress, $0.count, value.makeJansson())
                    }
                }
            }
            return object
        }
    }

    /// The compact JSON text of this value as UTF-8 bytes.
    ///
    /// - Parameter realPrecision: significant digits of floating-point numbers (1...31); jansson's 17 when nil,
    ///   which writes a rounded 0.144301 as 0.14430100000000001.
    /// - Parameter sortedKeys: object members in key order, so that the same value always gives the same bytes
    ///   (an ETag made from them then holds); otherwise in the order of the hash table.
    public func serialized(realPrecision: Int? = nil, sortedKeys: Bool = false) -> [UInt8] {
        let node = makeJansson()
        defer { json_decref(node) }
        // JSON_REAL_PRECISION(n) is a function-like C macro, which Swift does not import: its bits written out.
        let flags = Int(JSON_COMPACT) | Int(JSON_ENCODE_ANY) | ((realPrecision ?? 0) & 0x1F) << 11 | (sortedKeys ? Int(JSON_SORT_KEYS) : 0)
        let size = json_dumpb(node, nil, 0, flags)
        guard size > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = buffer.withMemoryRebound(to: CChar.self) { chars in
                json_dumpb(node, chars.baseAddress, size, flags)
            }
        }
    }

    /// The compact JSON text of this value.
    public func serializedString(realPrecision: Int? = nil) -> String {
        String(decoding: serialized(realPrecision: realPrecision), as: UTF8.self)
    }
}

// MARK: - Reading values

extension JSONValue {
    /// The member named `key` when this is an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The integer, also from a whole floating-point number.
    public var int64Value: Int64? {
        switch self {
        case .int(let value): return value
        case .double(let value) where value.rounded() == value && abs(value) < 9.0e15: return Int64(value)
        default: return nil
        }
    }

    /// The number as a floating-point value.
    public var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// The string, when this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The boolean, when this is a boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The items, when this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members, when this is an object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
}
