#include "feeds/conditional_get.h"

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
        return std::nullopt;
    }
    return response;
}

SourceState withValidators(const SourceState& state, const HttpResponse& response) {
    SourceState next = state;
    next.etag = response.header("etag");
    next.lastModified = response.header("last-modified");
    return next;
}

} // namespace vw
