// Inside the pages (web/pages.h): what one page request carries and the helpers every page
// uses. Each area of the site is one file (web/page_*.cpp) with one route function; the router
// (web/pages.cpp) checks the login and the CSRF token of form posts before calling it.
#pragma once

#include "web/auth.h"
#include "web/http.h"
#include "web/pages.h"
#include "web/problem.h"
#include "web/view.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vw::web {

class FailedAuthLimiter;

using Params = std::vector<std::pair<std::string, std::string>>;

/// One page request.
struct PageCall {
    const HttpRequest& request;
    Store& store;
    std::int64_t now;
    Lang lang;
    const PageSettings& settings;
    FailedAuthLimiter& limiter;
    Params query; // decoded
    /// A form post's fields (application/x-www-form-urlencoded), decoded; empty otherwise. The
    /// router has checked its `csrf` field against the session (a multipart post's handler
    /// checks it itself with csrfValid).
    Params form;
    /// The logged-in user; always set in the routes that need a login.
    std::optional<Principal> principal;

    /// The first query parameter of that name ("" when absent).
    std::string param(std::string_view name) const;
    /// The first form field of that name ("" when absent).
    std::string field(std::string_view name) const;
    bool isPost() const { return request.method == "POST"; }
    /// One text in the page's language.
    std::string t(std::string_view ja, std::string_view en) const { return tr(lang, ja, en); }
    /// Whether `token` is the session's CSRF token.
    bool csrfValid(std::string_view token) const;
};

/// A whole page: `bodyHtml` (a rendered template) inside the layout (web/templates/layout):
/// the navigation with `active` (dashboard, advisories, products, cases, deliveries, audit)
/// marked, the user, the language switch, the CSRF token for forms; HTML with the page CSP.
HttpResponse page(const PageCall& call, std::string_view title, std::string_view active,
                  const std::string& bodyHtml, int status = 200);
/// A page from the template `name` rendered with `view`, in the layout. The view gets `csrf`
/// (the session's token, for hidden form fields) and `lang_en` (true in English) added.
HttpResponse templatePage(const PageCall& call, std::string_view title, std::string_view active,
                          std::string_view name, View& view, int status = 200);
/// 303 See Other to `location` (a path on this server).
HttpResponse redirect(std::string location, int status = 303);
/// An error page (404, 403, 400, 405, 409 …) with `message`, in the layout when logged in.
HttpResponse errorPage(const PageCall& call, int status, const std::string& message);

/// `text` percent-encoded for one path segment or query value (unreserved characters kept).
std::string urlEncode(std::string_view text);
/// A time as the pages show it: "2026-11-25 10:00" in JST, "" for 0.
std::string pageTime(std::int64_t unixSeconds);

// The areas of the site; `rest` is the path's decoded segments after the first one.
HttpResponse loginRoute(PageCall& call, const std::vector<std::string>& rest);      // /login
HttpResponse logoutRoute(PageCall& call, const std::vector<std::string>& rest);     // /logout
HttpResponse dashboardRoute(PageCall& call, const std::vector<std::string>& rest);  // /
HttpResponse advisoriesRoute(PageCall& call, const std::vector<std::string>& rest); // /advisories
HttpResponse productsRoute(PageCall& call, const std::vector<std::string>& rest);   // /products
HttpResponse casesRoute(PageCall& call, const std::vector<std::string>& rest);      // /cases
HttpResponse deliveriesRoute(PageCall& call, const std::vector<std::string>& rest); // /deliveries
HttpResponse auditRoute(PageCall& call, const std::vector<std::string>& rest);      // /audit

} // namespace vw::web
