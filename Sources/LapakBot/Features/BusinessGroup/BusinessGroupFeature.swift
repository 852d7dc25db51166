import Foundation
import LapakLanguage
import LapakRegistry
import Logging
import TelegramBotAPI

/// /kelompok: staff create business groups (kelompok usaha), see them and record the support given;
/// vendors see their groups in /usahaku.
struct BusinessGroupFeature: BotFeature, BotFeatureServices {
    let bot: Bot

    func register(in router: inout BotRouter) {
        router.command(.groups, access: .staff) { context, _ in try listGroups(context) }
        router.dialog(.creatingGroup, DialogRoute(
            holdsAnswers: true, continuedBy: [.groups],
            text: { context, state, text in
                guard case .creatingGroup(let draft) = state else { return false }
                try groupText(draft, text: text, context)
                return true
            },
            askAgain: { context, state in
                if case .creatingGroup(let draft) = state { try askStep(draft, context) }
            }))
        router.dialog(.recordingSupport, DialogRoute(
            holdsAnswers: true,
            text: { context, state, text in
                guard case .recordingSupport(let groupID, let kind) = state else { return false }
                try recordSupport(groupID: groupID, kind: kind, text: text, context)
                return true
            },
            askAgain: { context, _ in try send(texts.text("group_ask_support", context.language), to: context) }))
        // kg:OPERATION[:ARGUMENT[:ARGUMENT]]: creating a group (a draft in the dialog), viewing one, recording support.
        router.button("kg", access: .staff, arguments: 1...3) { context, press in
            try groupButton(press.arguments[0], press.argument(1), press.argument(2), context)
        }
    }

    /// /kelompok: the groups, newest first, each a button to its page; and "create a group".
    func listGroups(_ context: BotContext) throws {
        let language = context.language
        let groups = try context.registry.businessGroups(limit: 20)  // the newest 20: one message; the export has all
        var rows = groups.map { [InlineKeyboardButton(text: "👥 \($0.name)", callbackData: "kg:v:\($0.id)")] }
        rows.insert([InlineKeyboardButton(text: texts.text("group_new_button", language), callbackData: "kg:new")], at: 0)
        let entries = groups.enumerated().map { index, group in
            texts.text("group_list_entry", language, [
                "index": String(index + 1), "name": HTML.escape(group.name), "category": HTML.escape(label(of: group.category, language)),
                "kelurahan": HTML.escape(group.kelurahan), "members": String(group.memberCount), "support": String(group.supportCount),
            ])
        }
        let text = groups.isEmpty ? texts.text("group_list_empty", language)
            : texts.text("group_list_header", language, ["count": String(groups.count)]) + "\n" + entries.joined(separator: "\n")
        try send(text, to: context, keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: rows)))
    }

    /// A `kg:` button: the creation dialog's steps, or a group's page and support.
    func groupButton(_ operation: String, _ first: String?, _ second: String?, _ context: BotContext) throws {
        switch operation {
        case "new":
            try context.answer()
            let draft = GroupDraft()
            try context.setDialogState(.creatingGroup(draft))
            try askStep(draft, context)
        case "v":
            guard let id = first.flatMap(Int64.init), let group = try context.registry.businessGroup(id: id) else { throw StaleButton() }
            try context.answer()
            try showGroup(group, context)
        case "e":
            // Change the members of an existing group: the same picker, starting from its members.
            guard let id = first.flatMap(Int64.init), let group = try context.registry.businessGroup(id: id) else { throw StaleButton() }
            try context.answer()
            var draft = GroupDraft()
            (draft.name, draft.category, draft.kelurahan, draft.step, draft.groupID) = (group.name, group.category, group.kelurahan, .members, id)
            draft.members = try context.registry.members(ofGroup: id).map(\.id)
            try context.setDialogState(.creatingGroup(draft))
            try askStep(draft, context)
        case "s":
            guard let id = first.flatMap(Int64.init), let group = try context.registry.businessGroup(id: id) else { throw StaleButton() }
            try context.answer()
            let language = context.language
            let buttons = SupportKind.allCases.map {
                InlineKeyboardButton(text: texts.text(Self.supportKey($0), language), callbackData: "kg:sk:\(id):\($0.rawValue)")
            }
            try send(texts.text("group_ask_support_kind", language, ["name": HTML.escape(group.name)]), to: context,
                     keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: [buttons])))
        case "sk":
            guard let id = first.flatMap(Int64.init), try context.registry.businessGroup(id: id) != nil,
                  let kind = second.flatMap(SupportKind.init(rawValue:)) else { throw StaleButton() }
            try context.answer()
            try context.editPressedKeyboard(nil)
            try context.setDialogState(.recordingSupport(groupID: id, kind: kind))
            try send(texts.text("group_ask_support", context.language), to: context, keyboard: cancelKeyboard(context.language))
        default:
            guard case .creatingGroup(let draft) = try context.dialogState() else { throw StaleButton() }
            try draftButton(draft, operation, first, context)
        }
    }

    /// A group's page: members, support given, and "record support".
    func showGroup(_ group: BusinessGroup, _ context: BotContext) throws {
        let language = context.language
        let members = try context.registry.members(ofGroup: group.id)
        let support = try context.registry.support(ofGroup: group.id, limit: Self.supportShown)
        // Within Telegram's 4096 characters: at most 25 members by name, then how many more.
        var memberLines = members.prefix(25).enumerated().map { index, business in
            "\(index + 1). \(HTML.escape(business.name)) · \(HTML.escape(business.registryID))"
        }
        if members.count > 25 { memberLines.append("… +\(members.count - 25)") }
        let text = texts.text("group_view", language, [
            "name": HTML.escape(group.name), "category": HTML.escape(label(of: group.category, language)), "kelurahan": HTML.escape(group.kelurahan),
            "count": String(members.count), "members": memberLines.joined(separator: "\n"), "support": supportLines(support, language),
        ])
        try send(text, to: context, keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: [
            [InlineKeyboardButton(text: texts.text("group_add_support_button", language), callbackData: "kg:s:\(group.id)"),
             InlineKeyboardButton(text: texts.text("group_edit_members_button", language), callbackData: "kg:e:\(group.id)")],
        ])))
    }

    /// Support entries shown on a group's page (newest first); the export has them all.
    static let supportShown = 8

    /// "• 10/12/2026 📚 Pelatihan: Pembukuan", one line per entry (descriptions cut at 100 characters so a
    /// page stays within one message), or "none yet".
    func supportLines(_ support: [GroupSupport], _ language: Language) -> String {
        guard !support.isEmpty else { return texts.text("group_no_support", language) }
        return support.map {
            let description = $0.description.count > 100 ? String($0.description.prefix(99)) + "…" : $0.description
            return texts.text("group_support_line", language, ["date": TypedDate.display($0.givenOn), "kind": texts.text(Self.supportKey($0.kind), language),
                                                               "description": HTML.escape(description)])
        }.joined(separator: "\n")
    }

    /// The typed date and description of a support entry; the dialog waits until they are usable.
    func recordSupport(groupID: Int64, kind: SupportKind, text: String, _ context: BotContext) throws {
        let language = context.language
        guard let group = try context.registry.businessGroup(id: groupID) else {
            try context.setDialogState(nil)
            return try send(texts.text("button_expired", language), to: context, keyboard: mainKeyboard(language))
        }
        let (date, rest) = TypedDate.leading(text, today: TypedDate.today(context.now, timeZone: settings.timeZone))
        let description = rest.split(whereSeparator: \.isNewline).joined(separator: " ")
        guard !description.isEmpty, description.count <= 300, !description.contains("<"), !description.contains(">") else {
            return try send(texts.text("group_support_invalid", language), to: context)
        }
        let day = TypedDate.iso(date ?? TypedDate.today(context.now, timeZone: settings.timeZone))
        try context.registry.recordSupport(kind, description: description, on: day, toGroup: groupID, by: context.user.id, now: context.now)
        try context.setDialogState(nil)
        logger.info("Group support recorded", metadata: ["group": "\(groupID)", "kind": "\(kind.rawValue)", "staff_id": "\(context.user.id)"])
        try send(texts.text("group_support_recorded", language, [
            "name": HTML.escape(group.name), "kind": texts.text(Self.supportKey(kind), language), "date": TypedDate.display(day),
            "description": HTML.escape(description),
        ]), to: context, keyboard: mainKeyboard(language))
    }

    /// In /usahaku: the groups the vendor's businesses belong to, with the support each was given.
    func showVendorGroups(_ owned: [Business], _ context: BotContext) throws {
        let language = context.language
        var blocks: [String] = []
        // At most three groups with their five latest entries: one message, within Telegram's limit.
        for business in owned.prefix(10) where blocks.count < 3 {
            for group in try context.registry.groups(ofBusiness: business.id).prefix(3 - blocks.count) {
                blocks.append(texts.text("my_group_entry", language, [
                    "name": HTML.escape(group.name), "business": HTML.escape(business.name),
                    "category": HTML.escape(label(of: group.category, language)), "kelurahan": HTML.escape(group.kelurahan),
                    "count": String(group.memberCount), "support": supportLines(try context.registry.support(ofGroup: group.id, limit: 5), language),
                ]))
            }
        }
        guard !blocks.isEmpty else { return }
        try send(texts.text("my_groups_header", language) + "\n\n" + blocks.joined(separator: "\n\n"), to: context)
    }

    /// The reply key of a support kind's label.
    static func supportKey(_ kind: SupportKind) -> String {
        switch kind {
        case .training: return "support_training_button"
        case .equipment: return "support_equipment_button"
        case .other: return "support_other_button"
        }
    }

    func cancelKeyboard(_ language: Language) -> ReplyMarkup {
        .replyKeyboard(ReplyKeyboardMarkup(keyboard: [[KeyboardButton(text: texts.text("cancel_button", language))]], resizeKeyboard: true))
    }
}
