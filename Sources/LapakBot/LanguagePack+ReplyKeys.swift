import LapakBroadcast

extension LanguagePack {
    /// Every reply key the code can ask for: the keys written out in `requiredReplies`, and those built at
    /// run time, taken from the enums they are built from so that a new case cannot miss its text.
    ///
    /// `load` (so `lapak check`, and `lapak run` at start) refuses language data that lacks any of them in any
    /// language, and `text(_:_:_:)` serves no other key. `ReplyKeyTests` reads the sources for keys missing here.
    public static let declaredReplies: Set<String> = Set(requiredReplies)
        .union(VendorInput.NameProblem.allCases.map(\.rawValue))
        .union(BroadcastStatus.allCases.map { "broadcast_status_\($0.rawValue)" })

    /// The reply keys the code writes out (`texts.text("key", …)`, a button's key, a ternary of two keys);
    /// a missing one stops the daemon at start, not mid-conversation. Add a new key here.
    public static let requiredReplies = [
        // The business card the website's "Chat di Telegram" opens (issue 14).
        "public_business_card", "public_business_missing",
        // What fits the vendor or staff member (issue 12).
        "already_checked_out", "category_confirmed", "help_staff_header", "start_enrol_hint", "today_checked_out",
        "all_button", "already_linked", "announcement_bad_html", "announcement_empty", "announcement_frame",
        "announcement_received", "announcement_too_long", "any_business", "ask_announcement", "ask_business_category",
        "ask_business_mode", "ask_business_name", "ask_checkin_location", "ask_halal", "ask_home_base", "ask_location",
        "ask_new_location", "ask_new_name", "ask_phone", "ask_shop_location", "ask_shop_location_for_mode", "attendees",
        "attendees_button", "audience_panel", "broadcast_cancelled", "broadcast_progress", "broadcast_repeated",
        "broadcast_report", "broadcast_report_stopped", "broadcast_status_done", "broadcast_status_sending",
        "broadcast_status_stopped", "broadcast_stopping", "business_card", "business_not_active", "button_expired",
        "cancel_button", "cancel_inline_button", "cancelled", "category_not_understood", "change_button", "checked_in",
        "checked_in_live", "checked_in_live_all_day", "checked_out", "choose_category", "choose_field", "closed_today",
        "confirm_broadcast", "confirm_delete", "contact_not_yours", "delete_button", "delete_confirm_button", "deleted",
        "dialog_in_progress", "duplicate_found", "enrolled_fixed", "enrolled_mobile", "enrollment_almost_done",
        "enrollment_cancelled", "enrollment_intro", "enrollment_resumed", "enrollment_summary", "everyone", "everyone_button",
        "fallback", "field_category", "field_halal", "field_location", "field_mode", "field_name", "field_phone", "filter_any",
        "filter_any_button", "filter_category_button", "filter_halal_button", "filter_kelurahan_button", "filter_mode_button",
        "fixed_shop_no_checkin", "format_html", "format_plain", "halal_mark", "halal_marked", "halal_no_button",
        "halal_only_button", "halal_suffix", "halal_unknown_button", "halal_unmarked", "halal_usage", "halal_yes_button", "help",
        "help_button", "html_off_button", "html_on_button", "is_this_yours", "keep_button", "kept", "language_switched",
        "link_failed", "link_my_number_button", "linked", "live_stopped", "location_near", "location_or_skip",
        "location_outside_region", "location_received", "location_required", "make_checkin_button", "make_checkin_named_button",
        "mode_fixed", "mode_fixed_button", "mode_mobile_button", "mode_mobile_last_seen", "mode_mobile_live", "mode_mobile_since",
        "more_kinds_button", "my_business_button", "name_control_characters", "name_markup", "name_no_letters", "name_too_long",
        "name_too_short", "nearest_any_instead", "next_button", "no_broadcasts_yet", "no_business_with_phone", "no_business_yet",
        "no_home_base", "no_more_results", "no_recipients", "no_results", "no_such_business", "no_text", "no_word",
        "not_checked_in", "not_halal", "not_linked", "not_mine_button", "nothing_to_cancel", "nothing_to_verify",
        "owner_suspended", "phone_invalid", "phone_received", "preview_button", "preview_header", "reopen_button", "reopened",
        "results_header", "rsvp_already", "rsvp_button", "rsvp_off_button", "rsvp_on_button", "rsvp_preview", "rsvp_recorded",
        "save_anyway_button", "save_button", "saved", "search_button", "send_broadcast_button", "send_business_location_button",
        "send_my_number_button", "send_selling_location_button", "share_location_button", "skip_button", "staff_new_enrollment",
        "something_went_wrong", "staff_only", "staff_halal_claimed", "staff_halal_not_claimed", "halal_certified", "halal_claim_pending", "staff_suspended", "staff_verified", "start", "statistics_entry", "statistics_header",
        "stop_broadcast_button", "subscribed", "suspend_button", "this_is_mine_button", "today_closed", "today_not_selling",
        "today_open", "today_selling", "today_suspended", "unexpected_contact", "unexpected_location", "unknown_command", "unsubscribed",
        "unverified_header", "unverified_mark", "use_the_buttons", "verified_mark", "verify_button", "which_business_checkin",
        "which_business_close", "yes_word",
        // Ownership links and groups (issue 11).
        "approve_button", "ask_staff_link_button", "continue_private_button", "group_continue_private", "link_how_contact",
        "link_how_staff", "link_request_pending", "link_request_rejected", "link_request_sent", "register_new_instead_button",
        "reject_button", "saved_needs_verification", "staff_business_changed", "staff_link_already_decided", "staff_link_announced",
        "staff_link_approved", "staff_link_rejected", "staff_link_request", "staff_link_taken", "typed_phone_choices",
        "typed_phone_registered",
        // Citizens' search: paging, names and trades, honest locations, small words (issue 12).
        "previous_button", "result_near_kelurahan", "results_header_names", "greeting_reply", "thanks_reply",
        "location_outside_service_area", "remembered_location_outside", "remembered_location_stale",
        // --- Issue 13 (kelompok): business groups and the halal certificate programme (keep at the end) ---
        "group_list_header", "group_list_entry", "group_list_empty", "group_new_button", "group_ask_name", "group_name_received",
        "group_ask_category", "group_ask_kelurahan", "group_members_panel", "group_source_beginners", "group_source_kind",
        "group_source_beginners_button", "group_source_kind_button", "group_save_button", "group_no_members", "group_full",
        "group_created", "group_member_added", "group_view", "group_no_support", "group_support_line", "group_add_support_button",
        "group_ask_support_kind", "support_training_button", "support_equipment_button", "support_other_button",
        "group_ask_support", "group_support_invalid", "group_support_recorded", "my_groups_header", "my_group_entry",
        "filter_group_button", "audience_group_line", "statistics_groups", "halal_apply_button", "halal_ineligible",
        "halal_missing_not_verified", "halal_missing_not_food", "halal_missing_too_new", "halal_missing_already_certified",
        "halal_already_applied", "halal_applied", "staff_halal_application", "halal_queue_header", "halal_queue_empty",
        "halal_queue_entry", "halal_status_submitted", "halal_status_accepted", "halal_status_audit_scheduled",
        "halal_status_issued", "halal_status_rejected", "halal_accept_button", "halal_audit_button", "halal_issue_button",
        "halal_reject_button", "halal_already_decided", "halal_quota_full", "halal_status_changed_staff", "halal_ask_certificate",
        "halal_certificate_invalid", "halal_certificate_expired", "halal_note_submitted", "halal_note_accepted",
        "halal_note_audit_scheduled", "halal_note_issued", "halal_note_rejected", "halal_expiry_reminder", "statistics_halal",
        "group_edit_members_button", "group_members_saved", "halal_missing_not_active",
        // --- end of issue 13 (kelompok) ---
        // === Issue 13, branch magang: apprenticeships (magang) and overflow orders (limpahan pesanan) ===
        "coaching_button", "coaching_menu", "coaching_current_none", "coaching_current_beginner", "coaching_current_mentor",
        "coaching_beginner_button", "coaching_mentor_button", "coaching_leave_button", "coaching_later_button", "coaching_ask_capacity",
        "coaching_saved_beginner", "coaching_saved_mentor", "coaching_left", "coaching_after_enrollment",
        "apprenticeship_pick_beginner", "apprenticeship_no_beginners", "apprenticeship_mentors_header", "apprenticeship_mentor_line",
        "apprenticeship_no_mentors", "apprenticeship_already_open", "apprenticeship_beginner_unlinked", "apprenticeship_mentor_full",
        "apprenticeship_ask_weeks", "apprenticeship_weeks_button", "years_registered", "under_a_year", "apprenticeship_proposed_staff",
        "apprenticeship_request_mentor", "apprenticeship_request_beginner", "accept_button", "decline_button",
        "apprenticeship_accepted_waiting", "apprenticeship_active", "apprenticeship_active_staff", "apprenticeship_declined",
        "apprenticeship_declined_you", "telegram_contact", "apprenticeship_checkin_question", "met_yes_button", "met_no_button",
        "apprenticeship_ask_topic", "topic_management", "topic_production", "topic_finance", "topic_marketing", "topic_licensing",
        "apprenticeship_ask_note", "apprenticeship_noted", "apprenticeship_not_met_noted", "apprenticeship_rating_question",
        "apprenticeship_ask_comment", "note_too_long", "statistics_coaching",
        "overflow_no_business", "overflow_which_business", "overflow_ask_what", "overflow_bad_what", "overflow_ask_when", "overflow_bad_when",
        "overflow_ask_place", "overflow_bad_place", "place_suggestion", "overflow_ask_note", "overflow_ask_contact", "overflow_offered",
        "overflow_no_candidates", "overflow_offer", "overflow_from_mentor", "overflow_note_line", "overflow_when", "take_button",
        "overflow_taken_you", "overflow_taken_originator", "overflow_already_taken", "overflow_too_late", "overflow_declined",
        "overflow_offer_expired", "overflow_expired_originator", "overflow_widen_button", "overflow_cancel_button", "overflow_cancelled",
        "overflow_offer_cancelled", "none_dash",
    ]

    /// Shown in place of a key that is not declared: a programming error, so say "something went wrong"
    /// in the user's language rather than show the key's name.
    static let unknownReplyFallback = "something_went_wrong"

    /// What `replies` lacks, one line per declared key, naming the key and the languages without a text.
    static func missingReplies(in replies: [String: [Language: String]]) -> [String] {
        declaredReplies.sorted().compactMap { key in
            let missing = Language.allCases.filter { replies[key]?[$0] == nil }
            guard !missing.isEmpty else { return nil }
            let names = missing.map { "'\($0.rawValue)'" }.joined(separator: " and ")
            return "the reply '\(key)' is missing for \(names) (the code uses it; add it with a text for every language)"
        }
    }
}
