// The audit page (docs/web.md "Audit"): whether the audit chain holds (verifyAuditChain, as
// GET /api/v1/audit/verify and `vulnwatch audit verify`), the latest events newest first a
// page at a time (a keyset cursor on the sequence number), and the export download
// /audit/export (triagers and admins): the bytes `vulnwatch audit export` writes
// (store/audit_export.h), as an attachment. Event texts quote feed data: escaped.
#include "core/datetime.h"
#include "core/text.h"
#include "store/audit.h"
#include "store/audit_export.h"
#include "store/store.h"
#include "store/users.h"
#include "web/headers.h"
#include "web/page_routes.h"

#include <charconv>
#include <mutex>
#include <ostream>
#include <streambuf>

namespace vw::web {
namespace {

constexpr int kPageSize = 50;
/// The largest export the server builds in memory; a longer one is refused (413) in favour
/// of a shorter period or `vulnwatch audit export` on the server.
constexpr std::size_t kMaxExport = 32 * 1024 * 1024;

std::optional<std::int64_t> positiveNumber(std::string_view text) {
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || n <= 0) {
        return std::nullopt;
    }
    return n;
}

/// A day "YYYY-MM-DD" (JST) or a time as `audit export --since` takes it.
std::optional<std::int64_t> dateValue(std::string_view text) {
    if (text.size() == 10) {
        if (const auto d = parseIsoDateTime(std::string(text) + "T00:00:00+09:00")) {
            return d->epoch;
        }
        return std::nullopt;
    }
    if (const auto d = parseIsoDateTime(text)) {
        return d->epoch;
    }
    return std::nullopt;
}

/// "YYYY-MM-DD" of a time in JST.
std::string dayText(std::int64_t t) {
    return formatIsoDateTime(DateTime{t, 540}).substr(0, 10);
}

/// A stream buffer that keeps at most `limit` bytes and notes that more were written.
class BoundedBuffer : public std::streambuf {
public:
    explicit BoundedBuffer(std::size_t limit) : limit_(limit) {}
    const std::string& text() const { return text_; }
    bool overflowed() const { return overflowed_; }

protected:
    int_type overflow(int_type ch) override {
        if (traits_type::eq_int_type(ch, traits_type::eof())) {
            return traits_type::not_eof(ch);
        }
        const char c = traits_type::to_char_type(ch);
        xsputn(&c, 1);
        return ch;
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        if (overflowed_ || text_.size() + static_cast<std::size_t>(n) > limit_) {
            overflowed_ = true;
            return n; // dropped: the caller refuses the export
        }
        text_.append(s, static_cast<std::size_t>(n));
        return n;
    }

private:
    std::size_t limit_;
    std::string text_;
    bool overflowed_ = false;
};

bool mayExport(const PageCall& call) {
    return call.principal && !call.principal->user.disabled &&
           (call.principal->user.role == UserRole::Admin ||
            call.principal->user.role == UserRole::Triager);
}

std::string problemLabel(const PageCall& call, AuditProblem p) {
    switch (p) {
    case AuditProblem::None:
        return call.t("正常", "holds");
    case AuditProblem::Edited:
        return call.t("改ざん (edited)", "edited");
    case AuditProblem::Deleted:
        return call.t("削除 (deleted)", "deleted");
    case AuditProblem::Reordered:
        return call.t("順序の不整合 (reordered)", "reordered");
    case AuditProblem::Truncated:
        return call.t("切り詰め (truncated)", "truncated");
    case AuditProblem::Rewritten:
        return call.t("書き換え (rewritten)", "rewritten");
    }
    return {};
}

/// The last walk of the chain, per store file: walking 100k events takes ~0.1 s of CPU, too
/// much for every view. It is walked again when the head has moved (a new event) or the last
/// walk is older than kVerifyFor (an edit of an old event shows within that time).
constexpr std::int64_t kVerifyFor = 300;

struct VerifyCache {
    std::mutex mutex;
    std::string path;
    AuditHead head;
    std::int64_t at = 0;
    AuditVerification result;
};

std::pair<AuditVerification, std::int64_t> verifiedChain(PageCall& call) {
    static VerifyCache cache;
    const AuditHead head = call.store.auditHead();
    const std::string& path = call.store.db().path();
    if (path.empty() || path == ":memory:") {
        return {verifyAuditChain(call.store), call.now}; // no file to key a cache on
    }
    {
        const std::lock_guard<std::mutex> lock(cache.mutex);
        if (cache.at != 0 && cache.path == path && cache.head.seq == head.seq &&
            cache.head.hash == head.hash && call.now >= cache.at &&
            call.now - cache.at < kVerifyFor) {
            return {cache.result, cache.at};
        }
    }
    AuditVerification result = verifyAuditChain(call.store);
    const std::lock_guard<std::mutex> lock(cache.mutex);
    cache.path = path;
    cache.head = head;
    cache.at = call.now;
    cache.result = result;
    return {std::move(result), call.now};
}

HttpResponse auditPage(PageCall& call) {
    std::int64_t before = 0;
    if (const std::string cursor = call.param("cursor"); !cursor.empty()) {
        const auto n = positiveNumber(cursor);
        if (!n) {
            return errorPage(
                call, 400,
                call.t("ページ位置 (cursor) が正しくありません。「次へ」のリンクを使ってください",
                       "the page position (cursor) is not valid; use the Next link"));
        }
        before = *n;
    }
    View v;
    // The chain as a whole (one read of every event: the same check as `audit verify`), on
    // the first page only: the older pages of events do not read the whole chain again.
    if (before == 0) {
        const auto [verification, checkedAt] = verifiedChain(call);
        View& chain = v.object("chain");
        chain.text("checked_at", pageTime(checkedAt));
        chain.flag("ok", verification.ok());
        chain.text("status", problemLabel(call, verification.problem));
        chain.text("problem", auditProblemName(verification.problem));
        chain.number("events", verification.events);
        chain.number("head_seq", verification.head.seq);
        chain.text("head_hash", verification.head.hash);
        chain.text("message",
                   describeAuditVerification(verification, std::nullopt, call.lang != Lang::En));
        if (!verification.ok()) {
            chain.number("bad_event", verification.badEvent);
        }
    }
    v.flag("verified", before == 0);
    v.text("l_verify_first", call.t("検証結果は最新のページに表示します。",
                                    "The verification is on the newest page."));
    v.text("l_chain", call.t("ハッシュチェーンの検証", "Hash chain verification"));
    v.text("l_result", call.t("結果", "Result"));
    v.text("l_events", call.t("検証できたイベント", "Events verified"));
    v.text("l_head", call.t("先頭 (最後のイベント)", "Head (last event)"));
    v.text("l_bad_event", call.t("最初の問題のイベント", "First bad event"));
    v.text("l_checked_at", call.t("検証した時刻 (新しいイベントが記録されるか 5 分経つと再検証)",
                                  "Verified at (again after a new event or 5 minutes)"));
    v.text("l_head_hint",
           call.t("この先頭 (SEQ と HASH) を外部に控えておくと、後で vulnwatch audit verify "
                  "--head HASH@SEQ で切り詰めや書き換えも検出できます。",
                  "Keep this head (SEQ and HASH) outside the server: vulnwatch audit verify "
                  "--head HASH@SEQ then also detects truncation and rewriting."));

    Store::ReadTransaction read(call.store);
    Statement s = call.store.db().prepare(
        "SELECT id, at, kind, text, json_extract(json, '$.actor'), json_extract(json, '$.case'), "
        "hash FROM event_log" +
        std::string(before != 0 ? " WHERE id < ?1" : "") + " ORDER BY id DESC LIMIT ?2");
    s.bind(1, before).bind(2, kPageSize + 1);
    int shown = 0;
    std::int64_t last = 0;
    bool more = false;
    while (s.step()) {
        if (shown == kPageSize) {
            more = true;
            break;
        }
        View& row = v.item("events");
        last = s.integer(0);
        row.number("seq", last);
        row.text("at", pageTime(s.integer(1)));
        row.text("kind", s.text(2)).text("text", s.text(3));
        row.text("actor", s.text(4));
        const std::string caseId = s.text(5);
        row.flag("has_case", positiveNumber(caseId).has_value()).text("case", caseId);
        row.text("hash", s.text(6).substr(0, 16));
        ++shown;
    }
    v.flag("has_events", shown > 0);
    v.text("l_latest", call.t("最近のイベント (新しい順)", "Latest events, newest first"));
    v.text("l_seq", call.t("番号", "Seq"));
    v.text("l_at", call.t("日時", "Time"));
    v.text("l_kind", call.t("種類", "Kind"));
    v.text("l_text", call.t("内容", "What happened"));
    v.text("l_actor", call.t("実行者", "Actor"));
    v.text("l_case", call.t("案件", "Case"));
    v.text("l_hash", call.t("ハッシュ (先頭 16 桁)", "Hash (first 16 digits)"));
    v.text("l_none", call.t("イベントはまだありません。", "No events yet."));
    v.text("l_pager", call.t("ページ", "Pages"));
    v.text("l_first", call.t("最新のページ", "Newest page"));
    v.text("l_next", call.t("さらに古いイベント", "Older events"));
    if (before != 0) {
        v.text("first_href", "/audit");
    }
    if (more) {
        v.text("next_href", "/audit?cursor=" + std::to_string(last));
    }
    v.flag("pager", before != 0 || more);

    v.text("l_export", call.t("監査証跡のエクスポート", "Export the audit trail"));
    v.flag("may_export", mayExport(call));
    v.text("l_export_hint",
           call.t("vulnwatch audit export と同じ内容をダウンロードします。期間 "
                  "(初日から、終日の翌日 0 時まで) か案件番号を指定します。",
                  "Downloads what vulnwatch audit export writes: the events of a period (from "
                  "the first day to the end of the last) or of one case."));
    v.text("l_export_denied",
           call.t("エクスポートはトリアージ担当 (triager) と管理者 (admin) が行えます。",
                  "Triagers and admins can export the audit trail."));
    v.text("l_since", call.t("開始日", "From"));
    v.text("l_until", call.t("終了日 (この日を含む、省略可)", "Until (inclusive, optional)"));
    v.text("l_case_no",
           call.t("案件番号 (指定すると案件のレポート)", "Case number (a case's report)"));
    v.text("l_format", call.t("形式", "Format"));
    v.text("l_format_text", call.t("テキストのレポート", "Text report"));
    v.text("l_format_jsonl",
           call.t("JSON Lines (正規化 JSON とハッシュ)", "JSON Lines (canonical JSON and hashes)"));
    v.text("l_download", call.t("ダウンロード", "Download"));
    v.text("since_default", dayText(call.now - 30 * 86400));
    return templatePage(call, call.t("監査", "Audit"), "audit", "audit", v);
}

HttpResponse exportDownload(PageCall& call) {
    if (!mayExport(call)) {
        return errorPage(
            call, 403,
            call.t(
                "監査証跡のエクスポートはトリアージ担当 (triager) と管理者 (admin) だけが行えます",
                "only triagers and admins can export the audit trail"));
    }
    AuditExportRequest request;
    const std::string format = call.param("format");
    if (!format.empty() && format != "text" && format != "jsonl") {
        return errorPage(
            call, 400,
            call.t("format は text か jsonl です ('", "format must be text or jsonl (not '") +
                format + "')");
    }
    request.jsonl = format == "jsonl";
    const std::string lang = call.param("lang");
    if (!lang.empty() && lang != "ja" && lang != "en") {
        return errorPage(call, 400,
                         call.t("lang は ja か en です ('", "lang must be ja or en (not '") + lang +
                             "')");
    }
    request.japanese = lang.empty() ? call.lang != Lang::En : lang == "ja";
    const std::string caseText(trim(call.param("case")));
    const std::string sinceText(trim(call.param("since")));
    const std::string untilText(trim(call.param("until")));
    std::string filename = "vulnwatch-audit";
    if (!caseText.empty()) {
        std::string digits = caseText;
        if (digits[0] == '#') {
            digits.erase(0, 1);
        }
        const auto id = positiveNumber(digits);
        if (!id) {
            return errorPage(call, 400,
                             call.t("案件は番号で指定します (例: 12) ('",
                                    "a case is named by its number (e.g. 12), not '") +
                                 caseText + "'" + call.t(")", ""));
        }
        // A case's export is the whole case: the period fields of the form do not apply.
        request.caseId = *id;
        filename += "-case-" + std::to_string(*id);
    } else {
        if (sinceText.empty()) {
            return errorPage(call, 400,
                             call.t("開始日 (since) か案件番号 (case) を指定してください",
                                    "give a start date (since) or a case number (case)"));
        }
        const auto since = dateValue(sinceText);
        if (!since) {
            return errorPage(call, 400,
                             call.t("開始日は 2026-11-01 の形で指定してください ('",
                                    "the start date is written like 2026-11-01 (not '") +
                                 sinceText + "')");
        }
        request.since = *since;
        if (!untilText.empty()) {
            const auto until = dateValue(untilText);
            if (!until) {
                return errorPage(call, 400,
                                 call.t("終了日は 2026-11-30 の形で指定してください ('",
                                        "the end date is written like 2026-11-30 (not '") +
                                     untilText + "')");
            }
            // A day is inclusive: up to the next midnight.
            request.until = untilText.size() == 10 ? *until + 86400 : *until;
            if (request.until <= request.since) {
                return errorPage(
                    call, 400,
                    call.t("終了日が開始日より前です", "the end date is before the start date"));
            }
        }
        filename += "-" + dayText(request.since);
        if (request.until != 0) {
            filename += "-" + dayText(request.until - 1);
        }
    }
    request.now = call.now;
    request.storePath = call.store.db().path();
    BoundedBuffer buffer(kMaxExport);
    std::ostream out(&buffer);
    std::ostringstream notes;
    const AuditExportOutcome outcome = writeAuditExport(call.store, request, out, notes);
    if (!outcome.found) {
        return errorPage(call, 404,
                         call.t("案件 " + std::to_string(request.caseId) + " はありません",
                                "there is no case " + std::to_string(request.caseId)));
    }
    if (buffer.overflowed()) {
        return errorPage(call, 413,
                         call.t("エクスポートが 32 MiB を超えます。期間を短くするか、サーバで "
                                "vulnwatch audit export を使ってください",
                                "the export is over 32 MiB: choose a shorter period or run "
                                "vulnwatch audit export on the server"));
    }
    HttpResponse r;
    r.contentType =
        request.jsonl ? "application/jsonl; charset=utf-8" : "text/plain; charset=utf-8";
    r.body = buffer.text();
    r.setHeader("Content-Disposition",
                "attachment; filename=\"" + filename + (request.jsonl ? ".jsonl" : ".txt") + "\"");
    r.setHeader("Content-Security-Policy", std::string(kPageCsp));
    r.setHeader("X-Vulnwatch-Audit-Chain", outcome.ok ? "holds" : "broken");
    return r;
}

} // namespace

HttpResponse auditRoute(PageCall& call, const std::vector<std::string>& rest) {
    if (call.isPost()) {
        HttpResponse r =
            errorPage(call, 405, call.t("このページは表示だけです", "this page is read-only"));
        r.setHeader("Allow", "GET, HEAD");
        return r;
    }
    if (rest.empty()) {
        return auditPage(call);
    }
    if (rest.size() == 1 && rest[0] == "export") {
        return exportDownload(call);
    }
    return errorPage(call, 404, call.t("ページがありません", "no such page"));
}

} // namespace vw::web
