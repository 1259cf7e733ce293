// The REST API under /api/v1 (issue 13 part 4; docs/web.md "REST API", web/openapi.json):
// JSON in and out, errors as problem details (web/problem.h), authentication by bearer token
// or session cookie with a CSRF token for writes (web/auth.h). It works on plain values
// (web/http.h) and a Store the caller owns for the request, so tests need no sockets; the case
// work of the daemon (transitionCase) comes in as a function, keeping web/ below daemon/.
#pragma once

#include "core/cases.h"
#include "web/http.h"
#include "web/rate_limit.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vw {
class Store;
}

namespace vw::web {

inline constexpr std::string_view kApiPrefix = "/api/v1";

/// What a transition came to: the case as it is now, or why it was refused (English and
/// Japanese, as daemon/cases.h CaseRefused says it).
struct TransitionOutcome {
    std::optional<Case> done;
    std::string refused;
    /// Refused because the case changed after the version the caller saw (daemon/cases.h
    /// CaseConflict): answered 409, nothing was written.
    bool conflict = false;
};
/// `expectVersion`: the case's version (Case::lastEvent) the user saw, 0 = no check.
using TransitionFn = std::function<TransitionOutcome(
    Store& store, std::int64_t caseId, CaseState to, const std::string& by,
    const std::map<std::string, std::string>& fields, std::int64_t now,
    std::int64_t expectVersion)>;

/// A configured source as GET /sources lists it (its state comes from the store).
struct SourceInfo {
    std::string name;
    std::string type;
    std::string url; // redacted (core/redact.h) by the caller
    bool enabled = true;
    std::chrono::seconds interval{0};
};

/// Re-matches one product version after an SBOM upload changed its components (the daemon's
/// pipeline, daemon/pipeline.h rematchStored); returns how many new matches it found.
using RematchFn = std::function<int(Store& store, const std::string& product,
                                    const std::string& version, std::int64_t now)>;

/// A triager's SSVC points for a case (daemon/cases.h setCaseSsvc): each of exploitation,
/// automatable, technical_impact given ("" gives the derived value back); the case as it is
/// now, or why it was refused (`conflict` as for a transition). `expectVersion`: the case's
/// version the user saw, 0 = no check.
using SsvcFn =
    std::function<TransitionOutcome(Store& store, std::int64_t caseId, const std::string& by,
                                    const std::map<std::string, std::string>& points,
                                    std::int64_t now, std::int64_t expectVersion)>;

/// A hospital notice step from the case page (daemon/notices.h): `action` prepare (`id` is
/// the case), approve or send (`id` is the notice), by user `by`. `status` 200 when done, else
/// 403 (not allowed: the preparer approving, a viewer), 404, 409 (wrong state) or 422, with
/// `message` saying why (Japanese / English). `expectVersion` (approve, send): the notice's
/// version the user saw (store/notices.h noticeVersion), 0 = no check; a notice changed since is
/// 409 with `conflict` set (daemon/notices.h NoticeConflict), nothing written.
struct NoticeOutcome {
    int status = 200;
    std::string message;
    bool conflict = false;
};
using NoticeFn = std::function<NoticeOutcome(Store& store, const std::string& action,
                                             std::int64_t id, const std::string& by,
                                             std::int64_t now, std::int64_t expectVersion)>;

struct ApiSettings {
    std::vector<SourceInfo> sources;
    TransitionFn transition;
    /// May be empty (the case page then shows the points without a form).
    SsvcFn ssvc;
    /// May be empty (an upload is then committed without a re-match).
    RematchFn rematch;
    /// May be empty (the case page then lists notices without forms).
    NoticeFn notices;
    /// The largest JSON body an API call reads (the server's max_body caps every request).
    std::size_t maxJsonBody = 1024 * 1024;
};

class Api {
public:
    Api(ApiSettings settings, FailedAuthLimiter& limiter);

    /// Whether `path` is under /api/v1.
    static bool handles(std::string_view path);

    /// Answers one request under /api/v1 with `store` (the caller's, for this request's
    /// thread; may be null when needsStore() is false) at time `now`. Never throws: a failure
    /// is a 500 problem (`error` says what happened, for the log).
    HttpResponse handle(const HttpRequest& request, Store* store, std::int64_t now,
                        std::string* error = nullptr) const;

    /// Whether a request needs the store at all (the OpenAPI document does not).
    static bool needsStore(const HttpRequest& request);

private:
    ApiSettings settings_;
    FailedAuthLimiter& limiter_;
};

/// The OpenAPI 3.1 document (web/openapi.json, compiled in).
std::string_view openApiDocument();

} // namespace vw::web
