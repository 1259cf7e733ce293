// The cases pages (web/page_cases.cpp): the list with its clocks, filters and pages, one case
// with its timeline, and the transition forms — through Pages::handle with a real store,
// login sessions and the daemon's transitionCase wired in as `vulnwatch serve` wires it.
#include "daemon/cases.h"
#include "store/cases.h"
#include "store/store.h"
#include "store/users.h"
#include "web/auth.h"
#include "web/headers.h"
#include "web/page_routes.h"
#include "web/pages.h"

#include <catch2/catch.hpp>

using namespace vw;
using namespace vw::web;

namespace {

constexpr std::int64_t kNow = 1'790'000'000; // 2026-09-22
constexpr std::int64_t kDay = 86'400;
const std::string kScript = "<script>alert(1)</script>";
const std::string kImg = "\"><img src=x onerror=alert(1)>";

bool has(const std::string& body, const std::string& part) {
    return body.find(part) != std::string::npos;
}

std::size_t count(const std::string& body, const std::string& part) {
    std::size_t n = 0;
    for (std::size_t at = body.find(part); at != std::string::npos;
         at = body.find(part, at + part.size())) {
        ++n;
    }
    return n;
}

struct Site {
    std::unique_ptr<Store> store = Store::inMemory();
    FailedAuthLimiter limiter;
    std::unique_ptr<Pages> pages;
    NewSession admin, viewer, triager;
    std::int64_t mine = 0;  // Gateway 1.0, opened 20 days ago: its decide clock is past due
    std::int64_t other = 0; // Viewer 1.0, hostile title
    std::int64_t fresh = 0; // Gateway 2.0, opened now
    int transitions = 0;

    Site() {
        const std::string password = "a long enough passphrase";
        for (const auto& [name, version] : {std::pair<const char*, const char*>{"Gateway", "1.0"},
                                            {"Gateway", "2.0"},
                                            {"Viewer", "1.0"}}) {
            Product p;
            p.name = name;
            p.version = version;
            store->putProduct(p, kNow - 60 * kDay);
        }
        addUser(*store, "alice", UserRole::Admin, password, {}, "test", kNow);
        addUser(*store, "vic", UserRole::Viewer, password, {}, "test", kNow);
        addUser(*store, "tomo", UserRole::Triager, password, {"Gateway"}, "test", kNow);
        admin = createSession(*store, "alice", kNow, 3600);
        viewer = createSession(*store, "vic", kNow, 3600);
        triager = createSession(*store, "tomo", kNow, 3600);
        const Routing routing;
        mine = openManualCase(*store, routing, "Gateway", "1.0", "report " + kScript, "setup", {},
                              "High", kNow - 20 * kDay)
                   .id;
        other = openManualCase(*store, routing, "Viewer", "1.0", "report " + kImg, "setup", {},
                               "Critical", kNow - kDay)
                    .id;
        fresh = openManualCase(*store, routing, "Gateway", "2.0", "a fresh report", "setup", {},
                               "Low", kNow)
                    .id;
        PageSettings settings;
        settings.api.transition = [this](Store& s, std::int64_t id, CaseState to,
                                         const std::string& by,
                                         const std::map<std::string, std::string>& fields,
                                         std::int64_t now, std::int64_t expectVersion) {
            ++transitions;
            TransitionOutcome out;
            try {
                out.done = transitionCase(s, Routing(), id, to, by, fields, now, expectVersion);
            } catch (const CaseConflict& e) {
                out.refused = e.what();
                out.conflict = true;
            } catch (const CaseRefused& e) {
                out.refused = e.what();
            }
            return out;
        };
        settings.api.ssvc = [this](Store& s, std::int64_t id, const std::string& by,
                                   const std::map<std::string, std::string>& points,
                                   std::int64_t now, std::int64_t expectVersion) {
            ++ssvcCalls;
            TransitionOutcome out;
            try {
                out.done = setCaseSsvc(s, Routing(), id, by, points, now, expectVersion);
            } catch (const CaseConflict& e) {
                out.refused = e.what();
                out.conflict = true;
            } catch (const CaseRefused& e) {
                out.refused = e.what();
            }
            return out;
        };
        pages = std::make_unique<Pages>(std::move(settings), limiter);
    }
    int ssvcCalls = 0;

    web::HttpResponse call(const std::string& method, const std::string& target,
                           const NewSession& session,
                           std::vector<std::pair<std::string, std::string>> headers = {},
                           const std::string& body = "") {
        web::HttpRequest r;
        r.method = method;
        const auto q = target.find('?');
        r.path = target.substr(0, q);
        r.query = q == std::string::npos ? "" : target.substr(q + 1);
        r.headers = std::move(headers);
        r.headers.emplace_back("Host", "vw.example");
        r.headers.emplace_back("Cookie", std::string(kSessionCookie) + "=" + session.token);
        r.body = body;
        r.clientIp = "192.0.2.1";
        const auto response = pages->handle(r, *store, kNow);
        REQUIRE(response);
        CHECK(response->status != 500);
        return *response;
    }

    web::HttpResponse get(const std::string& target, const NewSession& session) {
        return call("GET", target, session);
    }

    /// A form post with the session's CSRF token from this origin.
    web::HttpResponse post(const std::string& target, const NewSession& session,
                           const std::string& fields) {
        return call("POST", target, session,
                    {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Origin", "http://vw.example"}},
                    "csrf=" + session.csrf + "&" + fields);
    }

    std::string transitionPath(std::int64_t id) const {
        return "/cases/" + std::to_string(id) + "/transition";
    }
};

} // namespace

TEST_CASE("The case list shows the clocks most urgent first with hostile titles as text",
          "[web][pages][cases]") {
    Site site;
    const web::HttpResponse r = site.get("/cases", site.viewer);
    REQUIRE(r.status == 200);
    CHECK(r.header("Content-Security-Policy") == kPageCsp);
    CHECK(r.contentType == "text/html; charset=utf-8");
    CHECK(r.user == "vic");
    // Most urgent first: the month-old High case, then the Critical one, then the Low one.
    const auto mine = r.body.find("id=\"case-row-" + std::to_string(site.mine) + "\"");
    const auto other = r.body.find("id=\"case-row-" + std::to_string(site.other) + "\"");
    const auto fresh = r.body.find("id=\"case-row-" + std::to_string(site.fresh) + "\"");
    REQUIRE(mine != std::string::npos);
    REQUIRE(other != std::string::npos);
    REQUIRE(fresh != std::string::npos);
    CHECK(mine < other);
    CHECK(other < fresh);
    // Hostile titles are text.
    CHECK_FALSE(has(r.body, kScript));
    CHECK_FALSE(has(r.body, "<img src=x"));
    CHECK(has(r.body, "report &lt;script&gt;alert(1)&lt;/script&gt;"));
    CHECK(has(r.body, "report &quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    // The overdue case is marked; its decide clock has a due time.
    CHECK(has(r.body, "class=\"case-overdue\""));
    std::size_t late = 0;
    for (const Case& c : listCases(*site.store, CaseFilter{})) {
        late += overdueClocks(c, kNow).size();
    }
    CHECK_FALSE(overdueClocks(*caseById(*site.store, site.mine), kNow).empty());
    CHECK(count(r.body, "class=\"overdue\">期限超過</strong>") == late);
    CHECK(has(r.body, "受付"));
    // The filter form, labelled.
    CHECK(has(r.body, "<form id=\"case-filters\""));
    for (const char* id :
         {"f-product", "f-version", "f-state", "f-assignee", "f-open", "f-overdue"}) {
        CHECK(has(r.body, std::string("<label for=\"") + id + "\""));
    }
}

TEST_CASE("The case list filters by product and version and state and clocks",
          "[web][pages][cases]") {
    Site site;
    auto r = site.get("/cases?product=Gateway", site.viewer);
    REQUIRE(r.status == 200);
    CHECK(has(r.body, "case-row-" + std::to_string(site.mine)));
    CHECK(has(r.body, "case-row-" + std::to_string(site.fresh)));
    CHECK_FALSE(has(r.body, "case-row-" + std::to_string(site.other)));
    CHECK(has(r.body, "<option value=\"Gateway\" selected>"));
    r = site.get("/cases?product=Gateway&version=2.0", site.viewer);
    CHECK_FALSE(has(r.body, "case-row-" + std::to_string(site.mine)));
    CHECK(has(r.body, "case-row-" + std::to_string(site.fresh)));
    r = site.get("/cases?overdue=1", site.viewer);
    CHECK(has(r.body, "case-row-" + std::to_string(site.mine)));
    CHECK_FALSE(has(r.body, "case-row-" + std::to_string(site.fresh)));
    CHECK_FALSE(has(r.body, "case-row-" + std::to_string(site.other)));
    CHECK(has(r.body, "id=\"f-overdue\" name=\"overdue\" value=\"1\" checked"));
    // The dashboard's links say true.
    const std::string table = r.body.substr(r.body.find("<table"));
    CHECK(site.get("/cases?overdue=true", site.viewer).body.find(table) != std::string::npos);
    // A transition moves a case out of the state filter and into the assignee's.
    REQUIRE(site.post(site.transitionPath(site.fresh), site.admin, "to=confirming&assignee=tomo")
                .status == 303);
    r = site.get("/cases?state=received", site.viewer);
    CHECK_FALSE(has(r.body, "case-row-" + std::to_string(site.fresh)));
    CHECK(has(r.body, "case-row-" + std::to_string(site.mine)));
    r = site.get("/cases?assignee=tomo", site.viewer);
    CHECK(has(r.body, "case-row-" + std::to_string(site.fresh)));
    CHECK_FALSE(has(r.body, "case-row-" + std::to_string(site.mine)));
    r = site.get("/cases?state=confirming&open=1", site.viewer);
    CHECK(has(r.body, "case-row-" + std::to_string(site.fresh)));
    // The assignee with the other filters, most urgent first as without it.
    REQUIRE(site.post(site.transitionPath(site.mine), site.admin, "to=confirming&assignee=tomo")
                .status == 303);
    r = site.get("/cases?assignee=tomo", site.viewer);
    const auto first = r.body.find("case-row-" + std::to_string(site.mine));
    const auto second = r.body.find("case-row-" + std::to_string(site.fresh));
    REQUIRE(first != std::string::npos);
    REQUIRE(second != std::string::npos);
    CHECK(first < second);
    CHECK(has(r.body, "id=\"f-assignee\" name=\"assignee\" value=\"tomo\""));
    r = site.get("/cases?assignee=tomo&overdue=1", site.viewer);
    CHECK(count(r.body, "id=\"case-row-") == 1);
    CHECK(has(r.body, "case-row-" + std::to_string(site.mine)));
    r = site.get("/cases?assignee=tomo&product=Gateway&version=2.0&limit=1", site.viewer);
    CHECK(count(r.body, "id=\"case-row-") == 1);
    CHECK(has(r.body, "case-row-" + std::to_string(site.fresh)));
    CHECK_FALSE(has(r.body, "rel=\"next\""));
    r = site.get("/cases?assignee=tomo&limit=1", site.viewer);
    CHECK(has(r.body, "rel=\"next\""));
    CHECK(count(site.get("/cases?assignee=nobody", site.viewer).body, "id=\"case-row-") == 0);
    r = site.get("/cases?product=Nothing", site.viewer);
    REQUIRE(r.status == 200);
    CHECK(has(r.body, "id=\"case-empty\""));
    CHECK(has(r.body, "<option value=\"Nothing\" selected>")); // kept even when unknown
}

TEST_CASE("The case list pages with limit and offset", "[web][pages][cases]") {
    Site site;
    auto r = site.get("/cases?limit=2", site.viewer);
    REQUIRE(r.status == 200);
    CHECK(count(r.body, "id=\"case-row-") == 2);
    CHECK(has(r.body, "href=\"/cases?limit=2&amp;offset=2\" rel=\"next\""));
    CHECK_FALSE(has(r.body, "rel=\"prev\""));
    r = site.get("/cases?limit=2&offset=2", site.viewer);
    CHECK(count(r.body, "id=\"case-row-") == 1);
    CHECK(has(r.body, "case-row-" + std::to_string(site.fresh)));
    CHECK(has(r.body, "href=\"/cases?limit=2\" rel=\"prev\""));
    CHECK_FALSE(has(r.body, "rel=\"next\""));
    // Filters are kept in the pager's links.
    r = site.get("/cases?product=Gateway&limit=1", site.viewer);
    CHECK(has(r.body, "href=\"/cases?product=Gateway&amp;limit=1&amp;offset=1\""));
}

TEST_CASE("Bad list filters are refused with a message naming them", "[web][pages][cases]") {
    Site site;
    auto r = site.get("/cases?state=done", site.viewer);
    CHECK(r.status == 400);
    CHECK(has(r.body, "done"));
    CHECK(has(r.body, "received, confirming"));
    r = site.get("/cases?version=1.0", site.viewer);
    CHECK(r.status == 400);
    CHECK(has(r.body, "製品"));
    CHECK(site.get("/cases?limit=0", site.viewer).status == 400);
    CHECK(site.get("/cases?limit=201", site.viewer).status == 400);
    CHECK(site.get("/cases?offset=-1", site.viewer).status == 400);
    r = site.get("/cases?open=maybe", site.viewer);
    CHECK(r.status == 400);
    CHECK(has(r.body, "maybe"));
    r = site.call(
        "GET", "/cases?state=done", site.viewer,
        {{"Cookie", "vw_lang=en; " + std::string(kSessionCookie) + "=" + site.viewer.token}});
    CHECK(r.status == 400);
    CHECK(has(r.body, "there is no state &#39;done&#39;"));
}

TEST_CASE("A case page shows its facts and clocks and timeline", "[web][pages][cases]") {
    Site site;
    REQUIRE(
        site.post(site.transitionPath(site.mine), site.admin,
                  "to=confirming&assignee=%E7%94%B0%E4%B8%AD&note=" + urlEncode("see " + kScript))
            .status == 303);
    const web::HttpResponse r = site.get("/cases/" + std::to_string(site.mine), site.viewer);
    REQUIRE(r.status == 200);
    CHECK(r.header("Content-Security-Policy") == kPageCsp);
    CHECK_FALSE(has(r.body, kScript));
    CHECK(has(r.body, "&lt;script&gt;"));
    CHECK(has(r.body, "<title>案件 #" + std::to_string(site.mine) + " report &lt;script&gt;"));
    CHECK(has(r.body, "id=\"case-state\">確認</dd>"));
    CHECK(has(r.body, "<td class=\"field-value\">田中</td>"));
    CHECK(has(r.body, "id=\"clock-decide\""));
    CHECK(has(r.body, "期限超過</strong>"));
    // The timeline: the opening and the transition, newest first, with their actors.
    const auto transition = r.body.find("data-kind=\"case-transition\"");
    const auto open = r.body.find("data-kind=\"case-open\"");
    REQUIRE(transition != std::string::npos);
    REQUIRE(open != std::string::npos);
    CHECK(transition < open);
    // Each with the site it acted at (docs/cases.md "Sites"; here the host name).
    const std::string at = " <span class=\"site\">@ " + hostSiteName() + "</span></td>";
    CHECK(has(r.body, "<td class=\"actor\">alice" + at));
    CHECK(has(r.body, "<td class=\"actor\">setup" + at));
    // The transition's row shows the fields it recorded, as text.
    CHECK(has(r.body, "<dl class=\"event-fields\"><dt>担当者</dt><dd>田中</dd><dt>メモ</dt><dd>see "
                      "&lt;script&gt;alert(1)&lt;/script&gt;</dd></dl>"));
    const web::HttpResponse oldest =
        site.get("/cases/" + std::to_string(site.mine) + "?order=oldest", site.viewer);
    CHECK(oldest.body.find("data-kind=\"case-open\"") <
          oldest.body.find("data-kind=\"case-transition\""));
    // A viewer sees no forms.
    CHECK_FALSE(has(r.body, "id=\"transition-"));
    CHECK(has(r.body, "id=\"case-no-transition\""));
    // English.
    const web::HttpResponse en = site.call(
        "GET", "/cases/" + std::to_string(site.mine), site.viewer,
        {{"Cookie", "vw_lang=en; " + std::string(kSessionCookie) + "=" + site.viewer.token}});
    CHECK(has(en.body, "id=\"case-state\">confirming</dd>"));
    CHECK(has(en.body, "Timeline"));
}

TEST_CASE("Transition forms follow the table and demand the required fields",
          "[web][pages][cases]") {
    Site site;
    const std::string page = "/cases/" + std::to_string(site.mine);
    auto r = site.get(page, site.triager);
    REQUIRE(r.status == 200);
    // From received: confirming and false_positive, no others.
    CHECK(has(r.body, "<form id=\"transition-confirming\""));
    CHECK(has(r.body, "<form id=\"transition-false_positive\""));
    CHECK(count(r.body, "<form id=\"transition-") == 2);
    CHECK(has(r.body, "action=\"" + site.transitionPath(site.mine) + "\""));
    CHECK(has(r.body, "<input type=\"hidden\" name=\"to\" value=\"confirming\">"));
    CHECK(has(r.body, "<input type=\"hidden\" name=\"csrf\" value=\"" + site.triager.csrf + "\">"));
    CHECK(has(r.body, "<label for=\"t-confirming-assignee\">担当者"));
    CHECK(has(r.body, "name=\"assignee\" value=\"\" required>"));
    CHECK(has(r.body, "<textarea id=\"t-confirming-note\" name=\"note\" rows=\"3\">"));

    // Missing the required field: 422, the field named, what was typed kept, nothing done.
    r = site.post(site.transitionPath(site.mine), site.triager,
                  "to=confirming&assignee=+&note=" + urlEncode("typed " + kImg));
    CHECK(r.status == 422);
    CHECK(has(r.body, "id=\"transition-error\""));
    CHECK(has(r.body, "「担当者」(assignee)"));
    CHECK(has(r.body, "typed &quot;&gt;&lt;img src=x onerror=alert(1)&gt;</textarea>"));
    CHECK_FALSE(has(r.body, "<img src=x"));
    CHECK(has(r.body, "name=\"assignee\" value=\"\" required aria-invalid=\"true\" "
                      "aria-describedby=\"transition-error\">"));
    CHECK(has(r.body, "<details class=\"transition\" open>"));
    CHECK(site.transitions == 0);
    CHECK(caseById(*site.store, site.mine)->state == CaseState::Received);
    // In English too.
    r = site.call(
        "POST", site.transitionPath(site.mine), site.triager,
        {{"Content-Type", "application/x-www-form-urlencoded"},
         {"Cookie", "vw_lang=en; " + std::string(kSessionCookie) + "=" + site.triager.token}},
        "csrf=" + site.triager.csrf + "&to=confirming");
    CHECK(r.status == 422);
    CHECK(has(r.body, "the required field &quot;Assignee&quot; (assignee) is missing"));

    // evaluating -> responding needs three, and target_version when the action is fix.
    REQUIRE(site.post(site.transitionPath(site.mine), site.triager, "to=confirming&assignee=tomo")
                .status == 303);
    REQUIRE(site.post(site.transitionPath(site.mine), site.triager, "to=evaluating&finding=yes")
                .status == 303);
    r = site.post(site.transitionPath(site.mine), site.triager,
                  "to=responding&risk=controlled&assessment=low&action=fix");
    CHECK(r.status == 422);
    CHECK(has(r.body, "(target_version)"));
    CHECK(has(r.body, "<option value=\"controlled\" selected>"));
    CHECK(has(r.body, "<option value=\"fix\" selected>"));
    // A value the procedure refuses: its reason is shown.
    r = site.post(site.transitionPath(site.mine), site.triager,
                  "to=responding&risk=somewhat&assessment=low&action=mitigation");
    CHECK(r.status == 422);
    CHECK(has(r.body, "controlled or uncontrolled"));
    // Success: back to the case, one audit event naming the user.
    const int before = site.transitions;
    r = site.post(site.transitionPath(site.mine), site.triager,
                  "to=responding&risk=controlled&assessment=low&action=fix&target_version=1.1");
    CHECK(r.status == 303);
    CHECK(r.header("Location") == "/cases/" + std::to_string(site.mine));
    CHECK(site.transitions == before + 1);
    const Case c = *caseById(*site.store, site.mine);
    CHECK(c.state == CaseState::Responding);
    CHECK(c.fields.at("target_version") == "1.1");
    const auto events = caseEvents(*site.store, site.mine);
    REQUIRE_FALSE(events.empty());
    CHECK(events.back().kind == "case-transition");
    CHECK(events.back().actor == "tomo");
    // A form for a state the case has left: 409, nothing done.
    r = site.post(site.transitionPath(site.mine), site.triager, "to=evaluating&finding=again");
    CHECK(r.status == 409);
    CHECK(site.transitions == before + 1);
    // An unknown target state.
    r = site.post(site.transitionPath(site.mine), site.triager, "to=done");
    CHECK(r.status == 422);
    CHECK(has(r.body, "done"));
}

TEST_CASE("Only who may triage the product may transition", "[web][pages][cases]") {
    Site site;
    auto r = site.post(site.transitionPath(site.mine), site.viewer, "to=confirming&assignee=x");
    CHECK(r.status == 403);
    r = site.post(site.transitionPath(site.other), site.triager, "to=confirming&assignee=x");
    CHECK(r.status == 403);
    CHECK(has(r.body, "Viewer"));
    r = site.get("/cases/" + std::to_string(site.other), site.triager);
    CHECK_FALSE(has(r.body, "id=\"transition-"));
    CHECK(site.transitions == 0);
    // The admin may move any case.
    CHECK(
        site.post(site.transitionPath(site.other), site.admin, "to=confirming&assignee=x").status ==
        303);
    CHECK(caseEvents(*site.store, site.other).back().actor == "alice");
}

TEST_CASE("Transition posts without the form token or from elsewhere are refused",
          "[web][pages][cases]") {
    Site site;
    const std::string path = site.transitionPath(site.mine);
    const std::pair<std::string, std::string> form{"Content-Type",
                                                   "application/x-www-form-urlencoded"};
    CHECK(site.call("POST", path, site.admin, {form}, "to=confirming&assignee=x").status == 403);
    CHECK(site.call("POST", path, site.admin, {form, {"Origin", "https://evil.example"}},
                    "csrf=" + site.admin.csrf + "&to=confirming&assignee=x")
              .status == 403);
    // A multipart post gets past the frame (its handler checks) but not past this one.
    CHECK(site.call("POST", path, site.admin, {{"Content-Type", "multipart/form-data; boundary=x"}},
                    "--x\r\nContent-Disposition: form-data; name=\"to\"\r\n\r\nconfirming\r\n--x--")
              .status == 403);
    CHECK(site.transitions == 0);
}

TEST_CASE("Unknown cases and paths and methods", "[web][pages][cases]") {
    Site site;
    CHECK(site.get("/cases/999", site.viewer).status == 404);
    CHECK(site.get("/cases/abc", site.viewer).status == 404);
    CHECK(site.get("/cases/0", site.viewer).status == 404);
    CHECK(site.get("/cases/1/other", site.viewer).status == 404);
    const web::HttpResponse r = site.get(site.transitionPath(site.mine), site.viewer);
    CHECK(r.status == 405);
    CHECK(r.header("Allow") == "POST");
    CHECK(site.post("/cases", site.admin, "x=1").status == 405);
    CHECK(site.post(site.transitionPath(999), site.admin, "to=confirming&assignee=x").status ==
          404);
}

TEST_CASE("A triager sets the SSVC points from the case page", "[web][pages][cases]") {
    Site site;
    const std::string page = "/cases/" + std::to_string(site.mine);
    const std::string path = page + "/ssvc";
    auto r = site.get(page, site.triager);
    CHECK(has(r.body, "id=\"ssvc-form\""));
    CHECK(has(r.body, "<option value=\"\" selected>"));
    // Viewers and triagers of other products get no form, and their posts are refused.
    CHECK_FALSE(has(site.get(page, site.viewer).body, "id=\"ssvc-form\""));
    CHECK(site.post(path, site.viewer, "exploitation=poc").status == 403);
    CHECK(site.post("/cases/" + std::to_string(site.other) + "/ssvc", site.triager,
                    "exploitation=poc")
              .status == 403);
    CHECK(site.call("POST", path, site.triager,
                    {{"Content-Type", "application/x-www-form-urlencoded"}}, "exploitation=poc")
              .status == 403);
    CHECK(site.ssvcCalls == 0);
    // A value the procedure refuses: 422 with its reason, nothing recorded.
    r = site.post(path, site.triager, "exploitation=sometimes&automatable=&technical_impact=");
    CHECK(r.status == 422);
    CHECK(has(r.body, "sometimes"));
    // Set: one case-ssvc event by the user, the form shows the setting.
    r = site.post(path, site.triager, "exploitation=poc&automatable=&technical_impact=total");
    CHECK(r.status == 303);
    const auto events = caseEvents(*site.store, site.mine);
    REQUIRE_FALSE(events.empty());
    bool recorded = false;
    for (const auto& e : events) {
        recorded = recorded || (e.kind == std::string(kCaseSsvc) && e.actor == "tomo");
    }
    CHECK(recorded);
    r = site.get(page, site.triager);
    CHECK(has(r.body, "<option value=\"poc\" selected>"));
    CHECK(has(r.body, "<option value=\"total\" selected>"));
}
