#include "feeds/kev_source.h"

#include "core/http.h"
#include "feeds/conditional_get.h"
#include "feeds/parse/kev.h"

#include <optional>
#include <utility>

namespace vw {

KevSource::KevSource(std::string name, std::string url, HttpClient& http, long timeoutMs,
                     std::size_t maxBytes, std::string caFile, ProxySettings proxy)
    : name_(std::move(name)), url_(std::move(url)), http_(http), timeoutMs_(timeoutMs),
      maxBytes_(maxBytes), caFile_(std::move(caFile)), proxy_(std::move(proxy)) {}

PollOutcome KevSource::poll(const SourceState& state) {
    HttpRequest request;
    request.url = url_;
    request.timeoutMs = timeoutMs_;
    request.maxBytes = maxBytes_;
    request.caFile = caFile_;
    request.proxy = proxy_;
    request.headers.emplace_back("Accept", "application/json, */*;q=0.1");
    PollOutcome done;
    std::optional<HttpResponse> response = conditionalGet(http_, std::move(request), state, done);
    if (!response) {
        return done;
    }

    PollOutcome outcome;
    try {
        outcome.result = parseKevCatalog(response->body);
    } catch (const ParseError& e) {
        return pollFailure(state,
                           "the document at " + url_ + " is not CISA's KEV catalog: " + e.what());
    }
    outcome.kind = PollOutcome::Kind::Records;
    outcome.state = withValidators(state, *response);
    // The catalog as received: kept as evidence when it is stored (daemon/kev.h).
    outcome.result.addRaw("application/json", std::move(response->body));
    return outcome;
}

} // namespace vw
