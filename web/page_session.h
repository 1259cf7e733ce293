// Logging in and out of the pages (web/page_login.cpp; docs/web.md "Login"): what the router
// (web/pages.cpp) needs of it for the single sign-on of a trusted reverse proxy's header, and
// the audit events of sessions.
#pragma once

#include "web/page_routes.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vw::web {

/// The Set-Cookie value of the session cookie: `token` for `maxAge` seconds (0 with an empty
/// token: the cookie is cleared); HttpOnly, SameSite=Strict, Path=/, Secure when `secure`.
std::string sessionCookie(const std::string& token, std::int64_t maxAge, bool secure);

/// An audit event of a session (kind "user", docs/web.md "Audit events"): `action` (login,
/// login-failed, logout, sso-login) with the client's address, about user `name` ("" when the
/// name given was no valid user name), by `actor`.
void auditSession(Store& store, const std::string& name, const std::string& actor,
                  const std::string& action, const std::string& text, const HttpRequest& request,
                  std::int64_t now, std::vector<std::pair<std::string, std::string>> extra = {});

/// What the single sign-on of a request came to.
struct SsoOutcome {
    /// The 403 page when the header names no enabled user.
    std::optional<HttpResponse> refused;
    /// A new session's cookie value for the response (when one was made).
    std::string setCookie;
};

/// Logs the request in as the user `named` by the trusted proxy's header `header`: an enabled
/// user gets a new session (call.principal is set, `oldToken`'s session, another user's, is
/// ended) and an audit event; an unknown or removed user gets a 403 page naming the problem.
SsoOutcome ssoLogin(PageCall& call, const std::string& header, const std::string& named,
                    const std::string& oldToken);

} // namespace vw::web
