// The dashboard (web/page_dashboard.cpp) on a real SQLite store in a temporary directory with
// cases opened through the daemon's case work, matches of several weeks and a failing source:
// the overdue cases first (a triager's products before the others), the counts by state and
// severity, the two charts with their numbers, the source health, and hostile text as text.
#include "config/config.h"
#include "daemon/cases.h"
#include "store/store.h"
#include "store/users.h"
#include "unit/store/store_test_support.h"
#include "web/headers.h"
#include "web/page_routes.h"
#include "web/pages.h"

#include <catch2/catch.hpp>
#include <regex>

using namespace vw;
using namespace vw::web;

namespace {

// Wednesday 2026-11-25 12:00 JST: this week began on Monday 2026-11-23.
constexpr std::int64_t kNow = 1'795'575'600;
constexpr std::int64_t kDay = 86400;
const std::string kPassword = "a long enough passphrase";
const std::string kHostile = "<script>alert(1)</script>";
const std::string kHostile2 = "\"><img src=x onerror=alert(1)>";

struct Board {
    test::TempDir dir;
    std::unique_ptr<Store> store = Store::open(dir.file("web.db"));
    FailedAuthLimiter limiter;
    std::unique_ptr<Pages> pages;
    std::int64_t oldViewer = 0, gateway = 0, fresh = 0;

    Board() {
        for (const char* name : {"Gateway", "Viewer"}) {
            Product p;
            p.name = name;
            p.version = "1.0";
            store->putProduct(p, kNow - 200 * kDay);
        }
        addUser(*store, "alice", UserRole::Admin, kPassword, {}, "test", kNow);
        addUser(*store, "tomo", UserRole::Triager, kPassword, {"Gateway"}, "test", kNow);
        const Routing routing;
        // Overdue: the Viewer case for longer than the Gateway case; one that is not overdue.
        oldViewer = openManualCase(*store, routing, "Viewer", "1.0", kHostile, "test", {},
                                   "Critical", kNow - 100 * kDay)
                        .id;
        gateway = openManualCase(*store, routing, "Gateway", "1.0", kHostile2, "test", {}, "High",
                                 kNow - 20 * kDay)
                      .id;
        fresh = openManualCase(*store, routing, "Gateway", "1.0", "fresh report", "test", {}, "",
                               kNow - kDay)
                    .id;
        // Matches: 3 this week, 1 five weeks before, 1 thirteen weeks before (not shown).
        Advisory a;
        a.source = "jvn-rss";
        a.id = "JVNDB-2026-000001";
        a.aliases = {"CVE-2026-0001"};
        a.title = "t";
        const std::int64_t cluster = store->upsertRecord("jvndb", a, kNow - 300 * kDay).clusterId;
        const std::vector<std::pair<std::string, std::int64_t>> matches{{"a", kNow - kDay},
                                                                        {"b", kNow},
                                                                        {"c", kNow - 2 * kDay},
                                                                        {"d", kNow - 35 * kDay},
                                                                        {"e", kNow - 91 * kDay}};
        for (const auto& [component, at] : matches) {
            Match m;
            m.advisory = a.id;
            m.product = "Viewer";
            m.version = "1.0";
            m.component = component;
            m.confidence = 80;
            m.method = "keyword";
            m.reason = "r";
            REQUIRE(store->insertMatch(cluster, m, at));
        }
        SourceStateRow failing;
        failing.lastSuccess = kNow - 3 * kDay;
        failing.lastAttempt = kNow - 600;
        failing.errorCount = 4;
        failing.lastError = "HTTP 503 " + kHostile;
        failing.lastNewItem = kNow - 10 * kDay;
        failing.alert = "failing";
        store->saveSourceState("jvndb", failing);
        PageSettings settings;
        settings.api.sources.push_back(
            {"jvndb", "jvn-rss", "https://jvndb.jvn.jp/x.rdf", true, std::chrono::seconds(900)});
        settings.api.sources.push_back(
            {"mail", "imap", "imaps://mail.example/INBOX", true, std::chrono::seconds(300)});
        pages = std::make_unique<Pages>(std::move(settings), limiter);
    }

    HttpResponse get(const std::string& user, const std::string& target = "/",
                     const std::string& extraCookie = "") {
        const NewSession session = createSession(*store, user, kNow, 3600);
        HttpRequest r;
        r.method = "GET";
        r.path = target;
        r.headers = {{"Host", "vw.example"},
                     {"Cookie", "vw_session=" + session.token + extraCookie}};
        r.clientIp = "192.0.2.1";
        auto response = pages->handle(r, *store, kNow);
        REQUIRE(response);
        return std::move(*response);
    }
};

bool has(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

/// The part of `html` from the element with id `id` to the end of its table or section.
std::string part(const std::string& html, const std::string& id, const std::string& end) {
    const auto from = html.find("id=\"" + id + "\"");
    REQUIRE(from != std::string::npos);
    const auto to = html.find(end, from);
    REQUIRE(to != std::string::npos);
    return html.substr(from, to - from);
}

} // namespace

TEST_CASE("The dashboard lists the overdue cases first with links and escaped titles",
          "[web][dashboard]") {
    Board b;
    const HttpResponse r = b.get("alice");
    REQUIRE(r.status == 200);
    CHECK(r.header("Content-Security-Policy") == kPageCsp);
    CHECK(r.contentType == "text/html; charset=utf-8");
    const std::string& html = r.body;
    CHECK_FALSE(has(html, kHostile));
    CHECK_FALSE(has(html, "<img src=x"));
    CHECK(has(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    CHECK(has(html, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    // The overdue section comes before the counts, charts and sources.
    CHECK(html.find("id=\"dash-overdue\"") < html.find("id=\"dash-counts\""));
    CHECK(html.find("id=\"dash-counts\"") < html.find("id=\"dash-charts\""));
    const std::string overdue = part(html, "overdue-cases", "</table>");
    const auto viewer = overdue.find("href=\"/cases/" + std::to_string(b.oldViewer) + "\"");
    const auto gateway = overdue.find("href=\"/cases/" + std::to_string(b.gateway) + "\"");
    REQUIRE(viewer != std::string::npos);
    REQUIRE(gateway != std::string::npos);
    CHECK(viewer < gateway); // the longest overdue first
    CHECK_FALSE(has(overdue, "/cases/" + std::to_string(b.fresh) + "\""));
    CHECK(has(html, "期限を過ぎた案件: 2 件"));
    CHECK(has(overdue, "badge sev-critical"));
    CHECK(has(overdue, "判断期限"));
    CHECK_FALSE(has(html, "id=\"dash-mine\"")); // an admin has no products of their own
}

TEST_CASE("A triager sees their own products first", "[web][dashboard]") {
    Board b;
    const HttpResponse r = b.get("tomo");
    REQUIRE(r.status == 200);
    const std::string overdue = part(r.body, "overdue-cases", "</table>");
    const auto viewer = overdue.find("href=\"/cases/" + std::to_string(b.oldViewer) + "\"");
    const auto gateway = overdue.find("href=\"/cases/" + std::to_string(b.gateway) + "\"");
    REQUIRE(viewer != std::string::npos);
    REQUIRE(gateway != std::string::npos);
    CHECK(gateway < viewer);
    CHECK(has(overdue, "<tr class=\"own\">"));
    const std::string mine = part(r.body, "dash-mine", "</section>");
    CHECK(has(mine, "<div class=\"big\" id=\"mine-open\">2</div>"));
    CHECK(has(mine, "id=\"mine-overdue\">1</div>"));
    CHECK(has(mine, "<a href=\"/cases?product=Gateway\">Gateway</a>"));
}

TEST_CASE("The dashboard counts cases by state and severity", "[web][dashboard]") {
    Board b;
    const std::string html = b.get("alice").body;
    const std::string states = part(html, "cases-by-state", "</table>");
    CHECK(has(states, "<a href=\"/cases?state=received\">受付</a></th><td class=\"num\">3</td>"));
    CHECK(has(states, "<a href=\"/cases?state=closed\">完了</a></th><td class=\"num\">0</td>"));
    CHECK(has(states, "<td class=\"num\">3</td></tr></tfoot>"));
    const std::string severity = part(html, "open-by-severity", "</table>");
    CHECK(has(severity, "sev-critical\">緊急</span></th><td class=\"num\">1</td>"));
    CHECK(has(severity, "sev-high\">重要</span></th><td class=\"num\">1</td>"));
    CHECK(has(severity, "sev-medium\">警告</span></th><td class=\"num\">0</td>"));
    CHECK(has(severity, "<td class=\"num\">3</td></tr></tfoot>"));
    // The case without a severity: Unscored (its severity is from no score).
    CHECK(has(severity, "未評価</span></th><td class=\"num\">1</td>"));
}

TEST_CASE("The dashboard charts new matches per week and open cases by age", "[web][dashboard]") {
    Board b;
    const std::string html = b.get("alice").body;
    const std::string matches = part(html, "figure-matches", "</figure>");
    CHECK(has(matches, "role=\"img\""));
    CHECK(has(matches, "<title id=\"chart-matches-title\">"));
    // This week (from Monday 11/23): 3; the week of 10/19: 1; 13 weeks ago is not shown.
    CHECK(has(matches, "<th scope=\"row\">11/23</th><td class=\"num\">3</td>"));
    CHECK(has(matches, "<th scope=\"row\">10/19</th><td class=\"num\">1</td>"));
    CHECK(has(matches, "<th scope=\"row\">09/07</th><td class=\"num\">0</td>")); // the first
    const std::regex rows("<tr><th scope=\"row\">");
    CHECK(std::distance(std::sregex_iterator(matches.begin(), matches.end(), rows),
                        std::sregex_iterator()) == 12);
    const std::regex bars("<rect class=\"bar\"");
    CHECK(std::distance(std::sregex_iterator(matches.begin(), matches.end(), bars),
                        std::sregex_iterator()) == 2);
    const std::string ages = part(html, "figure-ages", "</figure>");
    CHECK(has(ages, "<th scope=\"row\">0〜7日</th><td class=\"num\">1</td>"));
    CHECK(has(ages, "<th scope=\"row\">8〜30日</th><td class=\"num\">1</td>"));
    CHECK(has(ages, "<th scope=\"row\">31〜90日</th><td class=\"num\">0</td>"));
    CHECK(has(ages, "<th scope=\"row\">91日以上</th><td class=\"num\">1</td>"));
}

TEST_CASE("The dashboard shows each configured source's health", "[web][dashboard]") {
    Board b;
    const std::string html = b.get("alice").body;
    const std::string sources = part(html, "source-health", "</table>");
    CHECK(has(sources, "<th scope=\"row\">jvndb</th><td>jvn-rss</td><td><span class=\"badge "
                       "src-bad\">失敗中</span></td><td>2026-11-22 12:00</td><td "
                       "class=\"num\">4</td>"));
    CHECK(has(sources, "HTTP 503 &lt;script&gt;alert(1)&lt;/script&gt;"));
    CHECK(has(sources, "<td>10 日</td>"));
    CHECK(has(sources, "<th scope=\"row\">mail</th><td>imap</td><td><span class=\"badge "
                       "src-off\">未取得</span></td><td>なし</td>"));
}

TEST_CASE("The dashboard speaks English and is empty on an empty store", "[web][dashboard]") {
    Board b;
    const std::string en = b.get("alice", "/", "; vw_lang=en").body;
    CHECK(has(en, "<html lang=\"en\">"));
    CHECK(has(en, "Overdue cases"));
    CHECK(has(en, "2 overdue cases"));
    CHECK(has(en, "<th scope=\"row\">0–7 d</th>"));
    CHECK(has(en, "failing"));

    test::TempDir dir;
    auto store = Store::open(dir.file("empty.db"));
    addUser(*store, "vic", UserRole::Viewer, kPassword, {}, "test", kNow);
    FailedAuthLimiter limiter;
    Pages pages(PageSettings{}, limiter);
    const NewSession session = createSession(*store, "vic", kNow, 3600);
    HttpRequest r;
    r.method = "GET";
    r.path = "/";
    r.headers = {{"Cookie", "vw_session=" + session.token}};
    const auto page = pages.handle(r, *store, kNow);
    REQUIRE(page);
    CHECK(page->status == 200);
    CHECK(has(page->body, "期限を過ぎた案件はありません。"));
    CHECK_FALSE(has(page->body, "id=\"overdue-cases\""));
    CHECK(has(page->body, "この 12 週に新しい照合結果はありません"));
    CHECK(has(page->body, "未完了の案件はありません"));
    CHECK(has(page->body, "情報源が設定されていません"));
    // Other paths under / are not the dashboard's.
    r.path = "/nothing-here/x";
    CHECK_FALSE(pages.handle(r, *store, kNow));
}
