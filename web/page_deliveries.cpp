// The deliveries page (docs/web.md "Deliveries"): the outbox newest first, a page at a time
// (a keyset cursor on the id, as GET /api/v1/deliveries), filtered by state (pending,
// delivered, dead = dead letters); /deliveries/N is one message with every attempt of the
// delivery ledger. Admins may queue a delivered or dead message again (POST
// /deliveries/N/retry): Store::requeue, as `vulnwatch deliveries retry N`, audited with the
// user. Subjects, recipients and replies are feed or server text: escaped, replies redacted.
#include "core/redact.h"
#include "store/audit.h"
#include "store/store.h"
#include "store/users.h"
#include "web/page_routes.h"

#include <charconv>

namespace vw::web {
namespace {

constexpr int kPageSize = 50;

/// A positive id from text (nullopt for anything else).
std::optional<std::int64_t> positiveId(std::string_view text) {
    std::int64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || id <= 0) {
        return std::nullopt;
    }
    return id;
}

std::string stateLabel(const PageCall& call, const std::string& state) {
    if (state == "pending") {
        return call.t("配信待ち", "pending");
    }
    if (state == "delivered") {
        return call.t("配信済み", "delivered");
    }
    if (state == "dead") {
        return call.t("配信断念 (デッドレター)", "dead letter");
    }
    return state;
}

bool isAdmin(const PageCall& call) {
    return call.principal && call.principal->user.role == UserRole::Admin &&
           !call.principal->user.disabled;
}

OutboxRow readRow(const Statement& s) {
    return {s.integer(0), s.text(1),    s.text(2),
            s.text(3),    s.text(4),    static_cast<int>(s.integer(5)),
            s.text(6),    s.integer(7), s.integer(8),
            s.integer(9)};
}

constexpr const char* kColumns = "SELECT id, notifier, recipient, subject, state, attempts, "
                                 "last_reply, due_at, created_at, updated_at FROM outbox ";

void rowView(const PageCall& call, View& row, const OutboxRow& r, bool admin) {
    row.number("id", r.id);
    row.text("notifier", r.notifier).text("recipient", redactSecrets(r.recipient));
    row.flag("has_recipient", !r.recipient.empty());
    row.text("subject", r.subject);
    row.text("state", r.state).text("state_label", stateLabel(call, r.state));
    row.flag("dead", r.state == "dead").flag("pending", r.state == "pending");
    row.number("attempts", r.attempts);
    row.text("last_reply", redactSecrets(r.lastReply));
    row.text("due_at", pageTime(r.dueAt));
    row.text("created_at", pageTime(r.createdAt)).text("updated_at", pageTime(r.updatedAt));
    row.flag("can_retry", admin && r.state != "pending");
}

void labels(const PageCall& call, View& v) {
    v.text("l_id", call.t("番号", "No."));
    v.text("l_state", call.t("状態", "State"));
    v.text("l_notifier", call.t("通知先設定", "Notifier"));
    v.text("l_recipient", call.t("宛先", "Recipient"));
    v.text("l_subject", call.t("件名", "Subject"));
    v.text("l_attempts", call.t("試行回数", "Attempts"));
    v.text("l_last_reply", call.t("最後の応答", "Last reply"));
    v.text("l_due", call.t("次の予定", "Due"));
    v.text("l_created", call.t("作成", "Created"));
    v.text("l_updated", call.t("更新", "Updated"));
    v.text("l_retry", call.t("再送する", "Queue again"));
    v.text("l_retry_hint",
           call.t("配信済みまたは断念したメッセージを配信待ちに戻します (試行回数は 0 "
                  "に戻り、これまでの試行は記録に残ります)",
                  "Puts a delivered or dead message back in the queue (its attempts start again "
                  "from 0; the earlier attempts stay in the ledger)"));
}

HttpResponse listPage(PageCall& call) {
    const std::string state = call.param("state");
    if (!state.empty() && state != "pending" && state != "delivered" && state != "dead") {
        return errorPage(call, 400,
                         call.t("state は pending、delivered、dead のいずれかです ('",
                                "state must be pending, delivered or dead (not '") +
                             state + "')");
    }
    std::int64_t before = 0;
    if (const std::string cursor = call.param("cursor"); !cursor.empty()) {
        const auto id = positiveId(cursor);
        if (!id) {
            return errorPage(
                call, 400,
                call.t("ページ位置 (cursor) が正しくありません。「次へ」のリンクを使ってください",
                       "the page position (cursor) is not valid; use the Next link"));
        }
        before = *id;
    }
    Store::ReadTransaction read(call.store);
    // Only the conditions that apply (the planner can then use the state index or seek the
    // id), their parameters numbered in order: PostgreSQL needs the type of every parameter
    // number, so none may be left unused.
    std::string where = "WHERE 1 = 1";
    int parameters = 0;
    if (state == "delivered") {
        // Most messages are delivered: newest first by id finds a page at once, where the
        // state index would sort them all (`state || ''`: no index serves it, on both backends).
        where += " AND state || '' = ?" + std::to_string(++parameters);
    } else if (!state.empty()) {
        where += " AND state = ?" + std::to_string(++parameters);
    }
    if (before != 0) {
        where += " AND id < ?" + std::to_string(++parameters);
    }
    Statement s =
        call.store.db().prepare(std::string(kColumns) + where + " ORDER BY id DESC LIMIT ?" +
                                std::to_string(parameters + 1));
    int next = 1;
    if (!state.empty()) {
        s.bind(next++, state);
    }
    if (before != 0) {
        s.bind(next++, before);
    }
    s.bind(next, kPageSize + 1);
    std::vector<OutboxRow> rows;
    while (s.step()) {
        rows.push_back(readRow(s));
    }
    const OutboxCounts counts = call.store.outboxCounts();
    const bool admin = isAdmin(call);
    View v;
    labels(call, v);
    v.text("l_filter", call.t("状態で絞り込み", "Filter by state"));
    struct Tab {
        std::string_view value, ja, en;
        int count;
    };
    const Tab tabs[] = {{"", "すべて", "All", counts.pending + counts.delivered + counts.dead},
                        {"pending", "配信待ち", "Pending", counts.pending},
                        {"delivered", "配信済み", "Delivered", counts.delivered},
                        {"dead", "配信断念 (デッドレター)", "Dead letters", counts.dead}};
    for (const Tab& tab : tabs) {
        View& item = v.item("tabs");
        item.text("href", tab.value.empty() ? "/deliveries"
                                            : "/deliveries?state=" + std::string(tab.value));
        item.text("label", call.t(tab.ja, tab.en)).number("count", tab.count);
        item.text("key", tab.value.empty() ? "all" : tab.value);
        item.flag("current", tab.value == state);
    }
    v.flag("dead_letters", counts.dead > 0 && state != "dead");
    v.text("l_dead_notice", call.t("配信を断念したメッセージ (デッドレター) が " +
                                       std::to_string(counts.dead) + " 件あります。",
                                   std::to_string(counts.dead) +
                                       " message(s) could not be delivered (dead letters)."));
    v.text("l_show_dead", call.t("デッドレターを表示", "Show the dead letters"));
    const bool more = rows.size() > static_cast<std::size_t>(kPageSize);
    if (more) {
        rows.resize(kPageSize);
    }
    for (const OutboxRow& r : rows) {
        rowView(call, v.item("rows"), r, admin);
    }
    v.flag("has_rows", !rows.empty());
    v.flag("admin", admin);
    v.text("l_caption", call.t("送信メッセージ (新しい順)", "Outgoing messages, newest first"));
    v.text("l_none", call.t("該当するメッセージはありません。", "No messages."));
    v.text("l_pager", call.t("ページ", "Pages"));
    v.text("l_first", call.t("最初のページ", "First page"));
    v.text("l_next", call.t("次のページ", "Next page"));
    const std::string base = state.empty() ? "/deliveries?" : "/deliveries?state=" + state + "&";
    if (before != 0) {
        v.text("first_href", state.empty() ? "/deliveries" : "/deliveries?state=" + state);
    }
    if (more) {
        v.text("next_href", base + "cursor=" + std::to_string(rows.back().id));
    }
    v.flag("pager", before != 0 || more);
    if (const std::string done = call.param("requeued"); !done.empty() && positiveId(done)) {
        v.text(
            "notice",
            call.t("メッセージ " + done + " を配信待ちに戻しました。デーモンが次の配信で送ります。",
                   "Message " + done + " is queued again; the daemon sends it in its next round."));
    }
    return templatePage(call, call.t("配信", "Deliveries"), "deliveries", "deliveries_list", v);
}

HttpResponse messagePage(PageCall& call, std::int64_t id) {
    Store::ReadTransaction read(call.store);
    Statement s = call.store.db().prepare(std::string(kColumns) + "WHERE id = ?1");
    s.bind(1, id);
    if (!s.step()) {
        return errorPage(call, 404,
                         call.t("メッセージ " + std::to_string(id) + " はありません",
                                "there is no message " + std::to_string(id)));
    }
    const OutboxRow r = readRow(s);
    View v;
    labels(call, v);
    rowView(call, v.object("message"), r, isAdmin(call));
    v.text("l_ledger", call.t("配信の試行 (記録)", "Delivery attempts (ledger)"));
    v.text("l_at", call.t("日時", "Time"));
    v.text("l_result", call.t("結果", "Result"));
    v.text("l_reply", call.t("応答", "Reply"));
    v.text("l_no_attempts", call.t("まだ試行していません。", "Not tried yet."));
    v.text("l_back", call.t("配信の一覧へ", "Back to the deliveries"));
    Statement ledger = call.store.db().prepare(
        "SELECT at, ok, reply FROM delivery WHERE outbox_id = ?1 ORDER BY id DESC LIMIT 200");
    ledger.bind(1, id);
    bool any = false;
    while (ledger.step()) {
        any = true;
        View& row = v.item("attempts");
        row.text("at", pageTime(ledger.integer(0)));
        const bool ok = ledger.integer(1) != 0;
        row.flag("ok", ok).text("result",
                                ok ? call.t("成功", "accepted") : call.t("失敗", "failed"));
        row.text("reply", redactSecrets(ledger.text(2)));
    }
    v.flag("has_attempts", any);
    return templatePage(call, call.t("配信メッセージ ", "Message ") + std::to_string(id),
                        "deliveries", "deliveries_message", v);
}

/// POST /deliveries/N/retry (admins): queue a delivered or dead message again.
HttpResponse retry(PageCall& call, std::int64_t id) {
    if (!isAdmin(call)) {
        return errorPage(call, 403,
                         call.t("再送できるのは管理者 (admin) だけです",
                                "only an admin can queue a message again"));
    }
    if (!call.csrfValid(call.field("csrf"))) { // a multipart post is not checked by the router
        return errorPage(call, 403,
                         call.t("フォームの確認トークンが一致しません。ページを開き直してください",
                                "the form's CSRF token does not match; reload the page"));
    }
    const std::string& user = call.principal->user.name;
    {
        Store::Transaction tx(call.store);
        if (!call.store.requeue(id, call.now)) {
            return errorPage(
                call, 409,
                call.t("メッセージ " + std::to_string(id) +
                           " は配信済みでも配信断念でもありません "
                           "(配信待ちのものはそのまま再試行されます)",
                       "there is no message " + std::to_string(id) +
                           " that is delivered or dead (a pending one is retried anyway)"));
        }
        AuditEvent event;
        event.kind = "delivery";
        event.at = call.now;
        event.text = "message " + std::to_string(id) + " queued again by hand";
        event.actor = user;
        event.subjects = {"outbox:" + std::to_string(id)};
        call.store.appendEvent(event);
        tx.commit();
    }
    return redirect("/deliveries?requeued=" + std::to_string(id));
}

} // namespace

HttpResponse deliveriesRoute(PageCall& call, const std::vector<std::string>& rest) {
    if (rest.empty()) {
        if (call.isPost()) {
            HttpResponse r =
                errorPage(call, 405, call.t("この一覧は表示だけです", "this list is read-only"));
            r.setHeader("Allow", "GET, HEAD");
            return r;
        }
        return listPage(call);
    }
    const auto id = positiveId(rest[0]);
    if (!id || rest.size() > 2 || (rest.size() == 2 && rest[1] != "retry")) {
        return errorPage(call, 404, call.t("ページがありません", "no such page"));
    }
    if (rest.size() == 2) {
        if (!call.isPost()) {
            HttpResponse r = errorPage(call, 405,
                                       call.t("再送はフォームから送ってください (POST)",
                                              "queue a message again with the form (POST)"));
            r.setHeader("Allow", "POST");
            return r;
        }
        return retry(call, *id);
    }
    if (call.isPost()) {
        HttpResponse r =
            errorPage(call, 405, call.t("このページは表示だけです", "this page is read-only"));
        r.setHeader("Allow", "GET, HEAD");
        return r;
    }
    return messagePage(call, *id);
}

} // namespace vw::web
