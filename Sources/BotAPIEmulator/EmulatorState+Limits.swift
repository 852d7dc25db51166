import TelegramBotAPI

/// Faults, blocked users, webhooks and the flood limits (the model is described on `EmulatorLimits`).
extension EmulatorState {
    /// Switches the flood limits on or off.
    public func setLimits(_ limits: EmulatorLimits) {
        self.limits = limits
        recentSends.removeAll()
        chatBuckets.removeAll()
        groupSends.removeAll()
    }

    /// Makes every send to this user answer 403 "bot was blocked by the user".
    public func block(userID: Int64) { blockedUsers.insert(userID) }


    /// The next `count` requests to `method` (any method when nil) get `fault`.
    public func injectFault(_ fault: EmulatorFault, method: String? = nil, count: Int = 1) {
        faults.append((fault, method, max(count, 1)))
    }

    func takeFault(for method: String) -> EmulatorFault? {
        guard let index = faults.firstIndex(where: { $0.method == nil || $0.method == method }) else { return nil }
        let fault = faults[index].fault
        faults[index].remaining -= 1
        if faults[index].remaining == 0 { faults.remove(at: index) }
        return fault
    }

    /// Whether a message by `method` to `chatID` is a bulk notification: a new message to a chat that has
    /// not sent the bot an update within the reply window. Edits never are (they notify nobody).
    func isBulk(method: String, chatID: Int64?) -> Bool {
        guard let chatID, method.hasPrefix("send"), sendingMethods.contains(method) else { return false }
        guard let last = lastInbound[chatID] else { return true }
        return clock.now - last > .seconds(limits.replyWindowSeconds)
    }

    /// Remembers that the user (and chat) of an incoming update just wrote to the bot.
    func noteInbound(_ payload: JSONValue) {
        let now = clock.now
        let ids = [payload["from"]?["id"], payload["chat"]?["id"], payload["message"]?["chat"]?["id"]].compactMap { $0?.int64Value }
        for id in ids { lastInbound[id] = now }
    }

    /// The scopes a request belongs to: its chat (or, without one, its method), and bulk when it is bulk.
    func floodScopes(method: String, chatID: Int64?, bulk: Bool) -> [FloodScope] {
        var scopes: [FloodScope] = [chatID.map { .chat($0) } ?? .method(method)]
        if bulk { scopes.append(.bulk) }
        return scopes
    }

    /// The penalty running for any of `scopes`: the latest deadline, and whether the request breaks it
    /// (it came later than `inFlightGrace` after an announcement it could have seen).
    func activePenalty(_ scopes: [FloodScope]) -> (until: Duration, violated: Bool)? {
        let now = clock.now
        let active = scopes.compactMap { penalties[$0] }.filter { $0.until > now }
        guard let latest = active.map(\.until).max() else { return nil }
        return (latest, active.contains { now - $0.announcedAt > Self.inFlightGrace })
    }

    /// Puts `scopes` under penalty until `deadline` (later only: a penalty is never shortened).
    func announceFlood(_ scopes: [FloodScope], until deadline: Duration) {
        for scope in scopes where deadline > (penalties[scope]?.until ?? .zero) {
            penalties[scope] = (deadline, clock.now)
        }
    }

    /// The retry_after to announce and the scope it holds when this message would break a limit; nil when
    /// it may pass (it is then counted against every limit).
    func floodCheck(chatID: Int64?, bulk: Bool) -> (retryAfter: Int, scope: FloodScope)? {
        let now = Self.arrival ?? clock.now
        recentSends.removeAll { now - $0 >= .seconds(1) }
        var bucket: (tokens: Double, updated: Duration)?
        if let chatID, let rate = limits.perChatPerSecond {
            let capacity = Double(max(limits.perChatBurst, 1))
            var current = chatBuckets[chatID] ?? (capacity, now)
            let elapsed = Double((now - current.updated).components.seconds) + Double((now - current.updated).components.attoseconds) / 1e18
            current.tokens = min(capacity, current.tokens + elapsed * rate)
            current.updated = now
            chatBuckets[chatID] = current
            guard current.tokens >= 1 else { return (limits.retryAfterSeconds, .chat(chatID)) }
            bucket = current
        }
        if let chatID, chatID < 0, let perMinute = limits.perGroupPerMinute {
            var sends = groupSends[chatID] ?? []
            sends.removeAll { now - $0 >= .seconds(60) }
            groupSends[chatID] = sends
            if sends.count >= max(perMinute, 1), let oldest = sends.first {
                let wait = Int(((oldest + .seconds(60) - now) / .seconds(1)).rounded(.up))
                return (max(wait, limits.retryAfterSeconds), .chat(chatID))
            }
        }
        if bulk, let perSecond = limits.globalPerSecond, Double(recentSends.count) >= perSecond {
            return (limits.retryAfterSeconds, .bulk)
        }
        if let chatID, var bucket {
            bucket.tokens -= 1
            chatBuckets[chatID] = bucket
        }
        if let chatID, chatID < 0, limits.perGroupPerMinute != nil { groupSends[chatID, default: []].append(now) }
        recentSends.append(now)
        return nil
    }
}
