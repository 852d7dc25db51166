import Metrics
import Prometheus
import TelegramBotAPI

/// The process's metrics backend: Prometheus, exported by the HTTP server's `/metrics`.
public enum LapakMetrics {
    /// Bootstraps swift-metrics with `registry` (once per process) and drops handles made before it.
    public static func bootstrap(_ registry: PrometheusCollectorRegistry) {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        MetricHandles.shared.reset()
    }
}
