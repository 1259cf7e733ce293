// The open cases in a digest (issue 12; notifiers/digest.h DigestContent::cases): listed
// overdue first then by due date, at most kDigestCasesShown with the rest counted, state names
// in both languages, due times in JST; a digest with no news but open cases is a digest; the
// HTML part lists them too, escaped.
#include "core/datetime.h"
#include "notifiers/digest.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace vw;

namespace {

/// Unix seconds of a time in Japan (UTC+9).
std::int64_t jst(int y, int m, int d, int hh, int mm) {
    return daysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) * 86400 +
           (hh - 9) * 3600 + mm * 60;
}

DigestCase openCase(std::int64_t id, std::int64_t due, const std::string& clock,
                    bool overdue = false) {
    DigestCase c;
    c.id = id;
    c.product = "Viewer";
    c.version = "3.2";
    c.title = "title of case " + std::to_string(id);
    c.advisory = "JVNDB-2026-00000" + std::to_string(id);
    c.state = CaseState::Received;
    c.due = due;
    c.clock = clock;
    c.overdue = overdue;
    c.ssvc = "Track";
    return c;
}

DigestEntry entry(const std::string& advisory) {
    DigestEntry e;
    e.advisory = advisory;
    e.clusterKey = advisory;
    e.title = "news " + advisory;
    e.score = 7.5;
    e.product = "Viewer";
    e.version = "3.2";
    e.component = "zlib";
    e.confidence = 90;
    e.reason = "cpe";
    return e;
}

DigestContent content(std::vector<DigestEntry> entries, std::vector<DigestCase> cases,
                      const std::string& language = "ja") {
    DigestContent d;
    d.notifier = "mail";
    d.recipient = "a@example.jp";
    d.language = language;
    d.periodStart = "2026-05-07 08:30 JST";
    d.periodEnd = "2026-05-08 08:30 JST";
    d.idempotencyKey = digestKey("mail", "a@example.jp", 1);
    d.entries = std::move(entries);
    d.cases = std::move(cases);
    d.sources = {{"jvndb-new", "2026-05-08 08:15 JST"}};
    d.auditHead = "audit head 42 " + std::string(64, 'a');
    return d;
}

std::size_t at(const std::string& text, const std::string& what, std::size_t from = 0) {
    const auto position = text.find(what, from);
    INFO("looking for: " << what << "\nin:\n" << text);
    REQUIRE(position != std::string::npos);
    return position;
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) {
        ++n;
    }
    return n;
}

/// Four cases given out of order: #4 due first, #2 overdue, #9 no running clock, #1 due last.
std::vector<DigestCase> fourCases() {
    DigestCase none = openCase(9, 0, "");
    none.state = CaseState::Informing;
    none.ssvc.clear();
    DigestCase overdue = openCase(2, jst(2026, 5, 1, 18, 0), "decide", true);
    overdue.state = CaseState::Evaluating;
    overdue.ssvc = "Act";
    DigestCase manual = openCase(1, jst(2026, 6, 27, 23, 59) + 59, "fix");
    manual.advisory.clear(); // opened by hand before any advisory
    manual.title = "病院からの報告";
    return {manual, none, overdue, openCase(4, jst(2026, 5, 11, 18, 0), "decide")};
}

} // namespace

TEST_CASE("open cases are listed overdue first then by due date", "[notifiers][digest][cases]") {
    const OutMessage m = renderDigest(content({entry("JVNDB-2026-000100")}, fourCases()));
    CHECK(m.subject == "[vulnwatch] ダイジェスト: 1 件、対応中の案件 4 件 (2026-05-08 08:30 JST)");
    const std::string& t = m.text;
    at(t, "件数: 1 (新規 1, 更新 0)\n対応中の案件: 4 件 (期限超過 1 件)\n");
    const auto news = at(t, "* [新規] JVNDB-2026-000100 news JVNDB-2026-000100");
    const auto section = at(t, "== 対応中の案件 (期限順) ==\n");
    CHECK(news < section); // the news first, then the open cases
    const auto c2 =
        at(t,
           "* [期限超過] 案件 #2 Viewer 3.2 — JVNDB-2026-000002 title of case 2\n"
           "  期限: 2026-05-01 18:00 JST (判断) / 状態: 評価 (evaluating) / SSVC: Act\n",
           section);
    const auto c4 =
        at(t,
           "* 案件 #4 Viewer 3.2 — JVNDB-2026-000004 title of case 4\n"
           "  期限: 2026-05-11 18:00 JST (判断) / 状態: 受付 (received) / SSVC: Track\n",
           section);
    const auto c1 = at(t,
                       "* 案件 #1 Viewer 3.2 — 病院からの報告\n"
                       "  期限: 2026-06-27 23:59 JST (修正)",
                       section);
    const auto c9 = at(t,
                       "* 案件 #9 Viewer 3.2 — JVNDB-2026-000009 title of case 9\n"
                       "  期限: なし / 状態: 医療機関への情報提供 (informing) / SSVC: 未評価\n",
                       section);
    CHECK(c2 < c4);
    CHECK(c4 < c1);
    CHECK(c1 < c9);
    CHECK(count(t, "[期限超過]") == 1);
    CHECK(c9 < at(t, "\n-- \n"));
    at(t, "監査チェーンの先頭: audit head 42 ");

    // The HTML in the same order, the overdue one marked.
    const std::string& h = m.html;
    const auto h2 = at(h, "<strong>#2</strong> Viewer 3.2");
    const auto h4 = at(h, "<strong>#4</strong> Viewer 3.2");
    const auto h1 = at(h, "<strong>#1</strong> Viewer 3.2");
    const auto h9 = at(h, "<strong>#9</strong> Viewer 3.2");
    CHECK(h2 < h4);
    CHECK(h4 < h1);
    CHECK(h1 < h9);
    CHECK(count(h, ">期限超過</span>") == 1);
    CHECK(at(h, ">期限超過</span>") < h2);
    at(h, ">対応中の案件 (期限順)</h2>");
    at(h, "4 (期限超過 1)</td>");
    at(h, "2026-05-01 18:00 JST (判断)</td>");
    at(h, ">評価 (evaluating)</td>");
    at(h, ">未評価</td>");
    CHECK(h.find("ほか") == std::string::npos);
}

TEST_CASE("at most 50 open cases are listed and the rest counted", "[notifiers][digest][cases]") {
    std::vector<DigestCase> cases;
    for (int i = 60; i >= 1; --i) { // given latest first
        cases.push_back(openCase(i, jst(2026, 5, 1, 18, 0) + i * 86400, "decide"));
    }
    for (const std::string language : {"ja", "en"}) {
        const OutMessage m = renderDigest(content({}, cases, language));
        const std::string& t = m.text;
        CHECK(count(t, "\n* ") == kDigestCasesShown);
        const bool ja = language == "ja";
        at(t, ja ? "案件 #1 Viewer" : "case #1 Viewer");
        at(t, ja ? "案件 #50 Viewer" : "case #50 Viewer");
        CHECK(t.find(ja ? "案件 #51 " : "case #51 ") == std::string::npos);
        at(t, ja ? "ほか 10 件は vulnwatch cases list で確認できます。\n"
                 : "10 more: see vulnwatch cases list.\n");
        at(m.html, ja ? "ほか 10 件は vulnwatch cases list" : "10 more: see vulnwatch cases list.");
        CHECK(count(m.html, "<strong>#") == kDigestCasesShown);
        CHECK(m.subject == (ja ? "[vulnwatch] ダイジェスト: 新着なし、対応中の案件 60 件 "
                                 "(2026-05-08 08:30 JST)"
                               : "[vulnwatch] Digest: nothing new, 60 open cases "
                                 "(2026-05-08 08:30 JST)"));
    }
}

TEST_CASE("a digest with no news but open cases lists them before the pipeline status",
          "[notifiers][digest][cases]") {
    std::vector<DigestCase> one{openCase(3, jst(2026, 5, 11, 18, 0), "decide")};
    const OutMessage ja = renderDigest(content({}, one));
    CHECK(ja.subject ==
          "[vulnwatch] ダイジェスト: 新着なし、対応中の案件 1 件 (2026-05-08 08:30 JST)");
    const auto nothing = at(ja.text, "前回のダイジェスト以降、新しい一致も更新もありません。");
    const auto listed = at(ja.text, "* 案件 #3 Viewer 3.2");
    const auto pipeline = at(ja.text, "パイプラインは稼働しています。");
    at(ja.text, "対応中の案件: 1 件 (期限超過 0 件)\n");
    CHECK(nothing < listed);
    CHECK(listed < pipeline);
    at(ja.text, "  jvndb-new: 2026-05-08 08:15 JST\n");
    const auto hNothing = at(ja.html, "新しい一致も更新もありません。");
    const auto hListed = at(ja.html, "<strong>#3</strong>");
    const auto hPipeline = at(ja.html, "パイプラインは稼働しています。");
    CHECK(hNothing < hListed);
    CHECK(hListed < hPipeline);

    const OutMessage en = renderDigest(content({}, one, "en"));
    CHECK(en.subject == "[vulnwatch] Digest: nothing new, 1 open case (2026-05-08 08:30 JST)");
    at(en.text, "Open cases: 1 (0 overdue)\n");
    at(en.text, "== Open cases (by due date) ==\n* case #3 Viewer 3.2 — JVNDB-2026-000003 title of "
                "case 3\n  Due: 2026-05-11 18:00 JST (decide) / State: received (受付) / SSVC: "
                "Track\n");
    at(en.html, ">Open cases (by due date)</h2>");
    at(en.html, ">received (受付)</td>");

    // Without open cases the heartbeat is as it always was.
    const OutMessage bare = renderDigest(content({}, {}));
    CHECK(bare.subject == "[vulnwatch] ダイジェスト: 新着なし (2026-05-08 08:30 JST)");
    CHECK(bare.text.find("対応中の案件") == std::string::npos);
    CHECK(bare.html.find("対応中の案件") == std::string::npos);
}

TEST_CASE("case text in a digest is cleaned and escaped", "[notifiers][digest][cases]") {
    DigestCase c = openCase(5, jst(2026, 5, 11, 18, 0), "inform\n[x]");
    c.title = "<script>alert(1)</script>\nsecond line\x1b[31m";
    c.product = "Viewer & <b>Co</b>";
    c.ssvc = "Track*";
    const OutMessage m = renderDigest(content({}, {c}));
    at(m.text, "* 案件 #5 Viewer & <b>Co</b> 3.2 — JVNDB-2026-000005 <script>alert(1)</script> "
               "second line [31m\n");
    at(m.text, "(inform [x])");
    CHECK(m.html.find("<script>") == std::string::npos);
    CHECK(m.html.find("<b>Co") == std::string::npos);
    at(m.html, "Viewer &amp; &lt;b&gt;Co&lt;/b&gt; 3.2");
    at(m.html, "&lt;script&gt;alert(1)&lt;/script&gt; second line");
    at(m.html, ">Track*</td>");
}
