import CCurl
import Foundation
import Synchronization

/// `HTTPTransport` over libcurl: a fixed set of worker threads, each owning one easy handle.
///
/// Why threads: `curl_easy_perform` blocks, and blocking the cooperative thread pool would stall every
/// task in the process. Each worker keeps its easy handle (and so its keep-alive connection) for its
/// whole life, so consecutive requests reuse the TCP connection. With several workers a long poll that
/// waits for 50 seconds never holds up the bot's replies.
public final class CurlTransport: HTTPTransport, Sendable {
    /// Settings for the connections.
    public struct Configuration: Sendable {
        /// How many requests may be in flight at once (one is the long poll).
        public var maxConcurrentRequests: Int
        /// The limit for establishing a connection.
        public var connectTimeout: Duration
        /// Sent as the User-Agent header.
        public var userAgent: String

        public init(maxConcurrentRequests: Int = 8, connectTimeout: Duration = .seconds(10), userAgent: String = "Lapak/1.0") {
            self.maxConcurrentRequests = max(1, maxConcurrentRequests)
            self.connectTimeout = connectTimeout
            self.userAgent = userAgent
        }
    }

    private let queue: CurlJobQueue
    private let configuration: Configuration

    /// Starts the worker threads.
    public init(configuration: Configuration = Configuration()) {
        CurlGlobal.initializeOnce()
        self.configuration = configuration
        self.queue = CurlJobQueue()
        for index in 0..<configuration.maxConcurrentRequests {
            let queue = self.queue
            let configuration = self.configuration
            let thread = Thread { CurlWorker(queue: queue, configuration: configuration).run() }
            thread.name = "lapak-curl-\(index)"
            thread.start()
        }
    }

    deinit {
        queue.close()
    }

    /// Stops the workers once the requests in hand are done; later requests fail as cancelled.
    public func shutdown() {
        queue.close()
    }

    public func post(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        let job = CurlJob(request: request)
        let result: Result<HTTPResponse, TransportError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                job.attach(continuation)
                if !queue.enqueue(job) {
                    job.finish(.failure(TransportError(kind: .cancelled, message: "transport is shut down")))
                }
            }
        } onCancel: {
            job.cancel()
            queue.remove(job)
        }
        return try result.get()
    }
}

/// `curl_global_init` must run once per process before any other libcurl call.
enum CurlGlobal {
    private static let initialized: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    }()

    static func initializeOnce() {
        precondition(initialized, "curl_global_init failed")
    }
}

/// One request waiting for, or being served by, a worker.
final class CurlJob: Sendable {
    let request: HTTPRequest
    /// Read by libcurl's progress callback on the worker thread; set by a cancelling task.
    let cancelled = Atomic<Bool>(false)
    private typealias Waiter = CheckedContinuation<Result<HTTPResponse, TransportError>, Never>
    /// Either side may come first: the awaiting task attaching, or a result (e.g. cancellation) arriving.
    private let state = Mutex<(waiter: Waiter?, result: Result<HTTPResponse, TransportError>?, delivered: Bool)>((nil, nil, false))

    init(request: HTTPRequest) { self.request = request }

    func attach(_ waiter: CheckedContinuation<Result<HTTPResponse, TransportError>, Never>) {
        let ready: Result<HTTPResponse, TransportError>? = state.withLock { state in
            if let result = state.result, !state.delivered {
                state.delivered = true
                return result
            }
            state.waiter = waiter
            return nil
        }
        if let ready { waiter.resume(returning: ready) }
    }

    /// Delivers the first result given; later ones are ignored.
    func finish(_ result: Result<HTTPResponse, TransportError>) {
        let waiter: Waiter? = state.withLock { state in
            guard !state.delivered, state.result == nil else { return nil }
            if let waiter = state.waiter {
                state.delivered = true
                state.waiter = nil
                return waiter
            }
            state.result = result
            return nil
        }
        waiter?.resume(returning: result)
    }

    func cancel() { cancelled.store(true, ordering: .relaxed) }
}

/// The FIFO of jobs shared by the workers.
final class CurlJobQueue: @unchecked Sendable {
    // NSCondition rather than a semaphore: workers sleep on it, enqueue signals one of them.
    private let condition = NSCondition()
    private var jobs: [CurlJob] = []
    private var closed = false

    func enqueue(_ job: CurlJob) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// Takes a queued job out before a worker starts it; the job is answered as cancelled.
    func remove(_ job: CurlJob) {
        condition.lock()
        let index = jobs.firstIndex { $0 === job }
        if let index { jobs.remove(at: index) }
        condition.unlock()
        if index != nil {
            job.finish(.failure(TransportError(kind: .cancelled, message: "request cancelled before it was sent")))
        }
    }

    /// Blocks the calling worker thread until a job arrives; nil once the queue is closed and empty.
    func next() -> CurlJob? {
        condition.lock()
        defer { condition.unlock() }
        while jobs.isEmpty && !closed { condition.wait() }
        return jobs.isEmpty ? nil : jobs.removeFirst()
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}

/// The state libcurl's callbacks see during one transfer, passed through `Unmanaged`.
private final class TransferContext {
    var body: [UInt8] = []
    let job: CurlJob
    init(job: CurlJob) { self.job = job }
}

/// One worker thread's loop and its easy handle.
private struct CurlWorker {
    let queue: CurlJobQueue
    let configuration: CurlTransport.Configuration

    func run() {
        guard let handle = curl_easy_init() else {
            while let job = queue.next() {
                job.finish(.failure(TransportError(kind: .other, message: "curl_easy_init failed")))
            }
            return
        }
        defer { curl_easy_cleanup(handle) }
        var headers: UnsafeMutablePointer<curl_slist>? = nil
        headers = curl_slist_append(headers, "Content-Type: application/json")
        headers = curl_slist_append(headers, "Expect:")  // no 100-continue round trip for small JSON bodies
        defer { curl_slist_free_all(headers) }

        while let job = queue.next() {
            if job.cancelled.load(ordering: .relaxed) {
                job.finish(.failure(TransportError(kind: .cancelled, message: "request cancelled before it was sent")))
                continue
            }
            guard !job.request.headers.isEmpty else {
                job.finish(perform(job, handle: handle, headers: headers))
                continue
            }
            // A request with its own header fields gets a list of its own; the shared one stays as it is.
            var own: UnsafeMutablePointer<curl_slist>? = nil
            own = curl_slist_append(own, "Content-Type: application/json")
            own = curl_slist_append(own, "Expect:")
            for field in job.request.headers {
                // A CR or LF would smuggle another header field; such a field is not sent.
                guard !(field.name + field.value).contains(where: { $0 == "\r" || $0 == "\n" }) else { continue }
                own = curl_slist_append(own, "\(field.name): \(field.value)")
            }
            job.finish(perform(job, handle: handle, headers: own))
            curl_slist_free_all(own)
        }
    }

    private func perform(_ job: CurlJob, handle: UnsafeMutableRawPointer, headers: UnsafeMutablePointer<curl_slist>?) -> Result<HTTPResponse, TransportError> {
        let context = TransferContext(job: job)
        let contextPointer = Unmanaged.passUnretained(context).toOpaque()
        let request = job.request
        // Reset per-request options but keep the connection cache of this handle.
        curl_easy_reset(handle)
        return request.url.withCString { url in
            request.body.withUnsafeBytes { body in
                configuration.userAgent.withCString { userAgent in
                    lapak_curl_setopt_string(handle, CURLOPT_URL, url)
                    lapak_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
                    lapak_curl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
                    lapak_curl_setopt_long(handle, CURLOPT_TCP_KEEPIDLE, 30)
                    lapak_curl_setopt_long(handle, CURLOPT_TCP_KEEPINTVL, 15)
                    lapak_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, configuration.connectTimeout.milliseconds)
                    lapak_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, request.timeout.milliseconds)
                    lapak_curl_setopt_long(handle, CURLOPT_POST, 1)
                    lapak_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: body.baseAddress ?? UnsafeRawPointer(url)))
                    lapak_curl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
                    lapak_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers)
                    lapak_curl_setopt_string(handle, CURLOPT_USERAGENT, userAgent)
                    lapak_curl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, "")
                    lapak_curl_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
                        let transfer = Unmanaged<TransferContext>.fromOpaque(context!).takeUnretainedValue()
                        let length = size * count
                        transfer.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
                        return length
                    }
                    lapak_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, contextPointer)
                    // The progress callback is how a cancelled task aborts a blocking transfer.
                    lapak_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
                    lapak_curl_setopt_progress_callback(handle) { context, _, _, _, _ in
                        let transfer = Unmanaged<TransferContext>.fromOpaque(context!).takeUnretainedValue()
                        return transfer.job.cancelled.load(ordering: .relaxed) ? 1 : 0
                    }
                    lapak_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, contextPointer)

                    let code = curl_easy_perform(handle)
                    guard code == CURLE_OK else { return .failure(Self.transportError(code)) }
                    var status: Int = 0
                    lapak_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
                    return .success(HTTPResponse(status: status, body: context.body))
                }
            }
        }
    }

    private static func transportError(_ code: CURLcode) -> TransportError {
        let message = String(cString: curl_easy_strerror(code))
        let kind: TransportError.Kind
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            kind = .connectionFailed
        case CURLE_OPERATION_TIMEDOUT:
            kind = .timedOut
        case CURLE_ABORTED_BY_CALLBACK:
            kind = .cancelled
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            kind = .connectionDropped
        default:
            kind = .other
        }
        return TransportError(kind: kind, message: message, curlCode: Int(code.rawValue))
    }
}

extension Duration {
    /// Whole milliseconds, rounded up so a positive duration never becomes zero ("no limit" to libcurl).
    public var milliseconds: Int {
        let (seconds, attoseconds) = components
        let total = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        return Swift.max(1, Int(total.rounded(.up)))
    }
}
