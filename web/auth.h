// Who makes an API request (docs/web.md "Authentication"): `Authorization: Bearer <token>`
// (an API token of store/users.h) or the login session's cookie; a session's unsafe requests
// (POST, PUT, PATCH, DELETE) also need the session's CSRF token in X-CSRF-Token and must not
// come from another origin. Failed credentials count against the client's address
// (web/rate_limit.h).
#pragma once

#include "store/users.h"
#include "web/http.h"
#include "web/rate_limit.h"

#include <cstdint>
#include <optional>
#include <string>

namespace vw {
class Store;
}

namespace vw::web {

/// The session cookie's name (set by the login page, read by the API and the pages).
inline constexpr std::string_view kSessionCookie = "vw_session";

struct Principal {
    User user;
    bool viaSession = false; // the cookie, not a bearer token
    std::string csrf;        // the session's CSRF token ("" for a bearer token)
};

struct AuthResult {
    enum class Kind {
        Ok,
        Missing,   // no credentials: 401
        Malformed, // an Authorization header that is not "Bearer <token>": 401
        Invalid,   // unknown, expired or revoked credentials: 401, counted
        Blocked,   // too many failures from this client: 429
    };
    Kind kind = Kind::Missing;
    std::optional<Principal> principal;
    std::int64_t retryAfter = 0; // Blocked: seconds
};

/// Authenticates `request`: the bearer token when there is an Authorization header (a cookie
/// is then ignored), else the session cookie. A client the limiter blocks is not looked at.
AuthResult authenticate(const HttpRequest& request, Store& store, FailedAuthLimiter& limiter,
                        std::int64_t now);

/// POST, PUT, PATCH and DELETE (and anything else that is not GET, HEAD or OPTIONS).
bool isUnsafeMethod(std::string_view method);

/// Why a session's unsafe request is refused: "csrf" (no or a wrong X-CSRF-Token),
/// "cross-origin" (Origin names another host, or Sec-Fetch-Site says cross-site); nullopt when
/// it may go on. Bearer requests are never refused here (browsers do not add the header by
/// themselves).
std::optional<std::string> csrfProblem(const HttpRequest& request, const Principal& principal);

} // namespace vw::web
