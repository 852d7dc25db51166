import Foundation
import TelegramBotAPI

/// A webhook as setWebhook set it.
struct WebhookSettings: Sendable {
    /// The public URL the bot registered.
    var url: String
    /// Sent as `X-Telegram-Bot-Api-Secret-Token` with every delivery.
    var secretToken: String?
    /// Deliveries in flight at once, 1...100 (Telegram's default is 40).
    var maxConnections: Int
    /// The update kinds to deliver; nil: all but Telegram's default exclusions.
    var allowedUpdates: [String]?
}

/// One delivery the emulator is about to make: which update, where, with what.
struct WebhookJob: Sendable {
    var updateID: Int64
    var chatID: Int64?
    var url: String
    var body: [UInt8]
    var secretToken: String?
}

/// What the deliverer has in flight, what waits for a retry, and what went wrong last.
struct WebhookDeliveryState: Sendable {
    /// Updates being posted now.
    var inFlight: Set<Int64> = []
    /// Chats with an update in flight: Telegram delivers one chat's updates one after another, so a
    /// chat's next update waits for the answer to its previous one.
    var busyChats: Set<Int64> = []
    /// Failed deliveries: how many attempts so far and when the next may start (real time).
    var retries: [Int64: (attempts: Int, notBefore: ContinuousClock.Instant)] = [:]
    /// Where the next delivery goes among the backends (round robin).
    var nextBackend = 0
    /// URLs standing in for a load balancer in front of the registered URL; empty: post to that URL.
    var backends: [String] = []
    var lastError: (date: Int64, message: String)?
    /// Wakes the deliverer when there may be new work.
    var waiter: CheckedContinuation<Void, Never>?
    /// A wake that came while the deliverer was not waiting (between its look for jobs and its wait): the
    /// next wait returns at once, so no wake is lost.
    var wakePending = false
    /// Every delivery attempt, in order: what a test checks.
    var log: [WebhookDeliveryRecord] = []
}

/// One webhook delivery attempt as the emulator made it.
public struct WebhookDeliveryRecord: Sendable, Hashable {
    /// The update posted.
    public var updateID: Int64
    /// Where it was posted.
    public var url: String
    /// The chat the update belongs to.
    public var chatID: Int64?
    /// The HTTP status answered, or nil when the request failed (refused, timed out).
    public var status: Int?
}

extension EmulatorState {
    /// How many attempts an update gets before it is dropped, as Telegram "gives up after a reasonable
    /// number of attempts".
    static let webhookMaxAttempts = 8

    /// Makes deliveries of the registered webhook go round robin to `urls` instead, as a load balancer in
    /// front of several workers would (tests); an empty list posts to the registered URL itself.
    public func setWebhookBackends(_ urls: [String]) {
        webhookDelivery.backends = urls
        wakeWebhookDelivery()
    }

    /// Sets a webhook as the control API does (nil clears it); while set, getUpdates answers 409.
    public func setWebhook(_ url: String?, secretToken: String? = nil, maxConnections: Int = 40) {
        webhook = url.map { WebhookSettings(url: $0, secretToken: secretToken, maxConnections: maxConnections, allowedUpdates: nil) }
        webhookDelivery.retries.removeAll()
        webhookDelivery.lastError = nil
        wakeWebhookDelivery()
    }

    /// Every webhook delivery attempt so far, in order.
    public var webhookDeliveries: [WebhookDeliveryRecord] { webhookDelivery.log }

    /// setWebhook with Telegram's checks: an empty url removes the webhook; the secret is 1–256 of
    /// A–Z a–z 0–9 _ -; max_connections is 1–100. Plain http is accepted (loopback tests), unlike Telegram.
    func setWebhookMethod(_ parameters: JSONValue) -> EmulatorAnswer {
        let url = parameters["url"]?.stringValue ?? ""
        if url.isEmpty {
            setWebhook(String?.none)
            return .ok(true)
        }
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
            return .error(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        }
        let secret = parameters["secret_token"]?.stringValue
        if let secret {
            let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
            guard (1...256).contains(secret.count), secret.allSatisfy(allowed.contains) else {
                return .error(400, "Bad Request: secret token contains unallowed characters")
            }
        }
        let maxConnections = Int(parameters["max_connections"]?.int64Value ?? 40)
        guard (1...100).contains(maxConnections) else {
            return .error(400, "Bad Request: bad webhook: max_connections must be between 1 and 100")
        }
        if parameters["drop_pending_updates"]?.boolValue == true { pending.removeAll() }
        let allowed = parameters["allowed_updates"]?.arrayValue?.compactMap(\.stringValue)
        // As with getUpdates, an omitted allowed_updates keeps the last setting.
        if let allowed { allowedUpdates = allowed }
        webhook = WebhookSettings(url: url, secretToken: secret, maxConnections: maxConnections, allowedUpdates: allowed ?? allowedUpdates)
        webhookDelivery.retries.removeAll()
        wakeWebhookDelivery()
        return .ok(true)
    }

    /// getWebhookInfo: the URL (empty without a webhook), the pending count and the last error.
    func webhookInfo() -> JSONValue {
        var info: [String: JSONValue] = [
            "url": .string(webhook?.url ?? ""), "has_custom_certificate": false, "pending_update_count": .int(Int64(pending.count)),
        ]
        if let webhook {
            info["max_connections"] = .int(Int64(webhook.maxConnections))
            if let allowed = webhook.allowedUpdates { info["allowed_updates"] = .array(allowed.map { .string($0) }) }
        }
        if let error = webhookDelivery.lastError {
            info["last_error_date"] = .int(error.date)
            info["last_error_message"] = .string(error.message)
        }
        return .object(info)
    }

    /// Deliveries that may start now: the oldest pending updates not in flight, at most one per chat and
    /// `max_connections` in all, skipping those waiting for a retry. Empty without a webhook.
    func takeWebhookJobs(now: ContinuousClock.Instant) -> [WebhookJob] {
        webhookDelivery.wakePending = false
        guard let webhook, !stopping else { return [] }
        let allowed = webhook.allowedUpdates.flatMap { $0.isEmpty ? nil : Set($0) }
        let defaultExcluded: Set<String> = ["chat_member", "message_reaction", "message_reaction_count"]
        var jobs: [WebhookJob] = []
        // A chat whose earlier update is waiting (in flight or for a retry) holds its later ones back.
        var heldChats = webhookDelivery.busyChats
        for entry in pending where webhookDelivery.inFlight.count + jobs.count < webhook.maxConnections {
            let wanted = allowed.map { $0.contains(entry.kind) } ?? !defaultExcluded.contains(entry.kind)
            guard wanted, !webhookDelivery.inFlight.contains(entry.id) else { continue }
            let chat = Self.chatKey(of: entry.json)
            if let chat, heldChats.contains(chat) { continue }
            if let retry = webhookDelivery.retries[entry.id], retry.notBefore > now {
                if let chat { heldChats.insert(chat) }
                continue
            }
            if let chat { heldChats.insert(chat) }
            let backends = webhookDelivery.backends
            let url = backends.isEmpty ? webhook.url : backends[webhookDelivery.nextBackend % backends.count]
            webhookDelivery.nextBackend &+= 1
            jobs.append(WebhookJob(updateID: entry.id, chatID: chat, url: url, body: entry.json.serialized(), secretToken: webhook.secretToken))
        }
        for job in jobs {
            webhookDelivery.inFlight.insert(job.updateID)
            if let chat = job.chatID { webhookDelivery.busyChats.insert(chat) }
        }
        return jobs
    }

    /// Records a delivery's answer: a 2xx confirms the update (it leaves `pending`); anything else is
    /// retried with a growing pause, and dropped after `webhookMaxAttempts`.
    func finishWebhookJob(_ job: WebhookJob, status: Int?, error: String?, now: ContinuousClock.Instant) {
        webhookDelivery.log.append(WebhookDeliveryRecord(updateID: job.updateID, url: job.url, chatID: job.chatID, status: status))
        webhookDelivery.inFlight.remove(job.updateID)
        if let chat = job.chatID { webhookDelivery.busyChats.remove(chat) }
        if let index = pending.firstIndex(where: { $0.id == job.updateID }) {
            if let status, (200..<300).contains(status) {
                pending.remove(at: index)
                webhookDelivery.retries[job.updateID] = nil
            } else {
                let attempts = (webhookDelivery.retries[job.updateID]?.attempts ?? 0) + 1
                webhookDelivery.lastError = (Self.now(), error ?? "Wrong response from the webhook: \(status ?? 0)")
                if attempts >= Self.webhookMaxAttempts {
                    pending.remove(at: index)
                    webhookDelivery.retries[job.updateID] = nil
                } else {
                    // 100 ms, 200 ms, 400 ms … capped at 3 s: Telegram's pauses are longer, tests are not.
                    let pause = Duration.milliseconds(min(100 << (attempts - 1), 3000))
                    webhookDelivery.retries[job.updateID] = (attempts, now + pause)
                }
            }
        }
        wakeWebhookDelivery()
    }

    /// The earliest moment a delivery waiting for a retry may start, if any.
    var nextWebhookRetry: ContinuousClock.Instant? { webhookDelivery.retries.values.map(\.notBefore).min() }

    /// Suspends the deliverer until there may be work (new updates, an answer, a new webhook, a stop).
    func waitForWebhookWork() async {
        guard !stopping, !webhookDelivery.wakePending else { return }
        await withCheckedContinuation { continuation in
            if let earlier = webhookDelivery.waiter { earlier.resume() }
            webhookDelivery.waiter = continuation
        }
    }

    /// Wakes the deliverer, if it waits.
    func wakeWebhookDelivery() {
        guard let waiter = webhookDelivery.waiter else {
            webhookDelivery.wakePending = true
            return
        }
        webhookDelivery.waiter = nil
        waiter.resume()
    }

    /// The chat an update belongs to, for per-chat order: a message's chat, or a button press's chat.
    static func chatKey(of update: JSONValue) -> Int64? {
        for kind in ["message", "edited_message", "callback_query"] {
            guard let payload = update[kind] else { continue }
            return payload["chat"]?["id"]?.int64Value ?? payload["message"]?["chat"]?["id"]?.int64Value ?? payload["from"]?["id"]?.int64Value
        }
        return nil
    }
}
