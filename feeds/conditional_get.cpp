#include "feeds/conditional_get.h"

#include <chrono>
#include <cstdint>
#include <utility>

namespace vw {

PollOutcome pollFailure(const SourceState& state, std::string message) {
    PollOutcome outcome;
    outcome.kind = PollOutcome::Kind::Error;
    outcome.error = std::move(message);
    outcome.state = state;
    return outcome;
}

std::optional<HttpResponse> conditionalGet(HttpClient& http, HttpRequest request,
                                           const SourceState& state, PollOutcome& done) {
    if (!state.etag.empty()) {
        request.headers.emplace_back("If-None-Match", state.etag);
    }
    if (!state.lastModified.empty()) {
        request.headers.emplace_back("If-Modified-Since", state.lastModified);
    }
    HttpResponse response = http.perform(request);
    const std::string& url = request.url;
    if (!response.ok()) {
        // the client's messages name the URL already; a fake's may not
        done = pollFailure(state, response.error.find(url) == std::string::npos
                                      ? "fetching " + url + " failed: " + response.error
                                      : response.error);
        return std::nullopt;
    }
    if (response.status == 304) {
        done = PollOutcome{};
        done.kind = PollOutcome::Kind::NotModified;
        done.state = state;
        return std::nullopt;
    }
    if (response.status < 200 || response.status > 299) {
        done = pollFailure(state, "fetching " + url + " failed: HTTP status " +
                                      std::to_string(response.status));
        done.retryAfter = retryAfterOf(response);
        return std::nullopt;
    }
    return response;
}

std::optional<long> retryAfterOf(const HttpResponse& response) {
    if (response.status != 429 && response.status != 503) {
        return std::nullopt;
    }
    const std::string value = response.header("retry-after");
    if (value.empty()) {
        return std::nullopt;
    }
    const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    return parseRetryAfter(value, now);
}

SourceState withValidators(const SourceState& state, const HttpResponse& response) {
    SourceState next = state;
    next.etag = response.header("etag");
    next.lastModified = response.header("last-modified");
    return next;
}

} // namespace vw
