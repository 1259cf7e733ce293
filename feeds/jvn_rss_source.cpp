#include "feeds/jvn_rss_source.h"

#include "core/http.h"
#include "feeds/parse/jvn_rss.h"

#include <utility>

namespace vw {

namespace {

PollOutcome failure(const SourceState& state, std::string message) {
    PollOutcome outcome;
    outcome.kind = PollOutcome::Kind::Error;
    outcome.error = std::move(message);
    outcome.state = state;
    return outcome;
}

} // namespace

JvnRssSource::JvnRssSource(std::string name, std::string url, HttpClient& http, long timeoutMs,
                           std::size_t maxBytes, std::string caFile)
    : name_(std::move(name)), url_(std::move(url)), http_(http), timeoutMs_(timeoutMs),
      maxBytes_(maxBytes), caFile_(std::move(caFile)) {}

PollOutcome JvnRssSource::poll(const SourceState& state) {
    HttpRequest request;
    request.url = url_;
    request.timeoutMs = timeoutMs_;
    request.maxBytes = maxBytes_;
    request.caFile = caFile_;
    request.headers.emplace_back("Accept", "application/rdf+xml, application/rss+xml, "
                                           "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1");
    if (!state.etag.empty()) {
        request.headers.emplace_back("If-None-Match", state.etag);
    }
    if (!state.lastModified.empty()) {
        request.headers.emplace_back("If-Modified-Since", state.lastModified);
    }

    HttpResponse response = http_.perform(request);
    if (!response.ok()) {
        // the client's messages name the URL already; a fake's may not
        return failure(state, response.error.find(url_) == std::string::npos
                                  ? "fetching " + url_ + " failed: " + response.error
                                  : response.error);
    }
    if (response.status == 304) {
        PollOutcome outcome;
        outcome.kind = PollOutcome::Kind::NotModified;
        outcome.state = state;
        return outcome;
    }
    if (response.status < 200 || response.status > 299) {
        return failure(state, "fetching " + url_ + " failed: HTTP status " +
                                  std::to_string(response.status));
    }

    PollOutcome outcome;
    try {
        outcome.result = parseJvnRss(response.body);
    } catch (const ParseError& e) {
        return failure(state,
                       "the document at " + url_ + " is not a usable JVN RSS feed: " + e.what());
    }
    outcome.kind = PollOutcome::Kind::Records;
    outcome.state = state;
    outcome.state.etag = response.header("etag");
    outcome.state.lastModified = response.header("last-modified");
    // The document as received: every record of it names it as evidence.
    outcome.result.allFrom(outcome.result.addRaw("application/xml", std::move(response.body)));
    return outcome;
}

} // namespace vw
