#include "web/pages.h"

#include "core/credentials.h"
#include "core/datetime.h"
#include "core/text.h"
#include "store/users.h"
#include "web/headers.h"
#include "web/metrics.h"
#include "web/page_routes.h"
#include "web/page_session.h"
#include "web/url.h"

#include <map>

namespace vw::web {

/// The cookie that keeps the language switch ("en"; anything else or none: Japanese).
inline constexpr std::string_view kLangCookie = "vw_lang";

struct Pages::State {
    PageSettings settings;
    FailedAuthLimiter& limiter;
};

Pages::Pages(PageSettings settings, FailedAuthLimiter& limiter)
    : state_(std::make_unique<State>(State{std::move(settings), limiter})) {}

Pages::~Pages() = default;

std::string PageCall::param(std::string_view name) const {
    for (const auto& [key, value] : query) {
        if (key == name) {
            return value;
        }
    }
    return {};
}

std::string PageCall::field(std::string_view name) const {
    for (const auto& [key, value] : form) {
        if (key == name) {
            return value;
        }
    }
    return {};
}

bool PageCall::csrfValid(std::string_view token) const {
    return principal && principal->viaSession && sameSecret(token, principal->csrf);
}

std::string urlEncode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (unsigned char ch : text) {
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '.' || ch == '_' || ch == '~') {
            out += static_cast<char>(ch);
        } else {
            out += '%';
            out += kHex[ch >> 4];
            out += kHex[ch & 0x0f];
        }
    }
    return out;
}

std::string pageTime(std::int64_t unixSeconds) {
    if (unixSeconds == 0) {
        return {};
    }
    // "2026-11-25T10:00:00+09:00" -> "2026-11-25 10:00"
    const std::string iso = formatIsoDateTime(DateTime{unixSeconds, 540});
    return iso.substr(0, 10) + " " + iso.substr(11, 5);
}

namespace {

struct NavEntry {
    std::string_view key;
    std::string_view path;
    std::string_view ja;
    std::string_view en;
};

constexpr NavEntry kNav[] = {
    {"dashboard", "/", "ダッシュボード", "Dashboard"},
    {"advisories", "/advisories", "脆弱性情報", "Advisories"},
    {"products", "/products", "製品", "Products"},
    {"cases", "/cases", "対応案件", "Cases"},
    {"deliveries", "/deliveries", "配信", "Deliveries"},
    {"audit", "/audit", "監査", "Audit"},
};

std::string_view roleName(UserRole role, Lang lang) {
    switch (role) {
    case UserRole::Viewer:
        return lang == Lang::En ? "viewer" : "閲覧者";
    case UserRole::Triager:
        return lang == Lang::En ? "triager" : "トリアージ担当";
    case UserRole::Admin:
        return lang == Lang::En ? "admin" : "管理者";
    }
    return "";
}

/// The language of a page request: the vw_lang cookie, else Japanese.
Lang pageLang(const HttpRequest& request) {
    if (request.hasHeader("Cookie")) {
        if (const auto value = cookieValue(request.header("Cookie"), kLangCookie)) {
            return *value == "en" ? Lang::En : Lang::Ja;
        }
    }
    return Lang::Ja;
}

HttpResponse html(std::string body, int status) {
    HttpResponse r;
    r.status = status;
    r.contentType = "text/html; charset=utf-8";
    r.body = std::move(body);
    r.setHeader("Content-Security-Policy", std::string(kPageCsp));
    return r;
}

/// The path and query of this request, for ?next= and the language switch.
std::string selfTarget(const HttpRequest& request) {
    return request.query.empty() ? request.path : request.path + "?" + request.query;
}

/// Whether `next` is a local path to return to after a login or a language switch (no
/// scheme, no host: "/cases?x=1", never "//evil" or "/\evil"; no control character, which
/// would end up in the Location header).
bool localTarget(std::string_view next) {
    if (next.empty() || next.front() != '/' ||
        (next.size() > 1 && (next[1] == '/' || next[1] == '\\'))) {
        return false;
    }
    for (const char c : next) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            return false;
        }
    }
    return true;
}

/// GET /lang?set=en&next=/cases: remembers the language in a cookie (a year) and goes back.
HttpResponse langSwitch(const PageCall& call) {
    const std::string set = call.param("set") == "en" ? "en" : "ja";
    const std::string next = call.param("next");
    HttpResponse r = redirect(localTarget(next) ? next : "/");
    r.setHeader("Set-Cookie", std::string(kLangCookie) + "=" + set +
                                  "; Path=/; Max-Age=31536000; SameSite=Strict" +
                                  (call.request.secure ? "; Secure" : ""));
    return r;
}

HttpResponse staticRoute(const PageCall& call, const std::vector<std::string>& rest) {
    const StaticFile* file = rest.size() == 1 ? staticFile(rest[0]) : nullptr;
    if (file == nullptr) {
        return errorPage(call, 404, call.t("ファイルがありません", "no such file"));
    }
    HttpResponse r;
    r.contentType = std::string(file->contentType);
    r.body = std::string(file->text);
    r.setHeader("Content-Security-Policy", std::string(kPageCsp));
    // The files change with the binary only.
    r.setHeader("Cache-Control", "public, max-age=3600");
    return r;
}

using Route = HttpResponse (*)(PageCall&, const std::vector<std::string>&);

struct RouteEntry {
    std::string_view first; // the path's first segment ("" for /)
    Route route;
    bool needsLogin;
    /// The route checks its form posts itself (the login form has no session yet: its own
    /// pre-login token, web/page_login.cpp).
    bool ownCsrf = false;
};

constexpr RouteEntry kRoutes[] = {
    {"", dashboardRoute, true},
    {"login", loginRoute, false, true},
    {"logout", logoutRoute, true},
    {"advisories", advisoriesRoute, true},
    {"products", productsRoute, true},
    {"cases", casesRoute, true},
    {"deliveries", deliveriesRoute, true},
    {"audit", auditRoute, true},
    {"metrics", metricsRoute, false}, // [web] metrics = on; counts only (web/metrics.h)
};

} // namespace

HttpResponse redirect(std::string location, int status) {
    HttpResponse r;
    r.status = status;
    r.contentType = "text/plain; charset=utf-8";
    r.setHeader("Location", std::move(location));
    r.setHeader("Content-Security-Policy", std::string(kPageCsp));
    return r;
}

HttpResponse page(const PageCall& call, std::string_view title, std::string_view active,
                  const std::string& bodyHtml, int status) {
    View layout;
    layout.text("lang", call.lang == Lang::En ? "en" : "ja");
    layout.text("title", title);
    layout.html("body", bodyHtml);
    layout.flag("lang_en", call.lang == Lang::En);
    layout.text("self", selfTarget(call.request));
    layout.text("self_encoded", urlEncode(selfTarget(call.request)));
    layout.text("skip_label", call.t("本文へ移動", "Skip to content"));
    layout.text("nav_label", call.t("メインメニュー", "Main menu"));
    layout.text("lang_label", call.t("言語", "Language"));
    if (call.principal) {
        View& user = layout.object("user");
        user.text("name", call.principal->user.name);
        user.text("role", roleName(call.principal->user.role, call.lang));
        user.flag("session", call.principal->viaSession);
        layout.text("csrf", call.principal->csrf);
        layout.text("logout_label", call.t("ログアウト", "Log out"));
        for (const NavEntry& entry : kNav) {
            View& item = layout.item("nav");
            item.text("path", entry.path);
            item.text("label", call.lang == Lang::En ? entry.en : entry.ja);
            item.flag("active", entry.key == active);
        }
    }
    return html(renderTemplate("layout", layout), status);
}

HttpResponse templatePage(const PageCall& call, std::string_view title, std::string_view active,
                          std::string_view name, View& view, int status) {
    view.flag("lang_en", call.lang == Lang::En);
    if (call.principal) {
        view.text("csrf", call.principal->csrf);
    }
    return page(call, title, active, renderTemplate(name, view), status);
}

HttpResponse errorPage(const PageCall& call, int status, const std::string& message) {
    View view;
    view.number("status", status);
    view.text("message", message);
    view.text("home_label", call.t("ダッシュボードへ戻る", "Back to the dashboard"));
    view.flag("logged_in", call.principal.has_value());
    const std::string title =
        std::to_string(status) + " " +
        (status == 404   ? call.t("見つかりません", "Not found")
         : status == 403 ? call.t("権限がありません", "Forbidden")
         : status == 405 ? call.t("この方法では使えません", "Method not allowed")
         : status == 409 ? call.t("競合しています", "Conflict")
         : status == 429 ? call.t("しばらく待ってください", "Too many requests")
         : status >= 500 ? call.t("サーバエラー", "Server error")
                         : call.t("リクエストに誤りがあります", "Bad request"));
    return templatePage(call, title, "", "error", view, status);
}

std::optional<HttpResponse> Pages::handle(const HttpRequest& request, Store& store,
                                          std::int64_t now) const {
    const std::optional<std::vector<std::string>> segments = pathSegments(request.path, "");
    PageCall call{request, store, now, pageLang(request), state_->settings, state_->limiter,
                  {},      {},    {}};
    if (!segments) {
        return errorPage(call, 400, call.t("パスを読めません", "the path does not decode"));
    }
    if (auto query = parseQuery(request.query)) {
        call.query = std::move(*query);
    } else {
        return errorPage(call, 400, call.t("クエリを読めません", "the query does not decode"));
    }
    const std::string first = segments->empty() ? "" : segments->front();
    const std::vector<std::string> rest =
        segments->empty() ? std::vector<std::string>{}
                          : std::vector<std::string>(segments->begin() + 1, segments->end());
    if (first == "static") {
        return staticRoute(call, rest);
    }
    if (first == "lang" && rest.empty()) {
        return langSwitch(call);
    }
    const RouteEntry* entry = nullptr;
    for (const RouteEntry& r : kRoutes) {
        if (r.first == first) {
            entry = &r;
        }
    }
    if (entry == nullptr) {
        return std::nullopt;
    }
    if (request.method != "GET" && request.method != "HEAD" && request.method != "POST") {
        HttpResponse r = errorPage(
            call, 405, call.t("GET と POST だけが使えます", "only GET and POST are allowed"));
        r.setHeader("Allow", "GET, HEAD, POST");
        return r;
    }
    // Who is logged in: the session cookie.
    std::string cookieToken;
    if (request.hasHeader("Cookie")) {
        if (const auto token = cookieValue(request.header("Cookie"), kSessionCookie);
            token && !token->empty() && token->size() <= 256) {
            if (auto session = sessionFor(store, *token, now)) {
                call.principal = Principal{std::move(session->user), true, session->csrf};
                cookieToken = *token;
            }
        }
    }
    // Single sign-on: a trusted reverse proxy names the user in [web] trusted_user_header
    // (from anyone else the header is ignored). The session cookie stands while it is the same
    // user's; else a session is made and its cookie set.
    std::string ssoCookie;
    const std::string& ssoHeader = state_->settings.trustedUserHeader;
    if (!ssoHeader.empty() && request.fromTrustedProxy && request.hasHeader(ssoHeader)) {
        const std::string named(trim(request.header(ssoHeader)));
        if (!named.empty() && (!call.principal || userNameKey(call.principal->user.name) !=
                                                      userNameKey(normalizeUserName(named)))) {
            call.principal.reset();
            SsoOutcome sso = ssoLogin(call, ssoHeader, named, cookieToken);
            if (sso.refused) {
                return std::move(*sso.refused);
            }
            ssoCookie = std::move(sso.setCookie);
        }
    }
    if (entry->needsLogin && !call.principal) {
        if (request.method == "GET" || request.method == "HEAD") {
            return redirect("/login?next=" + urlEncode(selfTarget(request)));
        }
        return errorPage(call, 401, call.t("ログインしてください", "please log in"));
    }
    if (request.method == "POST" && call.principal && !entry->ownCsrf) {
        // Forms: the session's CSRF token in the `csrf` field, from this origin.
        const std::string type = request.header("Content-Type");
        if (type.rfind("application/x-www-form-urlencoded", 0) == 0) {
            if (auto fields = parseQuery(request.body)) {
                call.form = std::move(*fields);
            } else {
                return errorPage(call, 400,
                                 call.t("フォームを読めません", "the form does not decode"));
            }
        }
        HttpRequest checked = request;
        checked.headers.emplace_back("X-CSRF-Token", call.field("csrf"));
        if (const auto problem = csrfProblem(checked, *call.principal)) {
            const bool multipartOwnCheck =
                *problem == "csrf" && type.rfind("multipart/form-data", 0) == 0;
            if (!multipartOwnCheck) {
                return errorPage(
                    call, 403,
                    *problem == "csrf"
                        ? call.t("フォームの確認トークンが一致しません。ページを開き直して"
                                 "ください",
                                 "the form's CSRF token does not match; reload the "
                                 "page")
                        : call.t("他のサイトからの送信は受け付けません",
                                 "posts from other sites are refused"));
            }
        }
    }
    HttpResponse response = entry->route(call, rest);
    if (!ssoCookie.empty() && response.header("Set-Cookie").empty()) {
        response.setHeader("Set-Cookie", ssoCookie);
    }
    if (response.user.empty() && call.principal) {
        response.user = call.principal->user.name; // for the access log
    }
    return response;
}

} // namespace vw::web
