import Foundation
import TelegramBotAPI

/// Delivers updates to the webhook by HTTP POST, as Telegram does once setWebhook is called.
///
/// Up to `max_connections` deliveries at once, one at a time per chat and in update_id order within a
/// chat; a non-2xx answer or a failed request is retried with a growing pause. The secret token goes in
/// `X-Telegram-Bot-Api-Secret-Token`. Posts go over real HTTP (libcurl), so a bot under test receives
/// them exactly as it would from Telegram.
struct WebhookDeliverer: Sendable {
    let state: EmulatorState
    let transport: any HTTPTransport

    /// Delivers until the emulator stops.
    func run() async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                if await state.stopping { break }
                let jobs = await state.takeWebhookJobs(now: .now)
                for job in jobs {
                    group.addTask { await deliver(job) }
                }
                guard jobs.isEmpty else { continue }
                // Nothing to start now: sleep until woken, or until the earliest retry is due.
                let retryAt = await state.nextWebhookRetry
                let timer = retryAt.map { instant in
                    Task {
                        try? await Task.sleep(until: instant, clock: .continuous)
                        guard !Task.isCancelled else { return }
                        await state.wakeWebhookDelivery()
                    }
                }
                await state.waitForWebhookWork()
                timer?.cancel()
            }
        }
    }

    private func deliver(_ job: WebhookJob) async {
        var headers: [(name: String, value: String)] = []
        if let secret = job.secretToken { headers.append(("X-Telegram-Bot-Api-Secret-Token", secret)) }
        let request = HTTPRequest(url: job.url, body: job.body, timeout: .seconds(30), headers: headers)
        do {
            let response = try await transport.post(request)
            await state.finishWebhookJob(job, status: response.status, error: nil, now: .now)
        } catch {
            await state.finishWebhookJob(job, status: nil, error: "Connection failed: \(error.message)", now: .now)
        }
    }
}
