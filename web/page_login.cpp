// The login and logout pages (issue 13 parts 2 and 3; docs/web.md "Login"): a password form
// checked with store/users.h checkPassword, limited per client and per user name, protected
// against forged logins by a pre-login double-submit token and the origin check; the single
// sign-on of a trusted reverse proxy's header (called by the router, web/pages.cpp). Every
// login, failed login and logout is an audit event naming the user.
#include "core/credentials.h"
#include "core/text.h"
#include "store/audit.h"
#include "store/store.h"
#include "store/users.h"
#include "web/page_routes.h"
#include "web/page_session.h"
#include "web/rate_limit.h"
#include "web/url.h"

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <sys/random.h>

namespace vw::web {
namespace {

/// The pre-login token's cookie (its value is also the form's hidden `csrf` field).
constexpr std::string_view kLoginCookie = "vw_login";
constexpr std::size_t kLoginTokenBytes = 32; // 64 hex digits
constexpr std::int64_t kLoginCookieSeconds = 3600;
/// Longer names cannot be users; the limiter keys on at most this many bytes of one.
constexpr std::size_t kMaxNameBytes = 256;

std::string randomHex(std::size_t bytes) {
    std::string raw(bytes, '\0');
    std::size_t got = 0;
    while (got < raw.size()) {
        const ssize_t n = getrandom(raw.data() + got, raw.size() - got, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw std::runtime_error("getrandom failed");
        }
        got += static_cast<std::size_t>(n);
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes * 2);
    for (const unsigned char c : raw) {
        out += kHex[c >> 4];
        out += kHex[c & 0x0f];
    }
    return out;
}

bool wellFormedLoginToken(std::string_view token) {
    if (token.size() != kLoginTokenBytes * 2) {
        return false;
    }
    for (const char c : token) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

std::string cookieOf(const HttpRequest& request, std::string_view name) {
    if (!request.hasHeader("Cookie")) {
        return {};
    }
    return cookieValue(request.header("Cookie"), name).value_or("");
}

std::string loginCookie(const std::string& token, bool secure) {
    return std::string(kLoginCookie) + "=" + token +
           "; Path=/login; Max-Age=" + std::to_string(kLoginCookieSeconds) +
           "; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
}

/// `next` when it is a path on this server to go to after the login ("/cases?open=true"),
/// else "/": never another host ("//evil.example", "/\evil.example", "https://…"), never a
/// control character (which would end up in the Location header).
std::string safeNext(std::string_view next) {
    if (next.empty() || next.front() != '/' || next.size() > 2048) {
        return "/";
    }
    if (next.size() > 1 && (next[1] == '/' || next[1] == '\\')) {
        return "/";
    }
    for (const char c : next) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f || c == '\\') {
            return "/";
        }
    }
    return std::string(next);
}

/// The limiter's key of a user name: its folded form, so "Tanaka" and "ｔａｎａｋａ" share one
/// count (a prefix that no address has, so it never meets a client's key).
std::string userLimiterKey(std::string_view name) {
    return "user:" + userNameKey(normalizeUserName(name.substr(0, kMaxNameBytes)));
}

/// The login form (GET, or again after a refused post) with `error` and the name typed.
HttpResponse loginForm(PageCall& call, const std::string& error, const std::string& userName,
                       int status) {
    std::string token = cookieOf(call.request, kLoginCookie);
    if (!wellFormedLoginToken(token)) {
        token = randomHex(kLoginTokenBytes);
    }
    View v;
    v.flag("login", true);
    v.text("login_csrf", token);
    v.text("next", call.isPost() ? call.field("next") : call.param("next"));
    v.text("user", userName);
    v.text("user_label", call.t("ユーザー名", "User name"));
    v.text("password_label", call.t("パスワード", "Password"));
    v.text("submit_label", call.t("ログイン", "Log in"));
    v.text("intro", call.t("vulnwatch のアカウントでログインしてください。",
                           "Log in with your vulnwatch account."));
    if (!error.empty()) {
        v.text("error", error);
    }
    HttpResponse r = templatePage(call, call.t("ログイン", "Log in"), "", "login", v, status);
    r.setHeader("Set-Cookie", loginCookie(token, call.request.secure));
    return r;
}

HttpResponse tooManyAttempts(PageCall& call, std::int64_t wait) {
    const std::string minutes = std::to_string((wait + 59) / 60);
    HttpResponse r =
        errorPage(call, 429,
                  call.t("ログインの失敗が続いたため、しばらく受け付けません。" + minutes +
                             " 分後にもう一度お試しください。",
                         "Too many failed logins: logins are refused for now. Try again in " +
                             minutes + " min."));
    r.setHeader("Retry-After", std::to_string(wait));
    return r;
}

HttpResponse postLogin(PageCall& call) {
    const std::string type = lowerAscii(trim(call.request.header("Content-Type")));
    if (type.rfind("application/x-www-form-urlencoded", 0) != 0) {
        return errorPage(call, 400,
                         call.t("ログインフォームから送信してください "
                                "(application/x-www-form-urlencoded)",
                                "send the login form (application/x-www-form-urlencoded)"));
    }
    auto fields = parseQuery(call.request.body);
    if (!fields) {
        return errorPage(call, 400, call.t("フォームを読めません", "the form does not decode"));
    }
    call.form = std::move(*fields);
    // A forged login (another site's form logging the victim in as the attacker) carries
    // neither this origin nor the pre-login cookie's token.
    const Principal preLogin{User{}, true, cookieOf(call.request, kLoginCookie)};
    HttpRequest checked = call.request;
    checked.headers.emplace_back("X-CSRF-Token", call.field("csrf"));
    if (const auto problem = csrfProblem(checked, preLogin)) {
        if (*problem != "csrf") {
            return errorPage(call, 403,
                             call.t("他のサイトからのログインは受け付けません",
                                    "logins from other sites are refused"));
        }
        return loginForm(call,
                         call.t("ログインフォームの確認トークンが一致しません。もう一度ログイン"
                                "してください (Cookie を有効にしてください)。",
                                "The login form's token does not match: log in again (cookies "
                                "must be enabled)."),
                         call.field("user"), 403);
    }
    const std::string name(trim(call.field("user")));
    const std::string password = call.field("password");
    if (name.empty() || password.empty()) {
        return loginForm(call,
                         call.t("ユーザー名とパスワードを入力してください。",
                                "Enter your user name and password."),
                         name, 400);
    }
    const std::string& client = call.request.clientIp;
    const std::string userKey = userLimiterKey(name);
    const std::int64_t wait = std::max(call.limiter.blockedFor(client, call.now),
                                       call.limiter.blockedFor(userKey, call.now));
    if (wait > 0) {
        return tooManyAttempts(call, wait);
    }
    // One Argon2id verification whether the user exists or not (store/users.h).
    const std::optional<User> user =
        name.size() <= kMaxNameBytes ? checkPassword(call.store, name, password) : std::nullopt;
    if (!user) {
        call.limiter.recordFailure(client, call.now);
        call.limiter.recordFailure(userKey, call.now);
        const std::string shown = normalizeUserName(name.substr(0, kMaxNameBytes));
        const bool validName = !userNameProblem(shown);
        auditSession(call.store, validName ? shown : std::string(), "anonymous", "login-failed",
                     "failed login" +
                         (validName ? " as " + shown : std::string(" with an invalid name")) +
                         " from " + client,
                     call.request, call.now);
        return loginForm(call,
                         call.t("ユーザー名またはパスワードが正しくありません。",
                                "The user name or the password is wrong."),
                         name, 401);
    }
    const std::int64_t ttl = static_cast<std::int64_t>(call.settings.sessionHours) * 3600;
    NewSession session;
    {
        Store::Transaction tx(call.store);
        session = createSession(call.store, user->name, call.now, ttl);
        auditSession(call.store, user->name, user->name, "login",
                     "user " + user->name + " logged in from " + client, call.request, call.now,
                     {{"via", "password"}});
        tx.commit();
    }
    HttpResponse r = redirect(safeNext(call.field("next")));
    r.setHeader("Set-Cookie", sessionCookie(session.token, ttl, call.request.secure));
    r.user = user->name;
    return r;
}

} // namespace

std::string sessionCookie(const std::string& token, std::int64_t maxAge, bool secure) {
    return std::string(kSessionCookie) + "=" + token +
           "; Path=/; Max-Age=" + std::to_string(token.empty() ? 0 : maxAge) +
           "; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
}

void auditSession(Store& store, const std::string& name, const std::string& actor,
                  const std::string& action, const std::string& text, const HttpRequest& request,
                  std::int64_t now, std::vector<std::pair<std::string, std::string>> extra) {
    AuditEvent event;
    event.kind = "user";
    event.at = now;
    event.actor = actor;
    event.text = text;
    if (!name.empty()) {
        event.subjects = {"user:" + name};
    }
    event.details = {{"action", action}, {"client", request.clientIp}};
    for (auto& detail : extra) {
        event.details.push_back(std::move(detail));
    }
    store.appendEvent(event);
}

SsoOutcome ssoLogin(PageCall& call, const std::string& header, const std::string& named,
                    const std::string& oldToken) {
    SsoOutcome out;
    const std::optional<User> user = findUser(call.store, named);
    if (!user || user->disabled) {
        const std::string shown = named.substr(0, kMaxNameBytes);
        out.refused = errorPage(
            call, 403,
            user ? call.t("リバースプロキシが " + header + " で伝えたユーザー '" + shown +
                              "' は削除されています。",
                          "the user '" + shown + "' named by the reverse proxy's " + header +
                              " has been removed.")
                 : call.t("リバースプロキシが " + header + " で伝えたユーザー '" + shown +
                              "' は vulnwatch に登録されていません (管理者が vulnwatch users "
                              "add で登録します)。",
                          "the user '" + shown + "' named by the reverse proxy's " + header +
                              " is not a vulnwatch user (an administrator adds users with "
                              "vulnwatch users add)."));
        return out;
    }
    const std::int64_t ttl = static_cast<std::int64_t>(call.settings.sessionHours) * 3600;
    NewSession session;
    {
        Store::Transaction tx(call.store);
        if (!oldToken.empty()) {
            endSession(call.store, oldToken); // another user's, in this browser
        }
        session = createSession(call.store, user->name, call.now, ttl);
        auditSession(call.store, user->name, user->name, "sso-login",
                     "user " + user->name + " logged in by the reverse proxy's " + header +
                         " from " + call.request.clientIp,
                     call.request, call.now, {{"via", header}});
        tx.commit();
    }
    call.principal = Principal{*user, true, session.csrf};
    out.setCookie = sessionCookie(session.token, ttl, call.request.secure);
    return out;
}

HttpResponse loginRoute(PageCall& call, const std::vector<std::string>& rest) {
    if (!rest.empty()) {
        return errorPage(call, 404, call.t("ページがありません", "no such page"));
    }
    if (call.isPost()) {
        return postLogin(call);
    }
    if (call.principal) {
        return redirect(safeNext(call.param("next")));
    }
    return loginForm(call, "", "", 200);
}

HttpResponse logoutRoute(PageCall& call, const std::vector<std::string>& rest) {
    if (!rest.empty()) {
        return errorPage(call, 404, call.t("ページがありません", "no such page"));
    }
    if (!call.isPost()) {
        // Never on a GET (a link or a prefetch must not log anyone out): a form to confirm.
        View v;
        v.flag("logout", true);
        v.text("question", call.t("ログアウトしますか?", "Do you want to log out?"));
        v.text("logout_label", call.t("ログアウト", "Log out"));
        return templatePage(call, call.t("ログアウト", "Log out"), "", "login", v);
    }
    // The router has checked the form's CSRF token and origin.
    const std::string token = cookieOf(call.request, kSessionCookie);
    const std::string name = call.principal->user.name;
    {
        Store::Transaction tx(call.store);
        if (!token.empty()) {
            endSession(call.store, token);
        }
        auditSession(call.store, name, name, "logout",
                     "user " + name + " logged out from " + call.request.clientIp, call.request,
                     call.now);
        tx.commit();
    }
    HttpResponse r = redirect("/login");
    r.setHeader("Set-Cookie", sessionCookie("", 0, call.request.secure));
    r.user = name;
    return r;
}

} // namespace vw::web
