// The hospital notices on the case page (web/page_notices.cpp): the notices of the case's group
// with each letter's text escaped, and the prepare, approve and send forms with the rules of
// `vulnwatch notices` — a second person approves, viewers and other products' triagers are
// refused (403), a step in the wrong state is 409, a bad form 422 — through Pages::handle with
// a real store and the daemon's notice work wired in as `vulnwatch serve` wires it.
#include "daemon/cases.h"
#include "daemon/notices.h"
#include "store/cases.h"
#include "store/installbase.h"
#include "store/notices.h"
#include "store/store.h"
#include "store/users.h"
#include "web/auth.h"
#include "web/page_routes.h"
#include "web/pages.h"

#include <catch2/catch.hpp>

using namespace vw;
using namespace vw::web;

namespace {

constexpr std::int64_t kNow = 1'790'000'000; // 2026-09-22
const std::string kScript = "<script>alert(1)</script>";

bool has(const std::string& body, const std::string& part) {
    return body.find(part) != std::string::npos;
}

struct Site {
    std::unique_ptr<Store> store = Store::inMemory();
    FailedAuthLimiter limiter;
    std::unique_ptr<Pages> pages;
    NewSession tomo, ken, vic, other;
    std::int64_t caseId = 0;
    Config config;

    Site() {
        const std::string password = "a long enough passphrase";
        Product p;
        p.name = "Gateway";
        p.version = "1.0";
        store->putProduct(p, kNow);
        Product q;
        q.name = "Viewer";
        q.version = "1.0";
        store->putProduct(q, kNow);
        addUser(*store, "tomo", UserRole::Triager, password, {"Gateway"}, "test", kNow);
        addUser(*store, "ken", UserRole::Triager, password, {"Gateway"}, "test", kNow);
        addUser(*store, "vic", UserRole::Viewer, password, {}, "test", kNow);
        addUser(*store, "oto", UserRole::Triager, password, {"Viewer"}, "test", kNow);
        tomo = createSession(*store, "tomo", kNow, 3600);
        ken = createSession(*store, "ken", kNow, 3600);
        vic = createSession(*store, "vic", kNow, 3600);
        other = createSession(*store, "oto", kNow, 3600);
        const Routing routing;
        caseId = openManualCase(*store, routing, "Gateway", "1.0", "report " + kScript, "setup", {},
                                "High", kNow)
                     .id;
        transitionCase(*store, routing, caseId, CaseState::Confirming, "s", {{"assignee", "s"}},
                       kNow);
        transitionCase(*store, routing, caseId, CaseState::Evaluating, "s", {{"finding", "f"}},
                       kNow);
        transitionCase(*store, routing, caseId, CaseState::Responding, "s",
                       {{"risk", "controlled"}, {"assessment", "a"}, {"action", "mitigation"}},
                       kNow);
        transitionCase(*store, routing, caseId, CaseState::Informing, "s",
                       {{"remedy", "パスワードを変更してください " + kScript}}, kNow);
        InstallBaseEntry h;
        h.siteId = "S1";
        h.siteName = "中央病院 " + kScript;
        h.product = "Gateway";
        h.version = "1.0";
        h.role = "hospital";
        h.contactEmail = "hospital@example.jp";
        InstallBaseEntry l = h;
        l.role = "lessor";
        l.contactEmail = "lease@example.jp";
        replaceInstallBase(*store, {h, l}, kNow);
        NotifierConfig mail;
        mail.name = "mail";
        mail.type = "email";
        config.notifiers.push_back(mail);
        PageSettings settings;
        settings.api.notices = [this](Store& s, const std::string& action, std::int64_t id,
                                      const std::string& by, std::int64_t now,
                                      std::int64_t expectVersion) {
            NoticeOutcome out;
            try {
                if (action == "prepare") {
                    prepareNotice(s, config, id, by, "", now);
                } else if (action == "approve") {
                    approveNotice(s, config, id, by, now, expectVersion);
                } else {
                    sendNotice(s, config, id, by, now, expectVersion);
                }
            } catch (const NoticeRefused& e) {
                using K = NoticeRefused::Kind;
                out.status = e.kind() == K::NotFound    ? 404
                             : e.kind() == K::Forbidden ? 403
                             : e.kind() == K::Conflict  ? 409
                                                        : 422;
                out.message = e.both();
                out.conflict = dynamic_cast<const NoticeConflict*>(&e) != nullptr;
            }
            return out;
        };
        pages = std::make_unique<Pages>(std::move(settings), limiter);
    }

    HttpResponse call(const std::string& method, const std::string& target,
                      const NewSession& session,
                      std::vector<std::pair<std::string, std::string>> headers = {},
                      const std::string& body = "") {
        HttpRequest r;
        r.method = method;
        r.path = target;
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

    HttpResponse page(const NewSession& session) {
        return call("GET", "/cases/" + std::to_string(caseId), session);
    }

    HttpResponse post(const NewSession& session, const std::string& fields,
                      const std::string& csrf = "") {
        return call("POST", "/cases/" + std::to_string(caseId) + "/notices", session,
                    {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Origin", "http://vw.example"}},
                    "csrf=" + (csrf.empty() ? session.csrf : csrf) + "&" + fields);
    }
};

} // namespace

TEST_CASE("The case page prepares approves and sends a notice with a second person",
          "[web][pages][notices]") {
    Site site;
    HttpResponse r = site.page(site.tomo);
    REQUIRE(r.status == 200);
    CHECK(has(r.body, "id=\"h-notices\""));
    CHECK(has(r.body, "id=\"notices-none\""));
    CHECK(has(r.body, "id=\"notice-prepare\""));
    CHECK_FALSE(has(site.page(site.vic).body, "id=\"notice-prepare\""));
    CHECK_FALSE(has(site.page(site.other).body, "id=\"notice-prepare\""));

    CHECK(site.post(site.vic, "action=prepare").status == 403);
    CHECK(site.post(site.other, "action=prepare").status == 403);
    CHECK(site.post(site.tomo, "action=launch").status == 422);
    CHECK(listNotices(*site.store).empty());

    r = site.post(site.tomo, "action=prepare");
    CHECK(r.status == 303);
    const std::vector<Notice> notices = listNotices(*site.store);
    REQUIRE(notices.size() == 1);
    const std::string id = std::to_string(notices[0].id);
    CHECK(notices[0].letters.size() == 2);
    CHECK(site.post(site.tomo, "action=prepare").status == 409); // one open notice per group

    r = site.page(site.tomo);
    CHECK(has(r.body, "id=\"notice-" + id + "\""));
    CHECK(has(r.body, "lease@example.jp"));
    CHECK(has(r.body, notices[0].letters[0].contentHash));
    CHECK_FALSE(has(r.body, kScript));
    CHECK(has(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    CHECK_FALSE(has(r.body, "id=\"notice-approve-" + id + "\"")); // not for the preparer
    CHECK_FALSE(has(r.body, "id=\"notice-prepare\""));
    CHECK(has(site.page(site.ken).body, "id=\"notice-approve-" + id + "\""));

    CHECK(site.post(site.tomo, "action=approve&notice=" + id).status == 403);
    CHECK(site.post(site.vic, "action=approve&notice=" + id).status == 403);
    CHECK(site.post(site.ken, "action=send&notice=" + id).status == 409);
    CHECK(site.post(site.ken, "action=approve&notice=999").status == 404);
    CHECK(site.post(site.ken, "action=approve&notice=x").status == 422);
    CHECK(site.post(site.ken, "action=approve&notice=" + id, "not-the-token").status == 403);
    CHECK(noticeById(*site.store, notices[0].id)->state == NoticeState::Draft);

    CHECK(site.post(site.ken, "action=approve&notice=" + id).status == 303);
    CHECK(site.post(site.ken, "action=approve&notice=" + id).status == 409);
    CHECK(has(site.page(site.tomo).body, "id=\"notice-send-" + id + "\""));
    CHECK(site.post(site.tomo, "action=send&notice=" + id).status == 303);
    CHECK(site.store->outboxCounts().pending == 2);
    CHECK(site.post(site.tomo, "action=send&notice=" + id).status == 303); // nothing new
    CHECK(site.store->outboxCounts().pending == 2);
    r = site.page(site.vic);
    CHECK(has(r.body, "data-state=\"sent\""));
    CHECK(has(r.body, "data-state=\"queued\""));
    CHECK_FALSE(has(r.body, "id=\"notice-send-" + id + "\""));
}
