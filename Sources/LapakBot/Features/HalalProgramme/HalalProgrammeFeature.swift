import Foundation
import LapakLanguage
import LapakRegistry
import Logging
import TelegramBotAPI

/// The free halal certificate programme: a food business's owner applies from /usahaku, staff review the
/// applications with /halal in order of arrival and move them on; every change reaches the applicant.
struct HalalProgrammeFeature: BotFeature, BotFeatureServices {
    let bot: Bot

    func register(in router: inout BotRouter) {
        // hp:ID: "Ajukan sertifikat halal gratis" under a /usahaku card (the owner or staff).
        router.button("hp", access: .owner) { context, press in
            guard let business = press.business else { throw StaleButton() }
            try apply(business, context)
        }
        // ha:OPERATION:APPLICATION: staff accept (a), schedule the audit (s), issue (i) or reject (r); ha:n:OFFSET pages the queue.
        router.button("ha", access: .staff, arguments: 2...2) { context, press in
            try decide(press.arguments[0], applicationID: try press.id(1), context)
        }
        router.dialog(.issuingHalal, DialogRoute(
            holdsAnswers: true,
            text: { context, state, text in
                guard case .issuingHalal(let id) = state else { return false }
                try issue(applicationID: id, text: text, context)
                return true
            },
            askAgain: { context, _ in try send(texts.text("halal_ask_certificate", context.language), to: context) }))
    }

    /// Whether a /usahaku card offers "apply": a food business not certified yet.
    func offersApplication(_ business: Business) -> Bool {
        !business.halal && settings.halal.foodKinds.contains(business.category) && business.status == .active
    }

    /// `hp:ID`: checks the criteria and either names the missing ones or files the application.
    func apply(_ business: Business, _ context: BotContext) throws {
        let language = context.language
        try context.answer()
        let criteria = settings.halal
        switch try context.registry.applyForHalal(business, applicant: context.user.id, criteria: criteria, now: context.now) {
        case .ineligible(let missing):
            let lines = missing.map { "• " + texts.text(Self.shortfallKey($0), language, ["months": String(criteria.minMonthsRegistered)]) }
            try send(texts.text("halal_ineligible", language, ["name": HTML.escape(business.name)]) + "\n" + lines.joined(separator: "\n"), to: context)
        case .alreadyOpen(let application):
            try send(texts.text("halal_already_applied", language, ["name": HTML.escape(business.name), "id": String(application.id),
                                                                    "status": texts.text(Self.statusKey(application.status), language)]), to: context)
        case .submitted(let application):
            logger.info("Halal application submitted", metadata: ["application": "\(application.id)", "business": "\(business.registryID)"])
            try send(texts.text("halal_applied", language, ["name": HTML.escape(business.name), "id": String(application.id)]), to: context)
            for staffID in settings.staffIDs.sorted() {
                let staffLanguage = try context.replyLanguage(of: staffID)
                try context.send(texts.text("staff_halal_application", staffLanguage, [
                    "id": String(application.id), "name": HTML.escape(business.name), "registry_id": HTML.escape(business.registryID),
                    "category": HTML.escape(label(of: business.category, staffLanguage)), "kelurahan": HTML.escape(business.kelurahan),
                ]), toChat: staffID)
            }
        }
    }

    /// Applications shown per /halal page.
    static let queuePage = 10

    /// /halal without a number: the applications in progress, oldest first, each with its next steps; a
    /// "next" button under the last when more wait (`ha:n:OFFSET`).
    func showQueue(_ context: BotContext, offset: Int = 0) throws {
        let language = context.language
        let year = context.registry.localYear(of: context.now)
        let used = try context.registry.halalQuotaUsed(year: year)
        let (applications, total) = try context.registry.halalQueue(limit: Self.queuePage, offset: offset)
        let quota = ["year": String(year), "used": String(used), "quota": String(settings.halal.quota)]
        guard !applications.isEmpty else {
            return try send(texts.text("halal_queue_empty", language, quota) + "\n\n" + texts.text("halal_usage", language), to: context)
        }
        let shown = "\(offset + 1)–\(offset + applications.count)"
        try send(texts.text("halal_queue_header", language, quota.merging(["shown": shown, "total": String(total)]) { _, new in new }),
                 to: context)
        for (index, application) in applications.enumerated() {
            guard let business = try context.registry.business(id: application.businessID) else { continue }
            var markup = keyboard(for: application, language)
            if index == applications.count - 1, offset + applications.count < total {
                let next = [InlineKeyboardButton(text: texts.text("next_button", language), callbackData: "ha:n:\(offset + applications.count)")]
                markup = InlineKeyboardMarkup(rows: (markup?.rows ?? []) + [next])
            }
            try send(entry(application, business, language), to: context, keyboard: markup.map(ReplyMarkup.inlineKeyboard))
        }
    }

    /// One application as staff see it.
    func entry(_ application: HalalApplication, _ business: Business, _ language: Language) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = settings.timeZone
        let day = calendar.dateComponents([.year, .month, .day], from: application.submittedAt)
        return texts.text("halal_queue_entry", language, [
            "id": String(application.id), "name": HTML.escape(business.name), "registry_id": HTML.escape(business.registryID),
            "category": HTML.escape(label(of: business.category, language)), "kelurahan": HTML.escape(business.kelurahan),
            "status": texts.text(Self.statusKey(application.status), language), "date": TypedDate.display(TypedDate.iso(day)),
        ])
    }

    /// The buttons of an application's next steps; none once it is issued or rejected.
    func keyboard(for application: HalalApplication, _ language: Language) -> InlineKeyboardMarkup? {
        func button(_ key: String, _ operation: String) -> InlineKeyboardButton {
            InlineKeyboardButton(text: texts.text(key, language), callbackData: "ha:\(operation):\(application.id)")
        }
        let reject = button("halal_reject_button", "r")
        switch application.status {
        case .submitted: return InlineKeyboardMarkup(rows: [[button("halal_accept_button", "a"), reject]])
        case .accepted: return InlineKeyboardMarkup(rows: [[button("halal_audit_button", "s"), reject]])
        case .auditScheduled: return InlineKeyboardMarkup(rows: [[button("halal_issue_button", "i"), reject]])
        case .issued, .rejected: return nil
        }
    }

    /// `ha:OPERATION:ID`: one step of an application; the first staff press counts, a late one is told so.
    func decide(_ operation: String, applicationID id: Int64, _ context: BotContext) throws {
        let language = context.language
        if operation == "n" {
            // The next page of the queue: the argument is an offset, not an application.
            guard id >= 0 else { throw StaleButton() }
            try context.answer()
            return try showQueue(context, offset: Int(id))
        }
        guard let application = try context.registry.halalApplication(id: id) else { throw StaleButton() }
        let decision: HalalDecision
        switch operation {
        case "a": decision = try context.registry.acceptHalal(id, quota: settings.halal.quota, now: context.now)
        case "s": decision = try context.registry.moveHalal(id, from: .accepted, to: .auditScheduled, now: context.now)
        case "r":
            guard HalalStatus.open.contains(application.status) else { decision = .stale; break }
            decision = try context.registry.moveHalal(id, from: application.status, to: .rejected, now: context.now)
        case "i":
            guard application.status == .auditScheduled else { decision = .stale; break }
            try context.answer()
            try context.setDialogState(.issuingHalal(applicationID: id))
            return try send(texts.text("halal_ask_certificate", language), to: context,
                            keyboard: .replyKeyboard(ReplyKeyboardMarkup(keyboard: [[KeyboardButton(text: texts.text("cancel_button", language))]],
                                                                         resizeKeyboard: true)))
        default: throw StaleButton()
        }
        try finish(decision, context)
    }

    /// Tells staff and the applicant what a decision did.
    func finish(_ decision: HalalDecision, _ context: BotContext) throws {
        let language = context.language
        switch decision {
        case .stale:
            try context.answer(texts.text("halal_already_decided", language), alert: true)
            try context.editPressedKeyboard(nil)
        case .quotaFull(let used, let quota):
            let text = texts.text("halal_quota_full", language, ["used": String(used), "quota": String(quota),
                                                                 "year": String(context.registry.localYear(of: context.now))])
            try context.answer(HTML.plain(text), alert: true)
            try send(text, to: context)
        case .changed(let application):
            guard let business = try context.registry.business(id: application.businessID) else { throw StaleButton() }
            logger.info("Halal application moved on", metadata: ["application": "\(application.id)", "status": "\(application.status.rawValue)",
                                                                 "staff_id": "\(context.user.id)"])
            try context.answer()
            if context.callbackQuery != nil {
                try context.editPressedMessage(entry(application, business, language), keyboard: keyboard(for: application, language))
            }
            try send(texts.text("halal_status_changed_staff", language, ["id": String(application.id), "name": HTML.escape(business.name),
                                                                         "status": texts.text(Self.statusKey(application.status), language)]),
                     to: context, keyboard: application.status == .issued ? mainKeyboard(language) : nil)
            let applicantLanguage = try context.replyLanguage(of: application.applicantID)
            try context.send(texts.text(Self.noteKey(application.status), applicantLanguage, [
                "name": HTML.escape(business.name), "id": String(application.id), "number": HTML.escape(application.certificateNumber ?? ""),
                "date": TypedDate.display(application.expiresOn ?? ""),
            ]), toChat: application.applicantID)
        }
    }

    /// The certificate's number and last valid day, typed by staff after "Terbitkan".
    func issue(applicationID id: Int64, text: String, _ context: BotContext) throws {
        let language = context.language
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        let date = words.lazy.compactMap(TypedDate.parse).first
        let number = words.first { TypedDate.parse($0) == nil }
        let today = TypedDate.today(context.now, timeZone: settings.timeZone)
        guard words.count == 2, let date, let number, (3...40).contains(number.count),
              number.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-/.".contains($0)) }) else {
            return try send(texts.text("halal_certificate_invalid", language), to: context)
        }
        guard TypedDate.iso(date) > TypedDate.iso(today) else {
            return try send(texts.text("halal_certificate_expired", language), to: context)
        }
        try context.setDialogState(nil)
        try finish(try context.registry.issueHalal(id, number: number, expiresOn: date, now: context.now), context)
    }

    /// The reply key of a status's name.
    static func statusKey(_ status: HalalStatus) -> String {
        switch status {
        case .submitted: return "halal_status_submitted"
        case .accepted: return "halal_status_accepted"
        case .auditScheduled: return "halal_status_audit_scheduled"
        case .issued: return "halal_status_issued"
        case .rejected: return "halal_status_rejected"
        }
    }

    /// The reply key of what the applicant is told when their application reaches `status`.
    static func noteKey(_ status: HalalStatus) -> String {
        switch status {
        case .submitted: return "halal_note_submitted"
        case .accepted: return "halal_note_accepted"
        case .auditScheduled: return "halal_note_audit_scheduled"
        case .issued: return "halal_note_issued"
        case .rejected: return "halal_note_rejected"
        }
    }

    /// The reply key naming a missing criterion.
    static func shortfallKey(_ shortfall: HalalShortfall) -> String {
        switch shortfall {
        case .notVerified: return "halal_missing_not_verified"
        case .notFood: return "halal_missing_not_food"
        case .tooNew: return "halal_missing_too_new"
        case .alreadyCertified: return "halal_missing_already_certified"
        case .notActive: return "halal_missing_not_active"
        }
    }
}
