import Foundation
import LapakLanguage
import LapakRegistry
import Logging
import TelegramBotAPI

/// Apprenticeships (magang): vendors declare a coaching role, staff pair a beginner with a senior of
/// the same kind with /magang, both sides consent before contacts are exchanged, and weekly check-ins
/// and a closing rating follow (sent by `CoachingScheduler`).
struct ApprenticeshipFeature: BotFeature, BotFeatureServices {
    let bot: Bot

    /// The lengths staff can choose, in weeks.
    static let lengths = [4, 12, 24]

    func register(in router: inout BotRouter) {
        router.command(.apprenticeship, access: .staff) { context, argument in try startPairing(argument, context) }
        // mg:b:BEGINNER, mg:s:BEGINNER:MENTOR, mg:w:BEGINNER:MENTOR:WEEKS: staff's pairing steps.
        router.button("mg", access: .staff, arguments: 2...4) { context, press in try pairingButton(press, context) }
        // ap:y:ID / ap:n:ID: a side's consent; checked against the presser's businesses.
        router.button("ap", access: .anyone, arguments: 2...2) { context, press in
            try answerProposal(try press.id(1), accept: press.arguments[0] == "y", context)
        }
        // cr:BUSINESS:OPERATION[:CAPACITY]: the owner's coaching role.
        router.button("cr", access: .owner, arguments: 2...3) { context, press in
            guard let business = press.business else { throw StaleButton() }
            try roleButton(business, operation: press.arguments[1], argument: press.argument(2), context)
        }
        // ac:ID:WEEK:y|n, at:REPORT:TOPIC, ar:ID:RATING, an:REPORT: check-ins, topics, ratings, skipping a note.
        router.button("ac", access: .anyone, arguments: 3...3) { context, press in
            try reportMeeting(try press.id(0), week: Int(try press.id(1)), met: press.arguments[2] == "y", context)
        }
        router.button("at", access: .anyone, arguments: 2...2) { context, press in
            try chooseTopic(try press.id(0), topic: press.arguments[1], context)
        }
        router.button("ar", access: .anyone, arguments: 2...2) { context, press in try rate(try press.id(0), rating: Int(try press.id(1)), context) }
        router.button("an", access: .anyone, arguments: 1...1) { context, press in try skipNote(try press.id(0), context) }
        router.dialog(.writingReportNote, DialogRoute(
            text: { context, state, text in
                guard case .writingReportNote(let reportID) = state else { return false }
                try writeNote(reportID, text: text, context)
                return true
            },
            askAgain: { context, state in
                if case .writingReportNote(let reportID) = state { try askNote(reportID, context) }
            }))
    }

    /// /magang [ID]: the beginners waiting (oldest first) as buttons, or straight to one beginner's seniors.
    func startPairing(_ argument: String?, _ context: BotContext) throws {
        let language = context.language
        if let registryID = argument?.trimmingCharacters(in: .whitespaces), !registryID.isEmpty {
            guard let business = try context.registry.business(registryID: registryID) else {
                return try send(texts.text("no_such_business", language, ["id": HTML.escape(registryID)]), to: context)
            }
            return try showMentors(for: business, context)
        }
        let waiting = try context.registry.beginners(limit: 40).filter { try context.registry.openApprenticeship(ofBeginner: $0.id) == nil }
        guard !waiting.isEmpty else { return try send(texts.text("apprenticeship_no_beginners", language), to: context) }
        let rows = waiting.prefix(10).map { business in
            [InlineKeyboardButton(text: "🌱 \(business.name) · \(label(of: business.category, language)) · \(business.kelurahan.isEmpty ? "–" : business.kelurahan)",
                                  callbackData: "mg:b:\(business.id)")]
        }
        try send(texts.text("apprenticeship_pick_beginner", language), to: context, keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: Array(rows))))
    }

    /// Staff's pairing buttons: a beginner chosen, a senior chosen, a length chosen.
    func pairingButton(_ press: ButtonPress, _ context: BotContext) throws {
        guard let beginner = try context.registry.business(id: try press.id(1)) else { throw StaleButton() }
        try context.answer()
        switch press.arguments[0] {
        case "b":
            try showMentors(for: beginner, context)
        case "s":
            guard let mentor = try context.registry.business(id: try press.id(2)) else { throw StaleButton() }
            let buttons = Self.lengths.map { weeks in
                InlineKeyboardButton(text: texts.text("apprenticeship_weeks_button", context.language, ["weeks": String(weeks)]),
                                     callbackData: "mg:w:\(beginner.id):\(mentor.id):\(weeks)")
            }
            try send(texts.text("apprenticeship_ask_weeks", context.language, ["beginner": HTML.escape(beginner.name), "mentor": HTML.escape(mentor.name)]),
                     to: context, keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: [buttons])))
        case "w":
            guard let mentor = try context.registry.business(id: try press.id(2)), let weeks = press.argument(3).flatMap(Int.init),
                  Self.lengths.contains(weeks) else { throw StaleButton() }
            try context.editPressedKeyboard(nil)
            try propose(beginner, to: mentor, weeks: weeks, context)
        default:
            throw StaleButton()
        }
    }

    /// The seniors proposed for a beginner, nearest first, each a button.
    func showMentors(for beginner: Business, _ context: BotContext) throws {
        let language = context.language
        guard try checkBeginner(beginner, context) else { return }
        let candidates = try context.registry.proposeMentors(for: beginner, limit: 5)
        let category = label(of: beginner.category, language)
        guard !candidates.isEmpty else {
            return try send(texts.text("apprenticeship_no_mentors", language, ["category": HTML.escape(category)]), to: context)
        }
        let lines = candidates.enumerated().map { index, candidate in
            texts.text("apprenticeship_mentor_line", language, [
                "n": String(index + 1), "name": HTML.escape(candidate.business.name),
                "distance": DistanceFormat.string(metres: candidate.distance, decimalComma: language == .indonesian),
                "years": years(since: candidate.registeredAt, context), "room": String(candidate.room),
            ])
        }
        let buttons = candidates.enumerated().map { index, candidate in
            [InlineKeyboardButton(text: "\(index + 1). \(candidate.business.name)", callbackData: "mg:s:\(beginner.id):\(candidate.business.id)")]
        }
        try send(texts.text("apprenticeship_mentors_header", language, [
            "name": HTML.escape(beginner.name), "category": HTML.escape(category),
            "kelurahan": HTML.escape(beginner.kelurahan.isEmpty ? "–" : beginner.kelurahan),
        ]) + "\n" + lines.joined(separator: "\n"), to: context, keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: buttons)))
    }

    /// Whether a beginner can be paired now; says why not to staff.
    private func checkBeginner(_ beginner: Business, _ context: BotContext) throws -> Bool {
        let name = ["name": HTML.escape(beginner.name)]
        if try context.registry.openApprenticeship(ofBeginner: beginner.id) != nil {
            try send(texts.text("apprenticeship_already_open", context.language, name), to: context)
            return false
        }
        if beginner.ownerTelegramID == nil {
            try send(texts.text("apprenticeship_beginner_unlinked", context.language, name), to: context)
            return false
        }
        return true
    }

    /// "3 tahun" or "kurang dari setahun" since `date`.
    func years(since date: Date, _ context: BotContext) -> String {
        let years = Int(context.now.timeIntervalSince(date) / (365.25 * 86_400))
        return years < 1 ? texts.text("under_a_year", context.language) : texts.text("years_registered", context.language, ["years": String(years)])
    }

    /// "12/12/2026" in the registry's time zone.
    func day(_ date: Date?) -> String {
        guard let date else { return "–" }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = settings.timeZone
        let parts = calendar.dateComponents([.day, .month, .year], from: date)
        return String(format: "%02d/%02d/%04d", parts.day ?? 0, parts.month ?? 0, parts.year ?? 0)
    }
}
