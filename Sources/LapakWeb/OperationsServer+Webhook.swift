import HTTPTypes
import Hummingbird
import NIOCore
import TelegramBotAPI

extension OperationsServer {
    /// The largest webhook body taken: Telegram's updates are a few kilobytes; anything far larger is not one.
    static let maxWebhookBody = 1 << 20

    /// `POST <path of telegram.webhook_url>`: Telegram's updates in webhook mode. The answer comes only
    /// after the update is committed to the inbox; 401 for a wrong secret, 503 while the bot is not ready.
    static func addWebhookRoute(_ endpoint: WebhookEndpoint, to router: Router<BasicRequestContext>) {
        router.post(RouterPath(endpoint.path)) { request, _ -> Response in
            let secret = request.headers[HTTPField.Name("X-Telegram-Bot-Api-Secret-Token")!]
            var body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: maxWebhookBody)
            } catch {
                return plain(.contentTooLarge, "an update is at most \(maxWebhookBody) bytes\n")
            }
            let answer = await endpoint.receive(body: body.readBytes(length: body.readableBytes) ?? [], secretToken: secret)
            switch answer {
            case .accepted: return plain(.ok, "ok\n")
            case .unauthorized: return plain(.unauthorized, "wrong or missing X-Telegram-Bot-Api-Secret-Token\n")
            case .malformed(let reason): return plain(.badRequest, "not a Telegram update: \(reason)\n")
            case .unavailable: return plain(.serviceUnavailable, "not ready; Telegram will retry\n")
            }
        }
    }

    private static func plain(_ status: HTTPTypes.HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
