import CoreMetrics

/// The Bot API's metrics, recorded through swift-metrics (exported by whichever backend the process
/// bootstraps, Prometheus in `lapak run`; nothing at all when none is).
enum BotAPIMetrics {
    /// One finished call: `ok`, Telegram's error code (`400`, `403`, `429`, …) or `network`.
    static func recordCall(_ method: String, outcome: String) {
        MetricHandles.shared.counter("lapak_bot_api_calls_total", [("method", method), ("outcome", outcome)]).increment()
    }

    /// A 429 and the seconds of `retry_after` it imposed on its scope.
    static func recordFloodWait(scope: String, retryAfter: Int) {
        MetricHandles.shared.counter("lapak_flood_waits_total", [("scope", scope)]).increment()
        MetricHandles.shared.counter("lapak_flood_wait_seconds_total", [("scope", scope)]).increment(by: retryAfter)
    }

    /// How long the oldest update of a getUpdates answer had waited at Telegram (by its message date).
    static func recordPollLag(seconds: Double) {
        Gauge(label: "lapak_getupdates_lag_seconds").record(seconds)
    }
}
