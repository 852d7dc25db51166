/// An HTTP POST and its answer: the only thing the Bot API client needs from the network.
public protocol HTTPTransport: Sendable {
    /// Sends `body` to `url` and returns the answer, whatever its status.
    ///
    /// Cancelling the calling task aborts the transfer and throws a `.cancelled` transport error.
    func post(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse
}

/// One POST request.
public struct HTTPRequest: Sendable {
    public var url: String
    public var body: [UInt8]
    public var contentType: String
    /// The whole transfer's limit, connection included.
    public var timeout: Duration
    /// Further header fields as (name, value), e.g. the webhook's `X-Telegram-Bot-Api-Secret-Token`.
    public var headers: [(name: String, value: String)]

    public init(url: String, body: [UInt8], contentType: String = "application/json", timeout: Duration,
                headers: [(name: String, value: String)] = []) {
        self.url = url
        self.body = body
        self.contentType = contentType
        self.timeout = timeout
        self.headers = headers
    }
}

/// An HTTP answer.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}
