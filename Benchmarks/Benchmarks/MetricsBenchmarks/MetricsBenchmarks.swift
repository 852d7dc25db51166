import Benchmark
import Metrics
import Prometheus
import TelegramBotAPI

/// What recording metrics costs per update, with the Prometheus backend `lapak run` bootstraps.
///
/// Its own executable, because swift-metrics is bootstrapped once per process and the other benchmarks
/// must keep measuring without a backend. The calls are those one citizen's update makes in the bot
/// (LapakUpdateHandler, BotAPIClient): the update received and handled, two durations, and two Bot API
/// calls (its reply, and its share of getUpdates).
let benchmarks: @Sendable () -> Void = {
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    MetricHandles.shared.reset()

    // The bot's path: handles kept in MetricHandles, one dictionary lookup each.
    Benchmark("Metrics of one update (6 recordings, cached handles)",
              configuration: .init(metrics: [.wallClock, .cpuTotal, .mallocCountTotal], maxDuration: .seconds(3))) { benchmark in
        let handles = MetricHandles.shared
        for _ in benchmark.scaledIterations {
            handles.counter("lapak_updates_received_total", [("kind", "message")]).increment()
            handles.counter("lapak_updates_handled_total", [("kind", "message"), ("intent", "find")]).increment()
            handles.timer("lapak_handler_duration_seconds").recordNanoseconds(180_000)
            handles.counter("lapak_bot_api_calls_total", [("method", "sendMessage"), ("outcome", "ok")]).increment()
            handles.counter("lapak_bot_api_calls_total", [("method", "getUpdates"), ("outcome", "ok")]).increment()
            handles.timer("lapak_update_reply_duration_seconds").recordNanoseconds(2_500_000)
        }
    }

    // The same through swift-metrics' constructors, which ask the backend every time (before the cache).
    Benchmark("Metrics of one update (6 recordings, Prometheus backend)",
              configuration: .init(metrics: [.wallClock, .cpuTotal, .mallocCountTotal], maxDuration: .seconds(3))) { benchmark in
        for _ in benchmark.scaledIterations {
            Counter(label: "lapak_updates_received_total", dimensions: [("kind", "message")]).increment()
            Counter(label: "lapak_updates_handled_total", dimensions: [("kind", "message"), ("intent", "find")]).increment()
            Timer(label: "lapak_handler_duration_seconds").recordNanoseconds(180_000)
            Counter(label: "lapak_bot_api_calls_total", dimensions: [("method", "sendMessage"), ("outcome", "ok")]).increment()
            Counter(label: "lapak_bot_api_calls_total", dimensions: [("method", "getUpdates"), ("outcome", "ok")]).increment()
            Timer(label: "lapak_update_reply_duration_seconds").recordNanoseconds(2_500_000)
        }
    }
}
