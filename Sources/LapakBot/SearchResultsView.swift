import Foundation
import LapakRegistry
import TelegramBotAPI

/// Search results as a message that reads well on a phone, with its buttons.
struct SearchResultsView {
    let texts: LanguagePack
    let taxonomy: CategoryTaxonomy
    let language: Language
    let timeZone: TimeZone
    let now: Date
    /// A live location silent for longer than this is shown as "last seen HH.MM".
    let liveSilenceLimit: TimeInterval

    /// The header and the numbered results of one page.
    ///
    /// A search by name says so: the names come first, then the rest of the kind.
    func page(_ results: [SearchResult], category: String?, halalOnly: Bool, offset: Int, names: NameQuery = NameQuery()) -> String {
        let what: String
        if let category, let entry = taxonomy.category(category) {
            what = language == .english ? entry.englishName : entry.indonesianName
        } else {
            what = texts.text("any_business", language).capitalized
        }
        let halal = halalOnly ? texts.text("halal_suffix", language) : ""
        var header = texts.text("results_header", language, ["what": HTML.escape(what), "halal": halal])
        if !names.isEmpty {
            header = category == nil ? texts.text("results_header", language, ["what": HTML.escape(names.display), "halal": halal])
                : texts.text("results_header_names", language, ["names": HTML.escape(names.display), "what": HTML.escape(what), "halal": halal])
        }
        return header + "\n\n" + list(results, startingAt: offset + 1)
    }

    /// One block per result: name and distance; kind, mode, halal, verification; where it is; phone.
    func list(_ results: [SearchResult], startingAt first: Int) -> String {
        results.enumerated().map { index, result in
            let business = result.business
            let distance = DistanceFormat.string(metres: result.distance, decimalComma: language == .indonesian)
            var details: [String] = []
            if let category = taxonomy.category(business.category) {
                details.append("\(category.emoji) \(HTML.escape(language == .english ? category.englishName : category.indonesianName))")
            }
            if business.mode == .berkeliling, result.isLive, let last = result.lastUpdate, now.timeIntervalSince(last) > liveSilenceLimit {
                details.append(texts.text("mode_mobile_last_seen", language, ["time": time(last)]))
            } else if business.mode == .berkeliling, result.isLive {
                details.append(texts.text("mode_mobile_live", language))
            } else if business.mode == .berkeliling, let since = result.checkedInSince {
                details.append(texts.text("mode_mobile_since", language, ["time": time(since)]))
            } else {
                details.append(texts.text("mode_fixed", language))
            }
            if business.halal { details.append(texts.text("halal_mark", language)) }
            details.append(texts.text(business.verified ? "verified_mark" : "unverified_mark", language))
            var lines = ["\(first + index). <b>\(HTML.escape(business.name))</b> · \(distance)", "    " + details.joined(separator: " · ")]
            if let place = place(of: result) { lines.append("    📌 \(HTML.escape(place))") }
            if !business.phone.isEmpty { lines.append("    📞 \(HTML.escape(business.phone))") }
            return lines.joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// Where a result is, in words: the shop's address with its kelurahan, or the kelurahan alone.
    ///
    /// A mobile vendor selling away from home is not at its home address: its line names the kelurahan
    /// whose pin is nearest to where it is now, since a street address would send people to an empty house.
    func place(of result: SearchResult) -> String? {
        let business = result.business
        if business.mode == .berkeliling, result.checkedInSince != nil || result.isLive {
            return Kelurahan.nearest(to: result.position).map { texts.text("result_near_kelurahan", language, ["kelurahan": $0.name]) }
        }
        let address = business.address.trimmingCharacters(in: .whitespaces)
        if address.isEmpty { return business.kelurahan.isEmpty ? nil : business.kelurahan }
        if business.kelurahan.isEmpty || address.localizedCaseInsensitiveContains(business.kelurahan) { return address }
        return address + ", " + business.kelurahan
    }

    /// A map-pin button per result, then previous page, halal filter and next page.
    ///
    /// A pin is labelled with the result's number in the list (6–10 on page 2) while its data keeps the
    /// index within the page's session, which holds only that page's results.
    func keyboard(session: Int64, results: [SearchResult], halalOnly: Bool, hasMore: Bool, offset: Int = 0) -> InlineKeyboardMarkup {
        let pins = results.indices.map { InlineKeyboardButton(text: "📍 \(offset + $0 + 1)", callbackData: "v:\(session):\($0)") }
        var controls: [InlineKeyboardButton] = []
        if offset > 0 { controls.append(InlineKeyboardButton(text: texts.text("previous_button", language), callbackData: "p:\(session)")) }
        controls.append(InlineKeyboardButton(text: texts.text(halalOnly ? "all_button" : "halal_only_button", language), callbackData: "h:\(session)"))
        if hasMore { controls.append(InlineKeyboardButton(text: texts.text("next_button", language), callbackData: "n:\(session)")) }
        return InlineKeyboardMarkup(rows: [pins, controls])
    }

    /// "10.15" in Indonesian, "10:15" in English, in the registry's time zone.
    func time(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return String(format: language == .english ? "%02d:%02d" : "%02d.%02d", parts.hour ?? 0, parts.minute ?? 0)
    }
}
