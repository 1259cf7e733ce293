// The conditional GET of the sources that fetch one document by URL (jvn-rss, kev): the
// validators of the last poll sent, 304 as "not modified", failures named with the URL.
#pragma once

#include "core/http.h"
#include "feeds/source.h"

#include <optional>
#include <string>

namespace vw {

/// A poll that failed: kind Error with `message`, the state unchanged.
PollOutcome pollFailure(const SourceState& state, std::string message);

/// GETs `request` (URL, limits and Accept set by the caller) with `state`'s ETag and
/// Last-Modified. Returns the 2xx response; otherwise nullopt with `done` set to the poll's
/// outcome: NotModified on 304, Error naming the URL for a transport failure or another status
/// (with PollOutcome::retryAfter for a 429 or 503 that says how long to wait).
std::optional<HttpResponse> conditionalGet(HttpClient& http, HttpRequest request,
                                           const SourceState& state, PollOutcome& done);

/// The wait a 429 or 503 response asks for (its `Retry-After`, seconds or an HTTP date), else
/// nullopt.
std::optional<long> retryAfterOf(const HttpResponse& response);

/// `state` with the validators of `response` (for the next conditional GET).
SourceState withValidators(const SourceState& state, const HttpResponse& response);

} // namespace vw
