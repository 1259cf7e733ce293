#include "web/auth.h"

#include "core/text.h"
#include "web/url.h"

namespace vw::web {

bool isUnsafeMethod(std::string_view method) {
    return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

AuthResult authenticate(const HttpRequest& request, Store& store, FailedAuthLimiter& limiter,
                        std::int64_t now) {
    AuthResult result;
    const std::string authorization = request.header("Authorization");
    const std::optional<std::string> cookie =
        request.hasHeader("Cookie") ? cookieValue(request.header("Cookie"), kSessionCookie)
                                    : std::nullopt;
    const bool hasCookie = cookie && !cookie->empty();
    if (!request.hasHeader("Authorization") && !hasCookie) {
        result.kind = AuthResult::Kind::Missing;
        return result;
    }
    if (const std::int64_t wait = limiter.blockedFor(request.clientIp, now); wait > 0) {
        result.kind = AuthResult::Kind::Blocked;
        result.retryAfter = wait;
        return result;
    }
    if (request.hasHeader("Authorization")) {
        const std::string_view value = trim(authorization);
        constexpr std::string_view scheme = "bearer";
        if (value.size() <= scheme.size() + 1 || !startsWithIgnoreCase(value, scheme) ||
            (value[scheme.size()] != ' ' && value[scheme.size()] != '\t')) {
            result.kind = AuthResult::Kind::Malformed;
            return result;
        }
        const std::string token(trim(value.substr(scheme.size() + 1)));
        std::optional<User> user;
        // A token is printable ASCII of bounded length; anything else cannot be one.
        if (!token.empty() && token.size() <= 256) {
            user = userForApiToken(store, token, now);
        }
        if (!user) {
            limiter.recordFailure(request.clientIp, now);
            result.kind = AuthResult::Kind::Invalid;
            return result;
        }
        result.kind = AuthResult::Kind::Ok;
        result.principal = Principal{std::move(*user), false, {}};
        return result;
    }
    std::optional<SessionInfo> session;
    if (cookie->size() <= 256) {
        session = sessionFor(store, *cookie, now);
    }
    if (!session) {
        limiter.recordFailure(request.clientIp, now);
        result.kind = AuthResult::Kind::Invalid;
        return result;
    }
    result.kind = AuthResult::Kind::Ok;
    result.principal = Principal{std::move(session->user), true, std::move(session->csrf)};
    return result;
}

namespace {

/// host[:port] of an Origin ("https://a.example:8443" -> "a.example:8443"); "" for "null" or
/// anything without a scheme.
std::string originHost(std::string_view origin) {
    const auto scheme = origin.find("://");
    if (scheme == std::string_view::npos) {
        return {};
    }
    std::string_view rest = origin.substr(scheme + 3);
    rest = rest.substr(0, rest.find('/'));
    return lowerAscii(rest);
}

/// host[:port] with a default port dropped, lower case.
std::string withoutDefaultPort(std::string host) {
    for (const char* suffix : {":80", ":443"}) {
        const std::string_view s(suffix);
        if (host.size() > s.size() && host.compare(host.size() - s.size(), s.size(), s) == 0) {
            host.erase(host.size() - s.size());
        }
    }
    return host;
}

} // namespace

std::optional<std::string> csrfProblem(const HttpRequest& request, const Principal& principal) {
    if (!principal.viaSession || !isUnsafeMethod(request.method)) {
        return std::nullopt;
    }
    const std::string fetchSite = lowerAscii(trim(request.header("Sec-Fetch-Site")));
    if (fetchSite == "cross-site" || fetchSite == "same-site") {
        return std::string("cross-origin");
    }
    // A browser's own Sec-Fetch-Site: same-origin (no page can set it) settles it: such a
    // browser sends `Origin: null` with every form post under the pages' Referrer-Policy:
    // no-referrer (the Fetch standard), so the Origin is compared only without it.
    if (fetchSite != "same-origin" && request.hasHeader("Origin")) {
        const std::string origin = withoutDefaultPort(originHost(trim(request.header("Origin"))));
        const std::string host = withoutDefaultPort(lowerAscii(trim(request.header("Host"))));
        if (origin.empty() || origin != host) {
            return std::string("cross-origin");
        }
    }
    if (!sameSecret(trim(request.header("X-CSRF-Token")), principal.csrf)) {
        return std::string("csrf");
    }
    return std::nullopt;
}

} // namespace vw::web
