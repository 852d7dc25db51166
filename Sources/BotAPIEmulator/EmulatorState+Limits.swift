import TelegramBotAPI

/// Faults, blocked users, webhooks and the flood limits.
extension EmulatorState {
    /// Switches the flood limits on or off.
    public func setLimits(_ limits: EmulatorLimits) {
        self.limits = limits
        recentSends.removeAll()
        chatBuckets.removeAll()
    }

    /// Makes every send to this user answer 403 "bot was blocked by the user".
    public func block(userID: Int64) { blockedUsers.insert(userID) }

    /// Sets (or with nil clears) a webhook; while set, getUpdates answers 409.
    public func setWebhook(_ url: String?) { webhookURL = url }

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

    /// The retry_after to announce when this send would break a limit; nil when it may pass.
    func floodCheck(chatID: Int64?) -> Int? {
        let now = clock.now
        if let perSecond = limits.globalPerSecond {
            recentSends.removeAll { now - $0 >= .seconds(1) }
            if Double(recentSends.count) >= perSecond { return limits.retryAfterSeconds }
        }
        if let chatID, let rate = limits.perChatPerSecond {
            let capacity = Double(max(limits.perChatBurst, 1))
            var bucket = chatBuckets[chatID] ?? (capacity, now)
            let elapsed = Double((now - bucket.updated).components.seconds) + Double((now - bucket.updated).components.attoseconds) / 1e18
            bucket.tokens = min(capacity, bucket.tokens + elapsed * rate)
            bucket.updated = now
            guard bucket.tokens >= 1 else {
                chatBuckets[chatID] = bucket
                return limits.retryAfterSeconds
            }
            bucket.tokens -= 1
            chatBuckets[chatID] = bucket
        }
        if limits.globalPerSecond != nil { recentSends.append(now) }
        return nil
    }
}
