#include "web/page_notices.h"

#include "core/text.h"
#include "store/cases.h"
#include "store/notices.h"
#include "store/users.h"

#include <charconv>

namespace vw::web {

namespace {

HttpResponse forUser(const PageCall& call, HttpResponse r) {
    if (call.principal) {
        r.user = call.principal->user.name;
    }
    return r;
}

std::string noticeStateLabel(const PageCall& call, NoticeState s) {
    return call.t(std::string(noticeStateJapanese(s)), std::string(noticeStateName(s)));
}

std::string letterStateLabel(const PageCall& call, LetterState s) {
    return call.t(std::string(letterStateJapanese(s)), std::string(letterStateName(s)));
}

/// 409: notice `noticeId` changed after the version the form carried (NoticeConflict): the
/// case page as it is now, saying who changed the notice, where and when, and its state now.
HttpResponse noticeConflictPage(PageCall& call, std::int64_t caseId, std::int64_t noticeId,
                                const std::string& action) {
    std::string message;
    {
        Store::ReadTransaction read(call.store);
        if (const std::optional<Notice> n = noticeById(call.store, noticeId)) {
            std::vector<CaseEventRow> events = noticeEvents(call.store, *n);
            std::optional<CaseEventRow> last;
            if (!events.empty()) {
                last = std::move(events.back());
            }
            const std::string id = std::to_string(noticeId);
            message = staleViewPageText(
                call, last, n->preparedAt, "お知らせ #" + id, "notice #" + id,
                noticeStateLabel(call, n->state),
                action == "approve" ? "送信された承認は記録していません"
                                    : "送信の操作は記録していません (何も送信していません)",
                action == "approve" ? "Your approval was not recorded"
                                    : "Your request to send it was not recorded (nothing "
                                      "was queued)");
        }
    }
    return caseConflictPage(call, caseId, message);
}

} // namespace

void noticesView(const PageCall& call, View& v, const Case& c) {
    View& s = v.object("notices_section");
    s.text("l_notices", call.t("医療機関へのお知らせ", "Hospital notices"));
    s.text("l_none", call.t("この案件グループのお知らせはまだありません。",
                            "This case group has no notice yet."));
    s.text("l_to", call.t("宛先", "To"));
    s.text("l_letter_state", call.t("状態", "State"));
    s.text("l_hash", call.t("内容のハッシュ (SHA-256)", "Content hash (SHA-256)"));
    s.text("l_subject", call.t("件名", "Subject"));
    s.text("l_preview", call.t("本文を見る", "Show the letter"));
    s.text("l_prepared", call.t("作成", "Prepared"));
    s.text("l_approved", call.t("承認", "Approved"));
    s.text("l_sent", call.t("送信", "Sent"));
    s.text("l_approve", call.t("承認する", "Approve"));
    s.text("l_send", call.t("送信する", "Send"));
    s.text("l_prepare", call.t("お知らせを作成する", "Prepare the notice"));
    s.text("l_second_person", call.t("承認は作成者とは別の人が行います。",
                                     "A person other than the preparer approves it."));
    s.text("l_cli", call.t("コマンドでは:", "From the command line:"));
    const User& user = call.principal->user;
    const bool may = mayTriage(user, c.product) && static_cast<bool>(call.settings.api.notices);
    std::vector<Notice> notices = noticesOfCase(call.store, c.id);
    if (notices.size() > 5) {
        notices.resize(5);
    }
    bool open = false;
    s.list("notices");
    for (const Notice& n : notices) {
        open = open || n.state == NoticeState::Draft || n.state == NoticeState::Approved;
        View& item = s.item("notices");
        item.number("notice_id", n.id);
        item.text("notice_state", std::string(noticeStateName(n.state)));
        item.text("notice_state_label", noticeStateLabel(call, n.state));
        // Who did each step and where (its audit event), and the version the forms carry
        // back (expect_version): the id of the notice's last event.
        const std::vector<CaseEventRow> events = noticeEvents(call.store, n);
        item.number("notice_version", noticeVersion(events));
        item.text("prepared", noticeStepBy(events, "notice-prepare", n.preparedBy) + " " +
                                  pageTime(n.preparedAt));
        if (!n.approvedBy.empty()) {
            item.text("approved", noticeStepBy(events, "notice-approve", n.approvedBy) + " " +
                                      pageTime(n.approvedAt));
        }
        if (!n.sentBy.empty()) {
            item.text("sent",
                      noticeStepBy(events, "notice-send", n.sentBy) + " " + pageTime(n.sentAt));
        }
        item.flag("may_approve", may && n.state == NoticeState::Draft && n.preparedBy != user.name);
        item.flag("preparer_waits",
                  may && n.state == NoticeState::Draft && n.preparedBy == user.name);
        item.flag("may_send", may && n.state == NoticeState::Approved);
        item.list("letters");
        for (const NoticeLetter& l : n.letters) {
            View& letter = item.item("letters");
            letter.number("letter_id", l.id);
            letter.text("to", l.address);
            letter.text("letter_state", std::string(letterStateName(l.state)));
            letter.text("letter_state_label", letterStateLabel(call, l.state));
            letter.text("hash", l.contentHash);
            letter.text("subject", l.subject);
            letter.text("body", l.text);
            if (!l.reply.empty() && l.state != LetterState::Sent) {
                letter.text("reply", l.reply);
            }
        }
    }
    s.flag("may_prepare", may && c.state == CaseState::Informing && !open);
    s.text("cli_prepare",
           "vulnwatch notices prepare --case " + std::to_string(c.id) + " --user " + user.name);
    s.flag("show_cli", c.state == CaseState::Informing && !may);
}

HttpResponse postNotice(PageCall& call, std::int64_t caseId) {
    if (!call.csrfValid(call.field("csrf"))) {
        return forUser(call,
                       errorPage(call, 403,
                                 call.t("フォームの確認トークンがありません。ページを開き直して"
                                        "ください",
                                        "the form's CSRF token is missing; reload the page")));
    }
    std::optional<Case> c;
    {
        Store::ReadTransaction read(call.store);
        c = caseById(call.store, caseId);
    }
    if (!c) {
        return forUser(call, errorPage(call, 404,
                                       call.t("案件 " + std::to_string(caseId) + " はありません",
                                              "there is no case " + std::to_string(caseId))));
    }
    const User& user = call.principal->user;
    if (!mayTriage(user, c->product)) {
        return forUser(
            call, errorPage(call, 403,
                            call.t(user.name + " は製品 " + c->product +
                                       " のお知らせを扱えません (管理者か製品の担当者のみ)",
                                   user.name + " may not handle notices of product " + c->product +
                                       " (an admin or a triager of the product may)")));
    }
    if (!call.settings.api.notices) {
        return forUser(call, errorPage(call, 503,
                                       call.t("このサーバではお知らせを扱えません",
                                              "notices are not available on this server")));
    }
    const std::string action(trim(call.field("action")));
    std::int64_t id = caseId;
    std::int64_t seen = 0;
    if (action == "approve" || action == "send") {
        const std::string text(trim(call.field("notice")));
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
        if (text.empty() || error != std::errc() || end != text.data() + text.size() || id <= 0) {
            return forUser(call, errorPage(call, 422,
                                           call.t("お知らせの番号 (notice) がありません",
                                                  "the notice's number (notice) is missing")));
        }
        // The notice must belong to this case's group (a form of another case is refused).
        std::optional<Notice> ours;
        {
            Store::ReadTransaction read(call.store);
            for (Notice& n : noticesOfCase(call.store, caseId)) {
                if (n.id == id) {
                    ours = std::move(n);
                }
            }
        }
        if (!ours) {
            return forUser(
                call, errorPage(call, 404,
                                call.t("この案件のお知らせ " + std::to_string(id) + " はありません",
                                       "case " + std::to_string(caseId) + " has no notice " +
                                           std::to_string(id))));
        }
        // The notice's version the form was made from (a form without one is not checked).
        if (const std::string v(trim(call.field("expect_version"))); !v.empty()) {
            const auto [vEnd, vError] = std::from_chars(v.data(), v.data() + v.size(), seen);
            if (vError != std::errc() || vEnd != v.data() + v.size() || seen <= 0) {
                return forUser(
                    call,
                    errorPage(call, 422,
                              call.t("expect_version はお知らせの版 (正の整数) です ('" + v + "')",
                                     "expect_version is the notice's version, a positive "
                                     "number (not '" +
                                         v + "')")));
            }
        }
    } else if (action != "prepare") {
        return forUser(call,
                       errorPage(call, 422,
                                 call.t("操作 (action) は prepare, approve, send のいずれかです",
                                        "the action is prepare, approve or send")));
    }
    const NoticeOutcome outcome =
        call.settings.api.notices(call.store, action, id, user.name, call.now, seen);
    if (outcome.conflict) {
        return forUser(call, noticeConflictPage(call, caseId, id, action));
    }
    if (outcome.status != 200) {
        return forUser(call, errorPage(call, outcome.status, outcome.message));
    }
    return forUser(call, redirect("/cases/" + std::to_string(caseId) + "#h-notices"));
}

} // namespace vw::web
