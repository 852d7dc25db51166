import Testing
import TelegramBotAPI

/// The path the HTTP server routes webhook POSTs to, taken from `telegram.webhook_url`.
@Suite("The webhook endpoint's path")
struct WebhookEndpointTests {
    @Test("Only the URL's path is routed: no user info, port, query or fragment leaks into it",
          arguments: [
              ("https://bot.example.id/telegram/webhook", "/telegram/webhook"),
              ("https://bot.example.id:8443/telegram/webhook?x=1#top", "/telegram/webhook"),
              ("https://user:pass@bot.example.id/a/b/c", "/a/b/c"),
              ("https://bot.example.id", "/"),
              ("https://bot.example.id/", "/"),
              ("https://bot.example.id?only=query", "/"),
          ])
    func path(url: String, expected: String) {
        #expect(WebhookEndpoint(url: url).path == expected)
    }

    @Test("Before a receiver is attached, a POST answers 503 so Telegram sends it again")
    func unavailableUntilAttached() async {
        let endpoint = WebhookEndpoint(url: "https://bot.example.id/hook")
        #expect(await endpoint.receive(body: Array("{}".utf8), secretToken: "s") == .unavailable)
    }
}
