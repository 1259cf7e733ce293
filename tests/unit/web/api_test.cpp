// The REST API (web/api.h) on plain request values and an in-memory store: authentication,
// roles, CSRF, transitions through the daemon's transitionCase (as `vulnwatch serve` wires it)
// and the problem details.
#include "config/config.h"
#include "daemon/cases.h"
#include "store/cases.h"
#include "store/store.h"
#include "store/users.h"
#include "web/api.h"
#include "web/auth.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <catch2/catch.hpp>

using namespace vw;
using namespace vw::web;

namespace {

constexpr std::int64_t kNow = 1'790'000'000; // 2026-09-22

Poco::JSON::Object::Ptr parse(const std::string& body) {
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
}

struct Fixture {
    std::unique_ptr<Store> store = Store::inMemory();
    FailedAuthLimiter limiter{FailedAuthLimiter::Settings{3, 600, 600, 100}};
    std::unique_ptr<Api> api;
    std::string admin, viewer, triager;
    std::int64_t mine = 0, other = 0;     // cases of the triager's product and of another
    std::vector<std::string> transitions; // "by:id:state" of each transition asked

    Fixture() {
        const std::string password = "a long enough passphrase";
        for (const char* name : {"Gateway", "Viewer"}) {
            Product p;
            p.name = name;
            p.version = "1.0";
            store->putProduct(p, kNow);
        }
        addUser(*store, "alice", UserRole::Admin, password, {}, "test", kNow);
        addUser(*store, "vic", UserRole::Viewer, password, {}, "test", kNow);
        addUser(*store, "tomo", UserRole::Triager, password, {"Gateway"}, "test", kNow);
        admin = createApiToken(*store, "alice", "t", "test", kNow);
        viewer = createApiToken(*store, "vic", "t", "test", kNow);
        triager = createApiToken(*store, "tomo", "t", "test", kNow);
        const Routing routing;
        mine =
            openManualCase(*store, routing, "Gateway", "1.0", "report A", "test", {}, "High", kNow)
                .id;
        other =
            openManualCase(*store, routing, "Viewer", "1.0", "report B", "test", {}, "High", kNow)
                .id;
        ApiSettings settings;
        settings.sources.push_back(
            {"jvndb", "jvn-rss", "https://jvndb.jvn.jp/x.rdf", true, std::chrono::seconds(900)});
        settings.transition = [this](Store& s, std::int64_t id, CaseState to, const std::string& by,
                                     const std::map<std::string, std::string>& fields,
                                     std::int64_t now, std::int64_t expectVersion) {
            transitions.push_back(by + ":" + std::to_string(id) + ":" +
                                  std::string(caseStateName(to)));
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
        api = std::make_unique<Api>(std::move(settings), limiter);
    }

    web::HttpResponse call(const std::string& method, const std::string& target,
                           std::vector<std::pair<std::string, std::string>> headers = {},
                           const std::string& body = "", const std::string& ip = "192.0.2.1") {
        web::HttpRequest r;
        r.method = method;
        const auto q = target.find('?');
        r.path = target.substr(0, q);
        r.query = q == std::string::npos ? "" : target.substr(q + 1);
        r.headers = std::move(headers);
        r.body = body;
        r.clientIp = ip;
        std::string error;
        web::HttpResponse response = api->handle(r, store.get(), kNow, &error);
        INFO(error);
        CHECK(response.status != 500);
        return response;
    }
};

std::pair<std::string, std::string> bearer(const std::string& token) {
    return {"Authorization", "Bearer " + token};
}

const std::pair<std::string, std::string> kJson{"Content-Type", "application/json"};

} // namespace

TEST_CASE("the API wants a token or a session and says so", "[web][api]") {
    Fixture f;
    auto r = f.call("GET", "/api/v1/cases");
    CHECK(r.status == 401);
    CHECK(r.header("WWW-Authenticate") == "Bearer realm=\"vulnwatch\"");
    CHECK(parse(r.body)->getValue<std::string>("type") == "urn:vulnwatch:problem:unauthorized");
    CHECK(f.call("GET", "/api/v1/cases", {{"Authorization", "Bearer vw_wrong"}}).status == 401);
    CHECK(f.call("GET", "/api/v1/cases", {{"Authorization", "Token abc"}}).status == 401);
    r = f.call("GET", "/api/v1/me", {bearer(f.viewer)});
    REQUIRE(r.status == 200);
    CHECK(r.user == "vic");
    CHECK(parse(r.body)->getObject("user")->getValue<std::string>("role") == "viewer");
    // No store needed for the document; a health check needs no credentials.
    web::HttpRequest doc;
    doc.method = "GET";
    doc.path = "/api/v1/openapi.json";
    CHECK_FALSE(Api::needsStore(doc));
    const web::HttpResponse d = f.api->handle(doc, nullptr, kNow);
    CHECK(d.status == 200);
    CHECK(parse(d.body)->getValue<std::string>("openapi") == "3.1.0");
    CHECK(f.call("GET", "/api/v1/health").status == 200);
}

TEST_CASE("failed credentials block the client after the limit", "[web][api][limiter]") {
    Fixture f;
    for (int i = 0; i < 3; ++i) {
        CHECK(f.call("GET", "/api/v1/me", {{"Authorization", "Bearer vw_guess"}}).status == 401);
    }
    const auto r = f.call("GET", "/api/v1/me", {bearer(f.admin)});
    CHECK(r.status == 429);
    CHECK(r.header("Retry-After") == "600");
    CHECK(f.call("GET", "/api/v1/me", {bearer(f.admin)}, "", "192.0.2.2").status == 200);
}

TEST_CASE("transitions by role with the user as actor", "[web][api][cases]") {
    Fixture f;
    const std::string mine = "/api/v1/cases/" + std::to_string(f.mine) + "/transition";
    const std::string other = "/api/v1/cases/" + std::to_string(f.other) + "/transition";
    const std::string body = R"({"state":"confirming","fields":{"assignee":"田中"}})";
    CHECK(f.call("POST", mine, {bearer(f.viewer), kJson}, body).status == 403);
    CHECK(f.call("POST", other, {bearer(f.triager), kJson}, body).status == 403);
    CHECK(f.transitions.empty()); // refused before the case work was asked
    auto r = f.call("POST", mine, {bearer(f.triager), kJson}, R"({"state":"confirming"})");
    CHECK(r.status == 422);
    auto problem = parse(r.body);
    CHECK(problem->getValue<std::string>("type") == "urn:vulnwatch:problem:transition-refused");
    CHECK(problem->getArray("missing_fields")->getElement<std::string>(0) == "assignee");
    CHECK_THAT(problem->getValue<std::string>("detail"), Catch::Contains("assignee"));
    r = f.call("POST", mine, {bearer(f.triager), kJson}, body);
    REQUIRE(r.status == 200);
    CHECK(parse(r.body)->getValue<std::string>("state") == "confirming");
    CHECK(f.transitions.back() == "tomo:" + std::to_string(f.mine) + ":confirming");
    const auto events = caseEvents(*f.store, f.mine);
    REQUIRE_FALSE(events.empty());
    CHECK(events.back().kind == "case-transition");
    CHECK(events.back().actor == "tomo");
    // The admin may move any case.
    CHECK(f.call("POST", other, {bearer(f.admin), kJson}, body).status == 200);
}

TEST_CASE("transition bodies are checked before the case work", "[web][api][cases]") {
    Fixture f;
    const std::string path = "/api/v1/cases/" + std::to_string(f.mine) + "/transition";
    CHECK(f.call("POST", path, {bearer(f.admin)}, "{}").status == 415);
    CHECK(f.call("POST", path, {bearer(f.admin), kJson}, "[1]").status == 400);
    CHECK(f.call("POST", path, {bearer(f.admin), kJson}, "{").status == 400);
    auto r = f.call("POST", path, {bearer(f.admin), kJson}, R"({"to":"closed"})");
    CHECK(r.status == 422);
    CHECK(parse(r.body)->getValue<std::string>("field") == "to");
    r = f.call("POST", path, {bearer(f.admin), kJson}, R"({"state":"done"})");
    CHECK(r.status == 422);
    CHECK(parse(r.body)->getValue<std::string>("field") == "state");
    r = f.call("POST", path, {bearer(f.admin), kJson}, R"({"state":"confirming","fields":[]})");
    CHECK(r.status == 422);
    CHECK(f.transitions.empty());
    CHECK(f.call("POST", "/api/v1/cases/999/transition", {bearer(f.admin), kJson},
                 R"({"state":"confirming"})")
              .status == 404);
    CHECK(f.call("POST", "/api/v1/cases/abc/transition", {bearer(f.admin), kJson}, "{}").status ==
          404);
}

TEST_CASE("a session needs the CSRF token and the same origin for writes", "[web][api][csrf]") {
    Fixture f;
    const NewSession s = createSession(*f.store, "tomo", kNow, 3600);
    const std::pair<std::string, std::string> cookie{"Cookie", "vw_session=" + s.token};
    const std::string path = "/api/v1/cases/" + std::to_string(f.mine) + "/transition";
    const std::string body = R"({"state":"confirming","fields":{"assignee":"tomo"}})";
    CHECK(f.call("GET", "/api/v1/me", {cookie}).status == 200);
    auto r = f.call("POST", path, {cookie, kJson}, body);
    CHECK(r.status == 403);
    CHECK(parse(r.body)->getValue<std::string>("type") == "urn:vulnwatch:problem:csrf");
    r = f.call("POST", path,
               {cookie, kJson, {"X-CSRF-Token", s.csrf}, {"Sec-Fetch-Site", "cross-site"}}, body);
    CHECK(parse(r.body)->getValue<std::string>("type") == "urn:vulnwatch:problem:cross-origin");
    r = f.call("POST", path,
               {cookie,
                kJson,
                {"X-CSRF-Token", s.csrf},
                {"Host", "vw.example.jp"},
                {"Origin", "https://evil.example.jp"}},
               body);
    CHECK(r.status == 403);
    CHECK(f.transitions.empty());
    r = f.call("POST", path,
               {cookie,
                kJson,
                {"X-CSRF-Token", s.csrf},
                {"Host", "vw.example.jp"},
                {"Origin", "https://vw.example.jp"}},
               body);
    CHECK(r.status == 200);
    // An expired session is no session.
    const NewSession old = createSession(*f.store, "tomo", kNow - 7200, 3600);
    CHECK(f.call("GET", "/api/v1/me", {{"Cookie", "vw_session=" + old.token}}).status == 401);
}

TEST_CASE("lists page with a cursor and refuse bad parameters", "[web][api]") {
    Fixture f;
    auto r = f.call("GET", "/api/v1/cases?limit=1", {bearer(f.viewer)});
    REQUIRE(r.status == 200);
    auto page = parse(r.body);
    CHECK(page->getArray("items")->size() == 1);
    const std::string next = page->getValue<std::string>("next_cursor");
    r = f.call("GET", "/api/v1/cases?limit=1&cursor=" + next, {bearer(f.viewer)});
    page = parse(r.body);
    CHECK(page->getArray("items")->size() == 1);
    CHECK(page->isNull("next_cursor"));
    CHECK(f.call("GET", "/api/v1/cases?limit=501", {bearer(f.viewer)}).status == 400);
    CHECK(f.call("GET", "/api/v1/cases?limit=1&limit=2", {bearer(f.viewer)}).status == 400);
    CHECK(f.call("GET", "/api/v1/advisories?cursor=1", {bearer(f.viewer)}).status == 400);
    r = f.call("GET", "/api/v1/sources", {bearer(f.viewer)});
    REQUIRE(r.status == 200);
    CHECK(parse(r.body)->getArray("items")->getObject(0)->getValue<std::string>("name") == "jvndb");
    r = f.call("PUT", "/api/v1/sources", {bearer(f.viewer)});
    CHECK(r.status == 405);
    CHECK(r.header("Allow") == "GET");
    CHECK(f.call("GET", "/api/v1/nothing", {bearer(f.viewer)}).status == 404);
    r = f.call("GET", "/api/v1/cases", {{"Accept-Language", "en"}});
    CHECK(parse(r.body)->getValue<std::string>("title") == "Authentication required");
}
