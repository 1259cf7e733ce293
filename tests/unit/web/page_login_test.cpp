// The login and logout pages and the single sign-on header (web/page_login.cpp, the router of
// web/pages.cpp) on plain request values and a real SQLite store in a temporary directory:
// the form, its pre-login token and the origin check, the session cookie's flags, local
// redirects only, the limits per client and per user name, the audit events, logout only by a
// post, and the trusted proxy's user header.
#include "store/audit.h"
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

constexpr std::int64_t kNow = 1'790'000'000;
const std::string kPassword = "a long enough passphrase";
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Site {
    test::TempDir dir;
    std::unique_ptr<Store> store = Store::open(dir.file("web.db"));
    FailedAuthLimiter limiter;
    std::unique_ptr<Pages> pages;

    explicit Site(const std::string& ssoHeader = "") {
        addUser(*store, "alice", UserRole::Admin, kPassword, {}, "test", kNow);
        addUser(*store, "vic", UserRole::Viewer, kPassword, {}, "test", kNow);
        addUser(*store, "gone", UserRole::Viewer, kPassword, {}, "test", kNow);
        removeUser(*store, "gone", "test", kNow);
        PageSettings settings;
        settings.sessionHours = 2;
        settings.trustedUserHeader = ssoHeader;
        pages = std::make_unique<Pages>(std::move(settings), limiter);
    }

    HttpResponse call(const std::string& method, const std::string& target, Headers headers = {},
                      const std::string& body = "", const std::string& ip = "192.0.2.1",
                      bool secure = false, bool trustedProxy = false) {
        HttpRequest r;
        r.method = method;
        const auto q = target.find('?');
        r.path = target.substr(0, q);
        r.query = q == std::string::npos ? "" : target.substr(q + 1);
        r.headers = std::move(headers);
        r.headers.emplace_back("Host", "vw.example");
        if (!body.empty()) {
            r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
        }
        r.body = body;
        r.clientIp = ip;
        r.secure = secure;
        r.fromTrustedProxy = trustedProxy;
        auto response = pages->handle(r, *store, kNow);
        REQUIRE(response);
        return std::move(*response);
    }

    /// The pre-login token: the login form's cookie (and hidden field).
    std::string loginToken() {
        const HttpResponse form = call("GET", "/login");
        std::smatch m;
        const std::string cookie = form.header("Set-Cookie");
        REQUIRE(std::regex_search(cookie, m, std::regex("^vw_login=([0-9a-f]{64});")));
        return m[1];
    }

    HttpResponse login(const std::string& user, const std::string& password,
                       const std::string& next = "", const std::string& ip = "192.0.2.1",
                       bool secure = false) {
        const std::string token = loginToken();
        return call("POST", "/login", {{"Cookie", "vw_login=" + token}},
                    "csrf=" + token + "&user=" + urlEncode(user) +
                        "&password=" + urlEncode(password) + "&next=" + urlEncode(next),
                    ip, secure);
    }

    /// The user events' "action:subject:actor" in order.
    std::vector<std::string> sessionEvents() {
        std::vector<std::string> out;
        Statement q = store->db().prepare(
            "SELECT json_extract(json, '$.details.action'), coalesce(json_extract(json, "
            "'$.subjects[0]'), ''), json_extract(json, '$.actor'), json_extract(json, "
            "'$.details.client') FROM event_log WHERE kind = 'user' AND json_extract(json, "
            "'$.details.action') IN ('login', 'login-failed', 'logout', 'sso-login') ORDER BY "
            "id");
        while (q.step()) {
            out.push_back(q.text(0) + ":" + q.text(1) + ":" + q.text(2) + ":" + q.text(3));
        }
        return out;
    }
};

std::string sessionTokenOf(const HttpResponse& r) {
    std::smatch m;
    const std::string cookie = r.header("Set-Cookie");
    if (!std::regex_search(cookie, m, std::regex("^vw_session=([A-Za-z0-9_-]+);"))) {
        return {};
    }
    return m[1];
}

bool has(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

} // namespace

TEST_CASE("The login form has its fields and a pre-login token in a cookie", "[web][login]") {
    Site s;
    const HttpResponse r = s.call("GET", "/login?next=%2Fcases%3Fopen%3Dtrue");
    CHECK(r.status == 200);
    CHECK(r.header("Content-Security-Policy") == kPageCsp);
    CHECK(has(r.body, "<form method=\"post\" action=\"/login\" id=\"login-form\""));
    CHECK(has(r.body, "name=\"user\""));
    CHECK(has(r.body, "<input type=\"password\" id=\"login-password\" name=\"password\""));
    CHECK(has(r.body, "<input type=\"hidden\" name=\"next\" value=\"/cases?open=true\">"));
    CHECK(has(r.body, "<label for=\"login-user\">ユーザー名</label>"));
    const std::string cookie = r.header("Set-Cookie");
    CHECK(std::regex_search(cookie, std::regex("^vw_login=[0-9a-f]{64}; Path=/login; ")));
    CHECK(has(cookie, "HttpOnly"));
    CHECK(has(cookie, "SameSite=Strict"));
    CHECK_FALSE(has(cookie, "Secure"));
    const std::string token = cookie.substr(9, 64);
    CHECK(has(r.body, "<input type=\"hidden\" name=\"csrf\" value=\"" + token + "\">"));
    // The same browser keeps its token (two tabs both work); another gets its own.
    const HttpResponse again = s.call("GET", "/login", {{"Cookie", "vw_login=" + token}});
    CHECK(again.header("Set-Cookie").substr(9, 64) == token);
    CHECK(s.loginToken() != token);
    // A hostile next is shown as text.
    const HttpResponse hostile =
        s.call("GET", "/login?next=%22%3E%3Cscript%3Ealert(1)%3C/script%3E");
    CHECK_FALSE(has(hostile.body, "<script>alert"));
    CHECK(has(hostile.body, "&quot;&gt;&lt;script&gt;"));
    // English.
    const HttpResponse en = s.call("GET", "/login", {{"Cookie", "vw_lang=en"}});
    CHECK(has(en.body, "<label for=\"login-user\">User name</label>"));
}

TEST_CASE("A good login sets the session cookie and goes to the local next page", "[web][login]") {
    Site s;
    const HttpResponse r = s.login("Alice", kPassword, "/cases?state=received");
    CHECK(r.status == 303);
    CHECK(r.header("Location") == "/cases?state=received");
    CHECK(r.user == "alice");
    const std::string cookie = r.header("Set-Cookie");
    CHECK(std::regex_search(cookie, std::regex("^vw_session=[A-Za-z0-9_-]{43}; Path=/; "
                                               "Max-Age=7200; HttpOnly; SameSite=Strict$")));
    const std::string token = sessionTokenOf(r);
    const auto session = sessionFor(*s.store, token, kNow);
    REQUIRE(session);
    CHECK(session->user.name == "alice");
    CHECK(session->expiresAt == kNow + 7200);
    // The cookie logs in; the login page then sends the user on.
    const HttpResponse page = s.call("GET", "/cases", {{"Cookie", "vw_session=" + token}});
    CHECK(page.status != 303);
    const HttpResponse loginAgain =
        s.call("GET", "/login?next=%2Fadvisories", {{"Cookie", "vw_session=" + token}});
    CHECK(loginAgain.status == 303);
    CHECK(loginAgain.header("Location") == "/advisories");
    // Over HTTPS the cookie is Secure.
    const HttpResponse secure = s.login("vic", kPassword, "", "192.0.2.1", true);
    CHECK(secure.status == 303);
    CHECK(secure.header("Location") == "/");
    CHECK(has(secure.header("Set-Cookie"), "; Secure"));
    CHECK(s.sessionEvents() == std::vector<std::string>{"login:user:alice:alice:192.0.2.1",
                                                        "login:user:vic:vic:192.0.2.1"});
}

TEST_CASE("Only a local next page is followed after a login", "[web][login]") {
    Site s;
    for (const std::string evil :
         {"//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)",
          "/ok\r\nSet-Cookie: x=1", "evil.example", "///evil.example"}) {
        const HttpResponse r = s.login("alice", kPassword, evil);
        CHECK(r.status == 303);
        CHECK(r.header("Location") == "/");
    }
    const HttpResponse ok = s.login("alice", kPassword, "/advisories/JVN%2312345678");
    CHECK(ok.header("Location") == "/advisories/JVN%2312345678");
}

TEST_CASE("A wrong password and an unknown user get the same answer and the same work",
          "[web][login]") {
    Site s;
    const std::uint64_t before = passwordVerifications();
    const HttpResponse wrong = s.login("alice", "not the passphrase at all");
    const std::uint64_t afterWrong = passwordVerifications();
    const HttpResponse unknown = s.login("nobody", "not the passphrase at all");
    const std::uint64_t afterUnknown = passwordVerifications();
    const HttpResponse removed = s.login("gone", kPassword);
    CHECK(afterWrong - before == 1);
    CHECK(afterUnknown - afterWrong == 1);
    CHECK(passwordVerifications() - afterUnknown == 1);
    for (const HttpResponse* r : {&wrong, &unknown, &removed}) {
        CHECK(r->status == 401);
        CHECK(has(r->body, "ユーザー名またはパスワードが正しくありません。"));
        CHECK(sessionTokenOf(*r).empty());
        CHECK(has(r->body, "id=\"login-form\""));
    }
    // The name stays in the form, the password does not.
    CHECK(has(wrong.body, "name=\"user\" value=\"alice\""));
    CHECK_FALSE(has(wrong.body, "not the passphrase"));
    CHECK(s.sessionEvents() ==
          std::vector<std::string>{"login-failed:user:alice:anonymous:192.0.2.1",
                                   "login-failed:user:nobody:anonymous:192.0.2.1",
                                   "login-failed:user:gone:anonymous:192.0.2.1"});
    // Empty fields are asked for without a check.
    const std::uint64_t beforeEmpty = passwordVerifications();
    const std::string token = s.loginToken();
    const HttpResponse empty = s.call("POST", "/login", {{"Cookie", "vw_login=" + token}},
                                      "csrf=" + token + "&user=alice&password=");
    CHECK(empty.status == 400);
    CHECK(passwordVerifications() == beforeEmpty);
}

TEST_CASE("A forged login is refused: no pre-login token or another origin", "[web][login]") {
    Site s;
    const std::string token = s.loginToken();
    const std::string body = "user=alice&password=" + urlEncode(kPassword);
    // No cookie (another site's form cannot read or set it), or a field that does not match.
    HttpResponse r = s.call("POST", "/login", {}, body + "&csrf=" + token);
    CHECK(r.status == 403);
    CHECK(sessionTokenOf(r).empty());
    r = s.call("POST", "/login", {{"Cookie", "vw_login=" + token}}, body + "&csrf=" + token + "0");
    CHECK(r.status == 403);
    r = s.call("POST", "/login", {{"Cookie", "vw_login=" + token}}, body);
    CHECK(r.status == 403);
    CHECK(has(r.body, "確認トークン"));
    // The right token from another origin.
    r = s.call("POST", "/login",
               {{"Cookie", "vw_login=" + token}, {"Origin", "https://evil.example"}},
               body + "&csrf=" + token);
    CHECK(r.status == 403);
    CHECK(has(r.body, "他のサイトからのログインは受け付けません"));
    r = s.call("POST", "/login",
               {{"Cookie", "vw_login=" + token}, {"Sec-Fetch-Site", "cross-site"}},
               body + "&csrf=" + token);
    CHECK(r.status == 403);
    CHECK(s.sessionEvents().empty()); // no password was checked
    // Under Referrer-Policy: no-referrer a browser's form post says `Origin: null`: refused
    // alone, believed with the browser's Sec-Fetch-Site: same-origin.
    r = s.call("POST", "/login", {{"Cookie", "vw_login=" + token}, {"Origin", "null"}},
               body + "&csrf=" + token);
    CHECK(r.status == 403);
    r = s.call(
        "POST", "/login",
        {{"Cookie", "vw_login=" + token}, {"Origin", "null"}, {"Sec-Fetch-Site", "same-origin"}},
        body + "&csrf=" + token);
    CHECK(r.status == 303);
    // From this origin it works.
    r = s.call("POST", "/login",
               {{"Cookie", "vw_login=" + token},
                {"Origin", "http://vw.example"},
                {"Sec-Fetch-Site", "same-origin"}},
               body + "&csrf=" + token);
    CHECK(r.status == 303);
    CHECK_FALSE(sessionTokenOf(r).empty());
}

TEST_CASE("Failed logins are limited per user name and per client", "[web][login][limiter]") {
    Site s;
    // Ten failures for one name from ten addresses: the name is blocked, even with the right
    // password from a fresh address, and in another case or width.
    for (int i = 0; i < 10; ++i) {
        CHECK(s.login("alice", "wrong wrong wrong", "", "198.51.100." + std::to_string(i)).status ==
              401);
    }
    const std::uint64_t before = passwordVerifications();
    HttpResponse r = s.login("ALICE", kPassword, "", "203.0.113.9");
    CHECK(r.status == 429);
    CHECK(r.header("Retry-After") == "600");
    CHECK(has(r.body, "10 分後"));
    CHECK(sessionTokenOf(r).empty());
    CHECK(s.login("ａｌｉｃｅ", kPassword, "", "203.0.113.9").status == 429);
    CHECK(passwordVerifications() == before); // nothing is checked while blocked
    // Another user is not affected.
    CHECK(s.login("vic", kPassword, "", "203.0.113.9").status == 303);
    // Ten failures from one IPv6 /64 with different names: the whole /64 is blocked.
    for (int i = 0; i < 10; ++i) {
        CHECK(s.login("guess" + std::to_string(i), "wrong wrong wrong", "",
                      "2001:db8:1:2::" + std::to_string(i + 1))
                  .status == 401);
    }
    r = s.login("vic", kPassword, "", "2001:db8:1:2:ffff::1");
    CHECK(r.status == 429);
    CHECK_FALSE(r.header("Retry-After").empty());
    CHECK(s.login("vic", kPassword, "", "2001:db8:1:3::1").status == 303);
}

TEST_CASE("Logout needs a post with the session's token and ends the session", "[web][login]") {
    Site s;
    const std::string token = sessionTokenOf(s.login("alice", kPassword));
    REQUIRE_FALSE(token.empty());
    const auto session = sessionFor(*s.store, token, kNow);
    REQUIRE(session);
    const Headers cookie{{"Cookie", "vw_session=" + token}};
    // GET only asks.
    HttpResponse r = s.call("GET", "/logout", cookie);
    CHECK(r.status == 200);
    CHECK(has(r.body, "id=\"logout-form\""));
    CHECK(has(r.body, "<input type=\"hidden\" name=\"csrf\" value=\"" + session->csrf + "\">"));
    CHECK(sessionFor(*s.store, token, kNow));
    // A post without the token is refused by the router.
    r = s.call("POST", "/logout", cookie, "x=1");
    CHECK(r.status == 403);
    CHECK(sessionFor(*s.store, token, kNow));
    r = s.call("POST", "/logout", cookie, "csrf=" + session->csrf);
    CHECK(r.status == 303);
    CHECK(r.header("Location") == "/login");
    CHECK(r.header("Set-Cookie") == "vw_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
    CHECK_FALSE(sessionFor(*s.store, token, kNow));
    CHECK(s.call("GET", "/", cookie).status == 303); // logged out
    CHECK(s.sessionEvents().back() == "logout:user:alice:alice:192.0.2.1");
    // Without a login, /logout goes to the login page.
    CHECK(s.call("GET", "/logout").header("Location") == "/login?next=%2Flogout");
    // The audit chain still holds together.
    CHECK(verifyAuditChain(*s.store).ok());
}

TEST_CASE("A trusted proxy's user header logs the user in", "[web][login][sso]") {
    Site s("X-Remote-User");
    // From the trusted proxy: a session is made and its cookie set.
    HttpResponse r = s.call("GET", "/", {{"X-Remote-User", "Alice"}}, "", "192.0.2.7", false, true);
    CHECK(r.status == 200);
    CHECK(r.user == "alice");
    const std::string token = sessionTokenOf(r);
    REQUIRE_FALSE(token.empty());
    const auto session = sessionFor(*s.store, token, kNow);
    REQUIRE(session);
    CHECK(session->user.name == "alice");
    CHECK(has(r.body, "<meta name=\"csrf-token\" content=\"" + session->csrf + "\">"));
    CHECK(s.sessionEvents() == std::vector<std::string>{"sso-login:user:alice:alice:192.0.2.7"});
    // With the cookie, the session stands (no new one).
    r = s.call("GET", "/cases", {{"X-Remote-User", "alice"}, {"Cookie", "vw_session=" + token}}, "",
               "192.0.2.7", false, true);
    CHECK(r.header("Set-Cookie").empty());
    CHECK(s.sessionEvents().size() == 1);
    // The proxy names another user: that user's session replaces the old one.
    r = s.call("GET", "/", {{"X-Remote-User", "vic"}, {"Cookie", "vw_session=" + token}}, "",
               "192.0.2.7", false, true);
    CHECK(r.user == "vic");
    CHECK_FALSE(sessionFor(*s.store, token, kNow));
    const std::string vic = sessionTokenOf(r);
    REQUIRE_FALSE(vic.empty());
    CHECK(sessionFor(*s.store, vic, kNow)->user.name == "vic");
    // Unknown and removed users are refused by name.
    r = s.call("GET", "/", {{"X-Remote-User", "<b>mallory</b>"}}, "", "192.0.2.7", false, true);
    CHECK(r.status == 403);
    CHECK(has(r.body, "X-Remote-User"));
    CHECK(has(r.body, "&lt;b&gt;mallory&lt;/b&gt;"));
    CHECK(has(r.body, "登録されていません"));
    CHECK(sessionTokenOf(r).empty());
    r = s.call("GET", "/", {{"X-Remote-User", "gone"}}, "", "192.0.2.7", false, true);
    CHECK(r.status == 403);
    CHECK(has(r.body, "削除されています"));
    // From an untrusted peer the header means nothing.
    r = s.call("GET", "/", {{"X-Remote-User", "alice"}}, "", "192.0.2.8", false, false);
    CHECK(r.status == 303);
    CHECK(r.header("Location") == "/login?next=%2F");
    // Without the setting the header means nothing either.
    Site off;
    r = off.call("GET", "/", {{"X-Remote-User", "alice"}}, "", "192.0.2.7", false, true);
    CHECK(r.status == 303);
}
