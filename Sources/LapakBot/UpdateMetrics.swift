import CoreMetrics
import TelegramBotAPI

/// The update pipeline's metrics, through swift-metrics (Prometheus in `lapak run`, nothing when no backend
/// is bootstrapped).
///
/// Labels are bounded sets: the update's kind and the route that answered it (a command, an intent, a
/// button prefix, a dialog), never a chat or a user.
enum UpdateMetrics {
    /// `message`, `edited_message`, `callback_query` or `other`.
    static func kind(of update: Update) -> String {
        switch update.content {
        case .message: return "message"
        case .editedMessage: return "edited_message"
        case .callbackQuery: return "callback_query"
        case .unhandled: return "other"
        }
    }

    /// An update taken from the inbox for handling.
    static func received(kind: String) {
        MetricHandles.shared.counter("lapak_updates_received_total", [("kind", kind)]).increment()
    }

    /// An update handled (committed with its replies), by route, and how long the handler took.
    static func handled(kind: String, route: String, duration: Duration) {
        MetricHandles.shared.counter("lapak_updates_handled_total", [("kind", kind), ("intent", route)]).increment()
        MetricHandles.shared.timer("lapak_handler_duration_seconds").recordNanoseconds(duration.nanoseconds)
    }

    /// An update's replies delivered: the time from taking the update to its last reply's answer.
    static func replied(after duration: Duration) {
        MetricHandles.shared.timer("lapak_update_reply_duration_seconds").recordNanoseconds(duration.nanoseconds)
    }
}

extension Duration {
    /// The duration in whole nanoseconds, for swift-metrics timers.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
