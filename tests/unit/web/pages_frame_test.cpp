// The pages' frame (web/pages.h, web/view.h): escaping in views and templates, the router's
// login redirect, the CSRF and origin checks of form posts, the language switch and the static
// files — on plain request values and an in-memory store. The areas' own pages have their own
// tests (page_*_test.cpp).
#include "store/store.h"
#include "store/users.h"
#include "web/headers.h"
#include "web/page_routes.h"
#include "web/pages.h"
#include "web/view.h"

#include <catch2/catch.hpp>

using namespace vw;
using namespace vw::web;

namespace {

constexpr std::int64_t kNow = 1'790'000'000;

struct Frame {
    std::unique_ptr<Store> store = Store::inMemory();
    FailedAuthLimiter limiter;
    std::unique_ptr<Pages> pages;
    NewSession session;

    Frame() {
        addUser(*store, "alice", UserRole::Admin, "a long enough passphrase", {}, "test", kNow);
        session = createSession(*store, "alice", kNow, 3600);
        pages = std::make_unique<Pages>(PageSettings{}, limiter);
    }

    std::optional<HttpResponse> call(const std::string& method, const std::string& target,
                                     std::vector<std::pair<std::string, std::string>> headers = {},
                                     const std::string& body = "") {
        HttpRequest r;
        r.method = method;
        const auto q = target.find('?');
        r.path = target.substr(0, q);
        r.query = q == std::string::npos ? "" : target.substr(q + 1);
        r.headers = std::move(headers);
        r.headers.emplace_back("Host", "vw.example");
        r.body = body;
        r.clientIp = "192.0.2.1";
        return pages->handle(r, *store, kNow);
    }

    std::pair<std::string, std::string> cookie(const std::string& extra = "") const {
        return {"Cookie", std::string(kSessionCookie) + "=" + session.token + extra};
    }
};

} // namespace

TEST_CASE("A view escapes text when it is set and inserts only its own markup as it is") {
    View v;
    v.text("title", "<script>alert(1)</script> & \"q\" 'a'");
    v.html("chart", "<svg role=\"img\"></svg>");
    v.flag("lang_en", false);
    v.item("nav").text("path", "/x?a=<b>").text("label", "\"><img src=x onerror=alert(1)>");
    // The error template shows `message` with the double braces: still escaped once.
    View e;
    e.text("message", "<b>bold</b>");
    e.flag("logged_in", true);
    e.text("home_label", "home");
    const std::string out = renderTemplate("error", e);
    CHECK(out.find("&lt;b&gt;bold&lt;/b&gt;") != std::string::npos);
    CHECK(out.find("<b>") == std::string::npos);
    CHECK(htmlEscape("<a href=\"x\">'&'</a>") ==
          "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    CHECK_THROWS_WITH(renderTemplate("no-such-template", v),
                      Catch::Contains("no page template named no-such-template"));
    CHECK(hasTemplate("layout"));
    CHECK_FALSE(hasTemplate("layout.mustache"));
}

TEST_CASE("A page without a login redirects to the login page and keeps where it was going") {
    Frame f;
    const auto r = f.call("GET", "/cases?state=received");
    REQUIRE(r);
    CHECK(r->status == 303);
    CHECK(r->header("Location") == "/login?next=%2Fcases%3Fstate%3Dreceived");
    // A post without a login is refused, not redirected.
    const auto post = f.call("POST", "/cases/1/transition",
                             {{"Content-Type", "application/x-www-form-urlencoded"}}, "to=closed");
    REQUIRE(post);
    CHECK(post->status == 401);
    // An expired session is no login either.
    const NewSession old = createSession(*f.store, "alice", kNow - 7200, 3600);
    const auto expired =
        f.call("GET", "/", {{"Cookie", std::string(kSessionCookie) + "=" + old.token}});
    REQUIRE(expired);
    CHECK(expired->status == 303);
}

TEST_CASE("A logged-in page has the layout with the user and the page CSP") {
    Frame f;
    const auto r = f.call("GET", "/no-such-area");
    CHECK_FALSE(r); // no page here: the server answers its own 404
    const auto cases = f.call("GET", "/cases", {f.cookie()});
    REQUIRE(cases);
    CHECK(cases->contentType == "text/html; charset=utf-8");
    CHECK(cases->header("Content-Security-Policy") == kPageCsp);
    CHECK(cases->body.find("alice") != std::string::npos);
    CHECK(cases->body.find("<meta name=\"csrf-token\" content=\"" + f.session.csrf + "\">") !=
          std::string::npos);
    CHECK(cases->body.find("<html lang=\"ja\">") != std::string::npos);
    CHECK(cases->body.find("<a href=\"/cases\"") != std::string::npos);
}

TEST_CASE("A form post needs the session's CSRF token and this origin") {
    Frame f;
    const std::pair<std::string, std::string> form{"Content-Type",
                                                   "application/x-www-form-urlencoded"};
    const auto none = f.call("POST", "/cases/1/transition", {f.cookie(), form}, "to=closed");
    REQUIRE(none);
    CHECK(none->status == 403);
    CHECK(none->body.find("確認トークン") != std::string::npos);
    const auto wrong =
        f.call("POST", "/cases/1/transition", {f.cookie(), form}, "to=closed&csrf=nottheone");
    REQUIRE(wrong);
    CHECK(wrong->status == 403);
    const auto crossOrigin =
        f.call("POST", "/cases/1/transition",
               {f.cookie(), form, {"Origin", "https://evil.example"}}, "csrf=" + f.session.csrf);
    REQUIRE(crossOrigin);
    CHECK(crossOrigin->status == 403);
    const auto crossSite =
        f.call("POST", "/cases/1/transition", {f.cookie(), form, {"Sec-Fetch-Site", "cross-site"}},
               "csrf=" + f.session.csrf);
    REQUIRE(crossSite);
    CHECK(crossSite->status == 403);
    // With the token from this origin the post reaches the area (whatever it answers, it is
    // not the frame's 403).
    const auto good =
        f.call("POST", "/cases/1/transition", {f.cookie(), form, {"Origin", "http://vw.example"}},
               "to=closed&csrf=" + f.session.csrf);
    REQUIRE(good);
    CHECK(good->body.find("確認トークン") == std::string::npos);
    CHECK(good->status != 401);
    // Other methods are not pages' business.
    const auto put = f.call("PUT", "/cases/1", {f.cookie()});
    REQUIRE(put);
    CHECK(put->status == 405);
    CHECK(put->header("Allow") == "GET, HEAD, POST");
}

TEST_CASE("The language switch sets a cookie and returns only to a local path") {
    Frame f;
    const auto en = f.call("GET", "/lang?set=en&next=%2Fcases%3Fopen%3Dtrue");
    REQUIRE(en);
    CHECK(en->status == 303);
    CHECK(en->header("Location") == "/cases?open=true");
    CHECK(en->header("Set-Cookie").rfind("vw_lang=en; Path=/;", 0) == 0);
    CHECK(en->header("Set-Cookie").find("SameSite=Strict") != std::string::npos);
    for (const char* evil : {"https%3A%2F%2Fevil.example%2F", "%2F%2Fevil.example",
                             "%2F%5Cevil.example", "javascript%3Aalert(1)"}) {
        const auto r = f.call("GET", std::string("/lang?set=ja&next=") + evil);
        REQUIRE(r);
        CHECK(r->header("Location") == "/");
    }
    const auto page = f.call("GET", "/cases", {f.cookie("; vw_lang=en")});
    REQUIRE(page);
    CHECK(page->body.find("<html lang=\"en\">") != std::string::npos);
    CHECK(page->body.find("Log out") != std::string::npos);
}

TEST_CASE("Static files are served with their type and unknown ones are 404") {
    Frame f;
    const auto css = f.call("GET", "/static/app.css");
    REQUIRE(css);
    CHECK(css->status == 200);
    CHECK(css->contentType == "text/css; charset=utf-8");
    CHECK(css->body.find(":root") != std::string::npos);
    const auto js = f.call("GET", "/static/app.js");
    REQUIRE(js);
    CHECK(js->contentType == "text/javascript; charset=utf-8");
    const auto missing = f.call("GET", "/static/..%2Fpages.cpp");
    REQUIRE(missing);
    CHECK(missing->status == 404);
    const auto bad = f.call("GET", "/cases%zz");
    REQUIRE(bad);
    CHECK(bad->status == 400);
}
