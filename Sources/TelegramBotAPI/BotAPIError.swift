/// A failed Bot API call, with everything a caller needs to decide what to do next.
public enum BotAPIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Telegram answered `{"ok": false, ...}`.
    case rejected(TelegramError)
    /// The request did not complete: no connection, a time-out, a dropped connection.
    case transport(TransportError)
    /// The answer was not a Bot API answer (not JSON, or not of the shape the method returns).
    case invalidResponse(method: String, httpStatus: Int, reason: String)

    public var description: String {
        switch self {
        case .rejected(let error): return error.description
        case .transport(let error): return error.description
        case .invalidResponse(let method, let status, let reason):
            return "\(method): invalid answer (HTTP \(status)): \(reason)"
        }
    }

    /// Telegram's error code, when Telegram answered.
    public var errorCode: Int? {
        if case .rejected(let error) = self { return error.errorCode }
        return nil
    }

    /// Seconds to wait before any further request, when Telegram said so (HTTP 429).
    public var retryAfter: Int? {
        if case .rejected(let error) = self { return error.retryAfter }
        return nil
    }

    /// Whether trying the same request again later may succeed: network faults, 5xx, 429, garbled answers.
    public var isTransient: Bool {
        switch self {
        case .rejected(let error): return error.errorCode == 429 || error.errorCode >= 500
        case .transport(let error): return error.kind != .cancelled
        case .invalidResponse: return true
        }
    }
}

/// Telegram's own error answer: `{"ok": false, "error_code": ..., "description": ..., "parameters": ...}`.
public struct TelegramError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The Bot API method that failed.
    public var method: String
    /// Telegram's error code, usually the HTTP status (400, 401, 403, 404, 409, 429, 5xx).
    public var errorCode: Int
    /// Telegram's description, e.g. `Forbidden: bot was blocked by the user`.
    public var errorDescription: String
    /// Seconds to wait before any retry (429 only).
    public var retryAfter: Int?
    /// The supergroup a group moved to.
    public var migrateToChatID: Int64?

    public init(method: String, errorCode: Int, errorDescription: String, retryAfter: Int? = nil, migrateToChatID: Int64? = nil) {
        self.method = method
        self.errorCode = errorCode
        self.errorDescription = errorDescription
        self.retryAfter = retryAfter
        self.migrateToChatID = migrateToChatID
    }

    public var description: String {
        var text = "\(method) failed: \(errorCode) \(errorDescription)"
        if let retryAfter { text += " (retry after \(retryAfter) s)" }
        if let migrateToChatID { text += " (migrated to chat \(migrateToChatID))" }
        return text
    }

    /// The user blocked the bot or the account is gone: stop sending to that chat.
    public var isRecipientUnreachable: Bool {
        errorCode == 403
    }

    /// The kind of 409 conflict, when this is one.
    public var conflict: PollingConflict? {
        guard errorCode == 409 else { return nil }
        return errorDescription.lowercased().contains("webhook") ? .webhookActive : .otherInstance
    }
}

/// Why getUpdates answered 409 Conflict.
public enum PollingConflict: Sendable, Hashable {
    /// A webhook is set for the bot; getUpdates does not work until it is deleted.
    case webhookActive
    /// Another process polls with the same token.
    case otherInstance
}

/// A request that did not complete at the HTTP level.
public struct TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, in the terms a retry policy needs.
    public enum Kind: Sendable, Hashable {
        /// No connection could be made: nothing was sent, a retry is always safe.
        case connectionFailed
        /// The connection broke while the request or answer was under way: the request may have been processed.
        case connectionDropped
        /// No complete answer within the time limit.
        case timedOut
        /// The caller cancelled the request.
        case cancelled
        /// Any other failure.
        case other
    }

    public var kind: Kind
    /// What libcurl said (never includes the URL, so never the token).
    public var message: String
    /// libcurl's CURLcode, when libcurl reported the failure.
    public var curlCode: Int?

    public init(kind: Kind, message: String, curlCode: Int? = nil) {
        self.kind = kind
        self.message = message
        self.curlCode = curlCode
    }

    public var description: String {
        if let curlCode { return "network error (\(kind), curl \(curlCode)): \(message)" }
        return "network error (\(kind)): \(message)"
    }
}
