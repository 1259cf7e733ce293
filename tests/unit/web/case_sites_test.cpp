// Many sites, one view (issue 17 part 4) in the web layer: two servers of different sites
// ([daemon] site) on one store, as `vulnwatch serve` wires them (transitionCase with the
// expected version). The case page's forms carry the version; a post of a stale one is 409
// naming who changed the case, where and when, and writes nothing; the REST API's
// expect_version answers 409 conflict the same way.
#include "daemon/cases.h"
#include "store/cases.h"
#include "store/store.h"
#include "store/users.h"
#include "web/api.h"
#include "web/auth.h"
#include "web/pages.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <catch2/catch.hpp>

using namespace vw;
using namespace vw::web;

namespace {

constexpr std::int64_t kNow = 1'790'000'000; // 2026-09-22

bool has(const std::string& body, const std::string& part) {
    return body.find(part) != std::string::npos;
}

int eventCount(Store& store) {
    auto q = store.db().prepare("SELECT count(*) FROM event_log");
    REQUIRE(q.step());
    return static_cast<int>(q.integer(0));
}

/// The transition as `vulnwatch serve` makes it, at `site`.
TransitionFn transitionAt(const std::string& site) {
    return [site](Store& s, std::int64_t id, CaseState to, const std::string& by,
                  const std::map<std::string, std::string>& fields, std::int64_t now,
                  std::int64_t expectVersion) {
        Routing routing;
        routing.site = site;
        TransitionOutcome out;
        try {
            out.done = transitionCase(s, routing, id, to, by, fields, now, expectVersion);
        } catch (const CaseConflict& e) {
            out.refused = e.what();
            out.conflict = true;
        } catch (const CaseRefused& e) {
            out.refused = e.what();
        }
        return out;
    };
}

struct TwoSites {
    std::unique_ptr<Store> store = Store::inMemory();
    FailedAuthLimiter limiter;
    std::unique_ptr<Pages> tokyo, osaka;
    std::unique_ptr<Api> api;
    NewSession alice, bob;
    std::string bobToken;
    std::int64_t id = 0;

    TwoSites() {
        Product p;
        p.name = "Gateway";
        p.version = "1.0";
        store->putProduct(p, kNow - 86400);
        const std::string password = "a long enough passphrase";
        addUser(*store, "alice", UserRole::Admin, password, {}, "test", kNow);
        addUser(*store, "bob", UserRole::Admin, password, {}, "test", kNow);
        alice = createSession(*store, "alice", kNow, 3600);
        bob = createSession(*store, "bob", kNow, 3600);
        bobToken = createApiToken(*store, "bob", "t", "test", kNow);
        Routing routing;
        routing.site = "札幌";
        id = openManualCase(*store, routing, "Gateway", "1.0", "a finder's report", "setup", {},
                            "High", kNow - 3600)
                 .id;
        PageSettings a;
        a.api.transition = transitionAt("東京");
        tokyo = std::make_unique<Pages>(std::move(a), limiter);
        PageSettings b;
        b.api.transition = transitionAt("Osaka");
        osaka = std::make_unique<Pages>(std::move(b), limiter);
        ApiSettings settings;
        settings.transition = transitionAt("Osaka");
        api = std::make_unique<Api>(std::move(settings), limiter);
    }

    HttpResponse page(Pages& pages, const std::string& method, const std::string& target,
                      const NewSession& session, const std::string& body = "",
                      const std::string& lang = "ja") {
        HttpRequest r;
        r.method = method;
        const auto q = target.find('?');
        r.path = target.substr(0, q);
        r.query = q == std::string::npos ? "" : target.substr(q + 1);
        r.headers.emplace_back("Host", "vw.example");
        r.headers.emplace_back("Cookie", "vw_lang=" + lang + "; " + std::string(kSessionCookie) +
                                             "=" + session.token);
        if (method == "POST") {
            r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
            r.headers.emplace_back("Origin", "http://vw.example");
            r.body = "csrf=" + session.csrf + "&" + body;
        }
        r.clientIp = "192.0.2.1";
        const auto response = pages.handle(r, *store, kNow);
        REQUIRE(response);
        CHECK(response->status != 500);
        return *response;
    }

    HttpResponse apiPost(const std::string& body) {
        HttpRequest r;
        r.method = "POST";
        r.path = "/api/v1/cases/" + std::to_string(id) + "/transition";
        r.headers = {{"Authorization", "Bearer " + bobToken}, {"Content-Type", "application/json"}};
        r.body = body;
        r.clientIp = "192.0.2.1";
        std::string error;
        HttpResponse response = api->handle(r, store.get(), kNow, &error);
        INFO(error);
        CHECK(response.status != 500);
        return response;
    }

    std::string casePath() const { return "/cases/" + std::to_string(id); }
};

/// The expect_version the page's form `transition-TO` carries.
std::string formVersion(const std::string& body, const std::string& to) {
    const auto form = body.find("<form id=\"transition-" + to + "\"");
    REQUIRE(form != std::string::npos);
    const std::string marker = "name=\"expect_version\" value=\"";
    const auto at = body.find(marker, form);
    REQUIRE(at != std::string::npos);
    const auto start = at + marker.size();
    return body.substr(start, body.find('"', start) - start);
}

} // namespace

TEST_CASE("a stale case page's transition is refused with 409 naming who and where",
          "[web][pages][cases][sites]") {
    TwoSites s;
    // alice at 東京 and bob at Osaka look at the same version.
    const HttpResponse seenA = s.page(*s.tokyo, "GET", s.casePath(), s.alice);
    REQUIRE(seenA.status == 200);
    const std::string versionA = formVersion(seenA.body, "confirming");
    CHECK(versionA == std::to_string(caseById(*s.store, s.id)->lastEvent));
    CHECK(has(seenA.body, "setup <span class=\"site\">@ 札幌</span>"));
    const std::string versionB =
        formVersion(s.page(*s.osaka, "GET", s.casePath(), s.bob).body, "confirming");
    REQUIRE(versionB == versionA);

    const HttpResponse moved = s.page(*s.osaka, "POST", s.casePath() + "/transition", s.bob,
                                      "to=confirming&assignee=bob&expect_version=" + versionB);
    CHECK(moved.status == 303);
    const int events = eventCount(*s.store);

    const HttpResponse stale =
        s.page(*s.tokyo, "POST", s.casePath() + "/transition", s.alice,
               "to=confirming&assignee=alice&note=mine&expect_version=" + versionA);
    CHECK(stale.status == 409);
    CHECK(has(stale.body, "data-conflict=\"true\""));
    CHECK(has(stale.body, "ほかの人 (bob @ Osaka)"));
    CHECK(has(stale.body, "記録していません"));
    CHECK(has(stale.body, "<dd id=\"case-state\">確認</dd>"));
    CHECK(has(stale.body, "bob <span class=\"site\">@ Osaka</span>"));
    CHECK(eventCount(*s.store) == events);
    CHECK(caseById(*s.store, s.id)->fields.at("assignee") == "bob");
    // The refused page's forms carry the version as it is now.
    const std::string now = std::to_string(caseById(*s.store, s.id)->lastEvent);
    CHECK(formVersion(stale.body, "evaluating") == now);

    const HttpResponse english =
        s.page(*s.tokyo, "POST", s.casePath() + "/transition", s.alice,
               "to=confirming&assignee=alice&expect_version=" + versionA, "en");
    CHECK(english.status == 409);
    CHECK(has(english.body, "Someone else (bob @ Osaka) changed this case"));
    CHECK(has(english.body, "it is now confirming"));
    CHECK(eventCount(*s.store) == events);

    const HttpResponse bad = s.page(*s.tokyo, "POST", s.casePath() + "/transition", s.alice,
                                    "to=evaluating&finding=x&expect_version=-3");
    CHECK(bad.status == 422);
    CHECK(has(bad.body, "expect_version"));

    // With the page reloaded, alice's transition goes through and records 東京.
    const HttpResponse done = s.page(*s.tokyo, "POST", s.casePath() + "/transition", s.alice,
                                     "to=evaluating&finding=present&expect_version=" + now);
    CHECK(done.status == 303);
    const Case after = *caseById(*s.store, s.id);
    CHECK(after.state == CaseState::Evaluating);
    CHECK(actorAtSite(*lastCaseChange(*s.store, after)) == "alice @ 東京");
    const HttpResponse shown = s.page(*s.osaka, "GET", s.casePath(), s.bob);
    CHECK(has(shown.body, "alice @ 東京"));
}

TEST_CASE("the API refuses a stale expect_version with 409 conflict", "[web][api][cases][sites]") {
    TwoSites s;
    const std::int64_t seen = caseById(*s.store, s.id)->lastEvent;
    Routing tokyo;
    tokyo.site = "東京";
    transitionCase(*s.store, tokyo, s.id, CaseState::Confirming, "alice", {{"assignee", "alice"}},
                   kNow - 60);
    const int events = eventCount(*s.store);
    const std::int64_t current = caseById(*s.store, s.id)->lastEvent;

    HttpResponse r = s.apiPost("{\"state\":\"evaluating\",\"fields\":{\"finding\":\"x\"},"
                               "\"expect_version\":" +
                               std::to_string(seen) + "}");
    CHECK(r.status == 409);
    const auto problem = Poco::JSON::Parser().parse(r.body).extract<Poco::JSON::Object::Ptr>();
    CHECK(problem->getValue<std::string>("type") == "urn:vulnwatch:problem:conflict");
    CHECK(problem->getValue<std::string>("changed_by") == "alice");
    CHECK(problem->getValue<std::string>("changed_at_site") == "東京");
    CHECK(problem->getValue<std::int64_t>("last_event") == current);
    CHECK(problem->getValue<std::int64_t>("expect_version") == seen);
    CHECK(problem->getValue<std::string>("state") == "confirming");
    CHECK(has(problem->getValue<std::string>("detail"), "alice @ 東京"));
    CHECK(eventCount(*s.store) == events);

    r = s.apiPost("{\"state\":\"evaluating\",\"fields\":{\"finding\":\"x\"},"
                  "\"expect_version\":\"12\"}");
    CHECK(r.status == 422);
    CHECK(has(r.body, "expect_version"));

    r = s.apiPost("{\"state\":\"evaluating\",\"fields\":{\"finding\":\"x\"},"
                  "\"expect_version\":" +
                  std::to_string(current) + "}");
    CHECK(r.status == 200);
    const Case after = *caseById(*s.store, s.id);
    CHECK(after.state == CaseState::Evaluating);
    CHECK(actorAtSite(*lastCaseChange(*s.store, after)) == "bob @ Osaka");
}
