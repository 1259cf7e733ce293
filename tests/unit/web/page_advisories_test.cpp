// The advisories, deliveries and audit pages (web/page_advisories.cpp, page_deliveries.cpp,
// page_audit.cpp) through Pages::handle with a real SQLite store in a temporary folder:
// search by alias and text, filters, pages, the vulnerability and advisory pages, hostile
// text shown as text, dead letters and the admin's retry (audited with the user), the audit
// verification and the export download equal to what `vulnwatch audit export` writes.
#include "daemon/cases.h"
#include "daemon/pipeline.h"
#include "store/audit.h"
#include "store/audit_export.h"
#include "store/store.h"
#include "store/users.h"
#include "web/auth.h"
#include "web/pages.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <random>
#include <sstream>

using namespace vw;
using namespace vw::web;

namespace {

constexpr std::int64_t kNow = 1'790'000'000; // 2026-09-22
const std::string kPassword = "a long enough passphrase";
const std::string kHostile = "<script>alert(1)</script>";
const std::string kHostile2 = "\"><img src=x onerror=alert(1)>";

Advisory log4j(double score = 10.0) {
    Advisory a;
    a.source = "vuldef";
    a.id = "JVNDB-2021-005429";
    a.aliases = {"CVE-2021-44228"};
    a.title = "Apache Log4j における任意のコードが実行可能な脆弱性";
    a.summary = "Apache Log4j には任意のコードが実行可能な脆弱性があります。";
    a.url = "https://jvndb.jvn.jp/ja/contents/2021/JVNDB-2021-005429.html";
    a.cvss = {{"3.0", score, score >= 9 ? "Critical" : "High",
               "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}};
    a.cpes = {"cpe:/a:apache:log4j"};
    return a;
}

Advisory hostile() {
    Advisory a;
    a.source = "jvn-rss";
    a.id = "JVNDB-2024-000001";
    a.aliases = {"CVE-2024-0001"};
    a.title = kHostile + " " + kHostile2;
    a.summary = kHostile2;
    a.url = "javascript:alert(1)";
    a.cvss = {{"3.0", 5.0, "Medium", "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N"}};
    return a;
}

Advisory jvnvu() {
    Advisory a;
    a.source = "jvn";
    a.id = "JVNVU#12345678";
    a.aliases = {"CVE-2021-44228"};
    a.title = "Apache Log4j の脆弱性 (JVN)";
    a.url = "https://jvn.jp/vu/JVNVU12345678/";
    return a;
}

Product viewerProduct() {
    Product p;
    p.name = "Example Imaging Viewer";
    p.version = "3.2";
    p.owners = {"owner@example.jp"};
    p.components = {{"apache",
                     "log4j-core",
                     "2.14.1",
                     {"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"},
                     "",
                     ""}};
    return p;
}

ParseResult batchOf(std::vector<Advisory> records) {
    ParseResult batch;
    batch.records = std::move(records);
    return batch;
}

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::random_device rd;
        path = std::filesystem::temp_directory_path() /
               ("vw-page-adv-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

struct Session {
    std::string cookie;
    std::string csrf;
};

struct Fixture {
    TempDir dir;
    std::string dbPath = (dir.path / "vulnwatch.db").string();
    std::unique_ptr<Store> store = Store::open(dbPath);
    FailedAuthLimiter limiter{FailedAuthLimiter::Settings{3, 600, 600, 100}};
    std::unique_ptr<Pages> pages;
    Session admin, viewer, triager;

    Fixture() {
        store->putProduct(viewerProduct(), kNow - 7200);
        addUser(*store, "alice", UserRole::Admin, kPassword, {}, "test", kNow);
        addUser(*store, "vic", UserRole::Viewer, kPassword, {}, "test", kNow);
        addUser(*store, "tomo", UserRole::Triager, kPassword, {"Example Imaging Viewer"}, "test",
                kNow);
        admin = session("alice");
        viewer = session("vic");
        triager = session("tomo");
        PageSettings settings;
        settings.dbPath = dbPath;
        pages = std::make_unique<Pages>(std::move(settings), limiter);
    }

    Session session(const std::string& user) {
        const NewSession s = createSession(*store, user, kNow, 3600);
        return {std::string(kSessionCookie) + "=" + s.token, s.csrf};
    }

    void ingest(std::vector<Advisory> records, const std::string& channel, std::int64_t at) {
        ingestBatch(*store, Routing(), channel, batchOf(std::move(records)), at);
    }

    web::HttpResponse get(const std::string& target, const Session& who,
                          const std::string& lang = "") {
        return call("GET", target, who, "", lang);
    }

    web::HttpResponse call(const std::string& method, const std::string& target, const Session& who,
                           const std::string& form = "", const std::string& lang = "") {
        web::HttpRequest r;
        r.method = method;
        const auto q = target.find('?');
        r.path = target.substr(0, q);
        r.query = q == std::string::npos ? "" : target.substr(q + 1);
        std::string cookie = who.cookie;
        if (!lang.empty()) {
            cookie += "; vw_lang=" + lang;
        }
        if (!cookie.empty()) {
            r.headers.emplace_back("Cookie", cookie);
        }
        r.headers.emplace_back("Host", "127.0.0.1:8080");
        if (method == "POST") {
            r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
            r.headers.emplace_back("Origin", "http://127.0.0.1:8080");
            r.body = form;
        }
        r.clientIp = "192.0.2.1";
        const std::optional<web::HttpResponse> response = pages->handle(r, *store, kNow);
        REQUIRE(response.has_value());
        return *response;
    }
};

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

int countOf(const std::string& text, const std::string& part) {
    int n = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
        ++n;
    }
    return n;
}

/// The hostile strings appear only escaped.
void requireEscaped(const std::string& body) {
    CHECK_FALSE(has(body, kHostile));
    CHECK_FALSE(has(body, "<img src=x"));
    CHECK_FALSE(has(body, "onerror=alert(1)>"));
}

} // namespace

TEST_CASE("the advisories list searches by alias and text with filters",
          "[web][pages][advisories]") {
    Fixture f;
    f.ingest({log4j(), hostile()}, "jvndb", kNow - 3600);
    f.ingest({jvnvu()}, "jvn-feed", kNow - 1800);

    web::HttpResponse r = f.get("/advisories", f.viewer);
    REQUIRE(r.status == 200);
    CHECK(has(r.header("Content-Security-Policy"), "default-src 'none'"));
    CHECK(has(r.body, "href=\"/advisories/JVNDB-2021-005429\""));
    CHECK(has(r.body, "href=\"/advisories/JVNDB-2024-000001\""));
    CHECK(has(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    CHECK(has(r.body, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    requireEscaped(r.body);
    CHECK(has(r.body, "id=\"advisory-search\""));
    CHECK(has(r.body, "<html lang=\"ja\">"));

    // Filters: a minimum score, matched only, a product, a period of first seen.
    r = f.get("/advisories?min_score=7.0", f.viewer);
    CHECK(has(r.body, "JVNDB-2021-005429"));
    CHECK_FALSE(has(r.body, "JVNDB-2024-000001"));
    r = f.get("/advisories?matched=1", f.viewer);
    CHECK(has(r.body, "JVNDB-2021-005429"));
    CHECK_FALSE(has(r.body, "JVNDB-2024-000001"));
    r = f.get("/advisories?product=Example+Imaging+Viewer", f.viewer);
    CHECK(has(r.body, "JVNDB-2021-005429"));
    CHECK_FALSE(has(r.body, "href=\"/advisories/JVNDB-2024-000001\""));
    r = f.get("/advisories?product=Other", f.viewer);
    CHECK(has(r.body, "id=\"advisory-none\""));
    r = f.get("/advisories?from=2026-09-21&to=2026-09-21", f.viewer);
    CHECK(has(r.body, "JVNDB-2021-005429"));
    r = f.get("/advisories?to=2026-09-01", f.viewer);
    CHECK_FALSE(has(r.body, "JVNDB-2021-005429"));

    // Text search on titles and aliases.
    r = f.get("/advisories?q=log4j", f.viewer);
    REQUIRE(r.status == 200);
    CHECK(has(r.body, "JVNDB-2021-005429"));
    CHECK_FALSE(has(r.body, "JVNDB-2024-000001"));

    // An id the store knows goes to its page, whatever its form.
    r = f.get("/advisories?q=cve-2021-44228", f.viewer);
    CHECK(r.status == 303);
    CHECK(r.header("Location") == "/advisories/CVE-2021-44228");
    r = f.get("/advisories?q=JVNVU12345678", f.viewer);
    CHECK(r.status == 303);
    CHECK(r.header("Location") == "/advisories/JVNVU%2312345678");
    r = f.get("/advisories?q=JVNVU%2312345678", f.viewer);
    CHECK(r.header("Location") == "/advisories/JVNVU%2312345678");

    // Bad input: a clear 400.
    r = f.get("/advisories?min_score=high", f.viewer);
    CHECK(r.status == 400);
    CHECK(has(r.body, "CVSS"));
    CHECK(f.get("/advisories?min_score=11", f.viewer).status == 400);
    r = f.get("/advisories?from=2026-13-01", f.viewer, "en");
    CHECK(r.status == 400);
    CHECK(has(r.body, "dates are written YYYY-MM-DD"));
    CHECK(f.get("/advisories?from=2026-09-10&to=2026-09-01", f.viewer).status == 400);
    CHECK(f.get("/advisories?cursor=x", f.viewer).status == 400);
    CHECK(f.get("/advisories?q=" + std::string(201, 'a'), f.viewer).status == 400);
    // Hostile input is echoed as text: in the search field, the product select, an error.
    r = f.get("/advisories?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E&product=%22%3E%3Cimg%20src%3Dx%20"
              "onerror%3Dalert(1)%3E",
              f.viewer);
    REQUIRE(r.status == 200);
    requireEscaped(r.body);
    CHECK(has(r.body, "value=\"&lt;script&gt;alert(1)&lt;/script&gt;\""));
    r = f.get("/advisories?min_score=%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E", f.viewer);
    CHECK(r.status == 400);
    requireEscaped(r.body);

    // No login: to the login page.
    r = f.get("/advisories?q=x", Session{});
    CHECK(r.status == 303);
    CHECK(r.header("Location") == "/login?next=%2Fadvisories%3Fq%3Dx");
}

TEST_CASE("the advisories list pages with a cursor", "[web][pages][advisories]") {
    Fixture f;
    std::vector<Advisory> many;
    for (int i = 1; i <= 55; ++i) {
        Advisory a;
        a.source = "jvn-rss";
        char id[32];
        std::snprintf(id, sizeof id, "JVNDB-2025-%06d", i);
        a.id = id;
        a.title = "record " + std::to_string(i);
        f.ingest({a}, "jvndb", kNow - 10000 + i);
    }
    web::HttpResponse first = f.get("/advisories?q=record", f.viewer);
    REQUIRE(first.status == 200);
    CHECK(countOf(first.body, "<tr><td class=\"nowrap\"><a href=\"/advisories/") == 50);
    CHECK(has(first.body, "JVNDB-2025-000055")); // newest first
    CHECK_FALSE(has(first.body, "JVNDB-2025-000005<"));
    const auto at = first.body.find("id=\"advisory-next\" href=\"");
    REQUIRE(at != std::string::npos);
    const auto start = at + std::string("id=\"advisory-next\" href=\"").size();
    std::string next = first.body.substr(start, first.body.find('"', start) - start);
    // &amp; in the attribute is & in the URL.
    for (auto amp = next.find("&amp;"); amp != std::string::npos; amp = next.find("&amp;")) {
        next.replace(amp, 5, "&");
    }
    CHECK(has(next, "q=record"));
    const web::HttpResponse second = f.get(next, f.viewer);
    REQUIRE(second.status == 200);
    CHECK(countOf(second.body, "<tr><td class=\"nowrap\"><a href=\"/advisories/") == 5);
    CHECK(has(second.body, "JVNDB-2025-000001"));
    CHECK_FALSE(has(second.body, "JVNDB-2025-000055"));
    CHECK_FALSE(has(second.body, "id=\"advisory-next\""));
    CHECK(has(second.body, "id=\"advisory-first\""));
}

TEST_CASE("the vulnerability page shows channels revisions matches and cases",
          "[web][pages][advisories]") {
    Fixture f;
    f.ingest({log4j(9.0)}, "jvndb", kNow - 7200);
    f.ingest({jvnvu()}, "jvn-feed", kNow - 3600);
    f.ingest({log4j(10.0)}, "jvndb", kNow - 600); // a material revision: the score changed
    f.ingest({hostile()}, "jvndb", kNow - 60);

    web::HttpResponse r = f.get("/advisories/CVE-2021-44228", f.viewer);
    REQUIRE(r.status == 200);
    CHECK(has(r.body, "<title>JVNDB-2021-005429 — vulnwatch</title>"));
    CHECK(has(r.body, "jvndb"));
    CHECK(has(r.body, "2026-09-21 21:13")); // first seen by the channel (JST)
    CHECK(has(r.body, "href=\"https://jvndb.jvn.jp/ja/contents/2021/JVNDB-2021-005429.html\""));
    CHECK(has(r.body, "href=\"/advisories/JVNVU%2312345678\""));
    // What changed: the score before and after.
    CHECK(has(r.body, "id=\"advisory-revisions\""));
    CHECK(has(r.body, "<span class=\"before\">"));
    CHECK(has(r.body, "10"));
    // The match and the case it opened.
    CHECK(has(r.body, "Example Imaging Viewer"));
    CHECK(has(r.body, "log4j-core"));
    const std::vector<Case> cases = listCases(*f.store, CaseFilter{});
    REQUIRE_FALSE(cases.empty());
    CHECK(has(r.body, "href=\"/cases/" + std::to_string(cases.front().id) + "\""));
    // Same page by its other alias; English labels with the switch.
    r = f.get("/advisories/JVNDB-2021-005429", f.viewer, "en");
    REQUIRE(r.status == 200);
    CHECK(has(r.body, "Records per channel"));
    CHECK(has(r.body, "<html lang=\"en\">"));

    // The advisory page lists the vulnerabilities it covers; the router decoded %23.
    r = f.get("/advisories/JVNVU%2312345678", f.viewer);
    REQUIRE(r.status == 200);
    CHECK(has(r.body, "<title>JVNVU#12345678 — vulnwatch</title>"));
    CHECK(has(r.body, "id=\"advisory-clusters\""));
    CHECK(has(r.body, "href=\"/advisories/JVNDB-2021-005429\""));
    CHECK(f.get("/advisories/jvnvu12345678", f.viewer).status == 200);

    // Hostile text stays text; a javascript: URL is no link.
    r = f.get("/advisories/JVNDB-2024-000001", f.viewer);
    REQUIRE(r.status == 200);
    requireEscaped(r.body);
    CHECK(has(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    CHECK_FALSE(has(r.body, "href=\"javascript:"));

    // Nothing by that name: 404, with the name escaped.
    r = f.get("/advisories/CVE-1999-0001", f.viewer);
    CHECK(r.status == 404);
    CHECK(has(r.body, "CVE-1999-0001"));
    r = f.get("/advisories/%3Cscript%3Ealert(1)%3C%2Fscript%3E", f.viewer);
    CHECK(r.status == 404);
    requireEscaped(r.body);
    CHECK(f.get("/advisories/CVE-2021-44228/x", f.viewer).status == 404);
    CHECK(f.call("POST", "/advisories", f.admin, "csrf=" + f.admin.csrf).status == 405);
}

TEST_CASE("the deliveries page filters states and marks dead letters", "[web][pages][deliveries]") {
    Fixture f;
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 3; ++i) {
        OutMessage m;
        m.notifier = "mail";
        m.recipient = "owner@example.jp";
        m.subject = (i == 2 ? kHostile : "[vulnwatch] message " + std::to_string(i));
        m.text = "body";
        m.idempotencyKey = "key-" + std::to_string(i);
        ids.push_back(f.store->enqueue(m, kNow - 100, kNow - 100));
    }
    f.store->markDelivered(ids[0], "250 2.0.0 OK queued", kNow - 50);
    f.store->markDead(ids[2], "550 5.1.1 " + kHostile2, kNow - 40);

    web::HttpResponse r = f.get("/deliveries", f.viewer);
    REQUIRE(r.status == 200);
    CHECK(has(r.body, "id=\"delivery-" + std::to_string(ids[0]) + "\""));
    CHECK(has(r.body, "id=\"delivery-dead-notice\""));
    requireEscaped(r.body);
    CHECK(has(r.body, "550 5.1.1 &quot;&gt;&lt;img"));
    CHECK_FALSE(has(r.body, "id=\"requeue-")); // a viewer gets no retry form

    r = f.get("/deliveries?state=dead", f.viewer);
    REQUIRE(r.status == 200);
    CHECK(has(r.body, "id=\"delivery-" + std::to_string(ids[2]) + "\""));
    CHECK(has(r.body, "dead-letter"));
    CHECK_FALSE(has(r.body, "id=\"delivery-" + std::to_string(ids[0]) + "\""));
    CHECK_FALSE(has(r.body, "id=\"delivery-" + std::to_string(ids[1]) + "\""));
    r = f.get("/deliveries?state=pending", f.viewer);
    CHECK(has(r.body, "id=\"delivery-" + std::to_string(ids[1]) + "\""));
    CHECK_FALSE(has(r.body, "id=\"delivery-" + std::to_string(ids[2]) + "\""));
    r = f.get("/deliveries?state=lost", f.viewer, "en");
    CHECK(r.status == 400);
    CHECK(has(r.body, "state must be pending, delivered or dead"));

    // One message with its ledger.
    r = f.get("/deliveries/" + std::to_string(ids[0]), f.viewer);
    REQUIRE(r.status == 200);
    CHECK(has(r.body, "250 2.0.0 OK queued"));
    CHECK(f.get("/deliveries/999", f.viewer).status == 404);

    // Admins may queue a dead letter again: audited with the user.
    r = f.get("/deliveries?state=dead", f.admin);
    const std::string form = "id=\"requeue-" + std::to_string(ids[2]) + "\"";
    CHECK(has(r.body, form));
    CHECK_FALSE(has(r.body, "id=\"requeue-" + std::to_string(ids[1]) + "\"")); // pending
    const std::string retry = "/deliveries/" + std::to_string(ids[2]) + "/retry";
    CHECK(f.call("POST", retry, f.viewer, "csrf=" + f.viewer.csrf).status == 403);
    CHECK(f.call("POST", retry, f.triager, "csrf=" + f.triager.csrf).status == 403);
    CHECK(f.call("POST", retry, f.admin, "csrf=wrong").status == 403);
    CHECK(f.call("GET", retry, f.admin).status == 405);
    CHECK(f.store->outboxRows("dead", 10).size() == 1);
    r = f.call("POST", retry, f.admin, "csrf=" + f.admin.csrf);
    CHECK(r.status == 303);
    CHECK(r.header("Location") == "/deliveries?requeued=" + std::to_string(ids[2]));
    CHECK(f.store->outboxRows("dead", 10).empty());
    CHECK(f.store->attempts(ids[2]) == 0);
    auto q = f.store->db().prepare(
        "SELECT json_extract(json, '$.actor'), text FROM event_log WHERE kind = 'delivery' "
        "ORDER BY id DESC LIMIT 1");
    REQUIRE(q.step());
    CHECK(q.text(0) == "alice");
    CHECK(q.text(1) == "message " + std::to_string(ids[2]) + " queued again by hand");
    // A pending message cannot be queued again.
    CHECK(f.call("POST", retry, f.admin, "csrf=" + f.admin.csrf).status == 409);
    CHECK(verifyAuditChain(*f.store).ok());
}

TEST_CASE("the audit page shows the verification and exports as the CLI does",
          "[web][pages][audit]") {
    Fixture f;
    f.ingest({log4j(), hostile()}, "jvndb", kNow - 3600);
    const AuditVerification v = verifyAuditChain(*f.store);
    REQUIRE(v.ok());
    REQUIRE(v.events > 2);

    web::HttpResponse r = f.get("/audit", f.viewer);
    REQUIRE(r.status == 200);
    CHECK(has(r.body, "id=\"audit-verify\""));
    CHECK(has(r.body, "data-problem=\"ok\""));
    CHECK(has(r.body, v.head.hash));
    CHECK(has(r.body, "<dd id=\"audit-events-count\">" + std::to_string(v.events) + "</dd>"));
    CHECK(has(r.body, "id=\"audit-event-" + std::to_string(v.head.seq) + "\""));
    CHECK(has(r.body, "id=\"audit-export-denied\"")); // a viewer does not export
    requireEscaped(r.body);
    r = f.get("/audit", f.triager);
    CHECK(has(r.body, "id=\"audit-export\""));

    // The export: viewers no, triagers and admins yes, as an attachment.
    CHECK(f.get("/audit/export?since=2026-09-01", f.viewer).status == 403);
    r = f.get("/audit/export?since=2026-09-01&format=jsonl", f.triager);
    REQUIRE(r.status == 200);
    CHECK(r.header("Content-Disposition") ==
          "attachment; filename=\"vulnwatch-audit-2026-09-01.jsonl\"");
    CHECK(countOf(r.body, "\n") == v.events);
    AuditExportRequest request;
    request.jsonl = true;
    request.since = 1'788'188'400; // 2026-09-01 00:00 JST
    std::ostringstream expected, notes;
    writeAuditExport(*f.store, request, expected, notes);
    CHECK(r.body == expected.str());

    r = f.get("/audit/export?since=2026-09-01&until=2026-09-30&lang=en", f.admin);
    REQUIRE(r.status == 200);
    CHECK(r.contentType == "text/plain; charset=utf-8");
    CHECK(r.header("Content-Disposition") ==
          "attachment; filename=\"vulnwatch-audit-2026-09-01-2026-09-30.txt\"");
    CHECK(r.body.rfind("Audit trail (vulnwatch audit export)\n", 0) == 0);
    // The store it names: the file, or on PostgreSQL the (redacted) URL of the database.
    const std::string location = f.store->db().isPostgres() ? f.store->db().path() : f.dbPath;
    CHECK(has(r.body, "store: " + location + "\n"));
    CHECK(has(r.body, "events in the period: " + std::to_string(v.events)));
    CHECK(r.header("X-Vulnwatch-Audit-Chain") == "holds");

    // Bad or missing input: clear errors; an unknown case: 404.
    CHECK(f.get("/audit/export", f.admin).status == 400);
    CHECK(f.get("/audit/export?since=yesterday", f.admin).status == 400);
    CHECK(f.get("/audit/export?since=2026-09-01&format=pdf", f.admin).status == 400);
    CHECK(f.get("/audit/export?case=abc", f.admin).status == 400);
    r = f.get("/audit/export?case=999", f.admin);
    CHECK(r.status == 404);
    const std::vector<Case> cases = listCases(*f.store, CaseFilter{});
    REQUIRE_FALSE(cases.empty());
    r = f.get("/audit/export?case=" + std::to_string(cases.front().id), f.admin);
    REQUIRE(r.status == 200);
    CHECK(r.body.rfind("案件の監査レポート (vulnwatch audit export)\n", 0) == 0);
    CHECK(f.get("/audit/nothing", f.admin).status == 404);
}

TEST_CASE("the audit page pages through the events newest first", "[web][pages][audit]") {
    Fixture f;
    for (int i = 0; i < 60; ++i) {
        f.store->logEvent("test", "event " + std::to_string(i) + " " + kHostile, kNow);
    }
    const AuditHead head = f.store->auditHead();
    web::HttpResponse r = f.get("/audit", f.viewer);
    REQUIRE(r.status == 200);
    CHECK(countOf(r.body, "<tr id=\"audit-event-") == 50);
    CHECK(has(r.body, "id=\"audit-event-" + std::to_string(head.seq) + "\""));
    CHECK_FALSE(has(r.body, "id=\"audit-event-" + std::to_string(head.seq - 50) + "\""));
    requireEscaped(r.body);
    const std::string next = "/audit?cursor=" + std::to_string(head.seq - 49);
    CHECK(has(r.body, "href=\"" + next + "\""));
    r = f.get(next, f.viewer);
    REQUIRE(r.status == 200);
    CHECK(has(r.body, "id=\"audit-event-" + std::to_string(head.seq - 50) + "\""));
    CHECK(has(r.body, "id=\"audit-event-1\""));
    CHECK_FALSE(has(r.body, "id=\"audit-event-" + std::to_string(head.seq) + "\""));
    CHECK_FALSE(has(r.body, "id=\"audit-verify\"")); // the verification is on the first page
    CHECK(has(r.body, "id=\"audit-first\""));
    CHECK(f.get("/audit?cursor=-1", f.viewer).status == 400);
    CHECK(f.call("POST", "/audit", f.admin, "csrf=" + f.admin.csrf).status == 405);
}
