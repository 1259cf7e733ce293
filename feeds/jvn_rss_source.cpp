#include "feeds/jvn_rss_source.h"

#include "core/http.h"
#include "feeds/conditional_get.h"
#include "feeds/parse/jvn_rss.h"

#include <optional>
#include <utility>

namespace vw {

JvnRssSource::JvnRssSource(std::string name, std::string url, HttpClient& http, long timeoutMs,
                           std::size_t maxBytes, std::string caFile, ProxySettings proxy)
    : name_(std::move(name)), url_(std::move(url)), http_(http), timeoutMs_(timeoutMs),
      maxBytes_(maxBytes), caFile_(std::move(caFile)), proxy_(std::move(proxy)) {}

PollOutcome JvnRssSource::poll(const SourceState& state) {
    HttpRequest request;
    request.url = url_;
    request.timeoutMs = timeoutMs_;
    request.maxBytes = maxBytes_;
    request.caFile = caFile_;
    request.proxy = proxy_;
    request.headers.emplace_back("Accept", "application/rdf+xml, application/rss+xml, "
                                           "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1");
    PollOutcome done;
    std::optional<HttpResponse> response = conditionalGet(http_, std::move(request), state, done);
    if (!response) {
        return done;
    }

    PollOutcome outcome;
    try {
        outcome.result = parseJvnRss(response->body);
    } catch (const ParseError& e) {
        return pollFailure(state, "the document at " + url_ +
                                      " is not a usable JVN RSS feed: " + e.what());
    }
    outcome.kind = PollOutcome::Kind::Records;
    outcome.state = withValidators(state, *response);
    // The document as received: every record of it names it as evidence.
    outcome.result.allFrom(outcome.result.addRaw("application/xml", std::move(response->body)));
    return outcome;
}

} // namespace vw
