// The pages of `vulnwatch serve` (issue 13 part 2; docs/web.md "Pages"): server-rendered HTML
// from web/templates/*.mustache, Japanese by default with an English switch, for logged-in users
// (the login page and the static files excepted). Like the API (web/api.h) it works on plain
// values and a Store the caller owns for the request, so tests need no sockets.
#pragma once

#include "web/api.h"
#include "web/http.h"
#include "web/rate_limit.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vw {
class Store;
}

namespace vw::web {

struct PageSettings {
    /// The configured sources and the case work, as the API has them.
    ApiSettings api;
    /// [web] session_hours: how long a login lasts.
    int sessionHours = 12;
    /// [web] trusted_user_header: the header by which a trusted reverse proxy names the
    /// authenticated user (SSO); "" for none. Believed only from [web] trusted_proxies
    /// (HttpRequest::fromTrustedProxy).
    std::string trustedUserHeader;
    /// The store's path (audit export downloads).
    std::string dbPath;
    /// A private folder for staged SBOM uploads (the product page's preview before the commit;
    /// web/upload.h); "" for a folder beside dbPath.
    std::string uploadDir;
    /// [web] metrics: GET /metrics answers the Prometheus exposition (web/metrics.h) without a
    /// login; off: 404.
    bool metrics = false;
};

class Pages {
public:
    Pages(PageSettings settings, FailedAuthLimiter& limiter);
    ~Pages();
    Pages(const Pages&) = delete;
    Pages& operator=(const Pages&) = delete;

    /// Answers a request outside /api/v1: a page, a redirect to /login, a static file, or
    /// nullopt for a path no page serves. Throws only on internal errors (the server answers
    /// 500 and logs them).
    std::optional<HttpResponse> handle(const HttpRequest& request, Store& store,
                                       std::int64_t now) const;

    struct State; // web/pages.cpp

private:
    std::unique_ptr<State> state_;
};

} // namespace vw::web
