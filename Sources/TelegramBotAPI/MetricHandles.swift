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
        let key = Self.key(label, dimensions)
        return counters.withLock { cache in
            if let counter = cache[key] { return counter }
            let counter = Counter(label: label, dimensions: dimensions)
            cache[key] = counter
            return counter
        }
    }

    /// The timer `label` with `dimensions`.
    public func timer(_ label: String, _ dimensions: [(String, String)] = []) -> Timer {
        let key = Self.key(label, dimensions)
        return timers.withLock { cache in
            if let timer = cache[key] { return timer }
            let timer = Timer(label: label, dimensions: dimensions)
            cache[key] = timer
            return timer
        }
    }

    /// Forgets every handle, after a metrics backend was bootstrapped.
    public func reset() {
        counters.withLock { $0.removeAll() }
        timers.withLock { $0.removeAll() }
    }

    private static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        var key = label
        for (name, value) in dimensions {
            key += "\u{1F}" + name + "=" + value
        }
        return key
    }
}
