import CoreMetrics
import Synchronization

/// Metric handles made once per name and label values, then reused.
///
/// `Counter(label:dimensions:)` asks the backend every time: swift-prometheus sanitises the name and
/// labels and looks the metric up under its registry's lock, for every update and every Bot API call.
/// Kept here, a handle costs one dictionary lookup. A backend bootstrapped later (tests bootstrap one
/// lazily) must call `reset()`, or handles made against the no-op backend would stay.
public final class MetricHandles: Sendable {
    /// The process's handles.
    public static let shared = MetricHandles()

    private let counters = Mutex<[String: Counter]>([:])
    private let timers = Mutex<[String: Timer]>([:])

    /// The counter `label` with `dimensions`.
    public func counter(_ label: String, _ dimensions: [(String, String)] = []) -> Counter {
        Self.handle(in: counters, label, dimensions) { Counter(label: label, dimensions: dimensions) }
    }

    /// The timer `label` with `dimensions`.
    public func timer(_ label: String, _ dimensions: [(String, String)] = []) -> Timer {
        Self.handle(in: timers, label, dimensions) { Timer(label: label, dimensions: dimensions) }
    }

    /// Forgets every handle, after a metrics backend was bootstrapped.
    public func reset() {
        counters.withLock { $0.removeAll() }
        timers.withLock { $0.removeAll() }
    }

    /// The cached handle of `label` and `dimensions`, made by `make` the first time.
    private static func handle<Handle>(in cache: borrowing Mutex<[String: Handle]>, _ label: String, _ dimensions: [(String, String)],
                                       make: () -> Handle) -> Handle {
        let key = key(label, dimensions)
        return cache.withLock { handles in
            if let handle = handles[key] { return handle }
            let handle = make()
            handles[key] = handle
            return handle
        }
    }

    private static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        var key = label
        for (name, value) in dimensions {
            key += "\u{1F}" + name + "=" + value
        }
        return key
    }
}
