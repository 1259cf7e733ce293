// Polite HTTP GETs for the MyJVN API sources (myjvn, myjvn-alert): requests at least
// request_interval apart, HTTP 5xx / 429 / transport errors retried with exponential backoff
// that honours Retry-After, every wait cancellable. Clocks and waits are injectable (Pacer) so
// tests run on virtual time.
#pragma once

#include "config/config.h"
#include "core/http.h"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

namespace vw {

/// The clocks and the wait a paced source uses, injectable so tests run on virtual time.
struct Pacer {
    /// Monotonic time, for pacing and backoff.
    std::function<std::chrono::steady_clock::time_point()> now;
    /// Waits `duration`; returns false when cancelled (the poll then ends with an Error).
    std::function<bool(std::chrono::milliseconds)> sleep;
    /// Wall-clock time: "today" (in JST, +09:00, the API's zone) and Retry-After HTTP-dates.
    std::function<std::chrono::system_clock::time_point()> wallNow;
    /// The first retry waits this long, each further one twice the previous (1 s, 2 s, 4 s …).
    std::chrono::milliseconds backoffBase{1000};
    /// A Retry-After longer than this is not waited for: the request fails instead.
    std::chrono::milliseconds maxRetryAfter{std::chrono::minutes(5)};

    /// The real clocks; sleep waits in steps of at most 50 ms and gives up (returns false) soon
    /// after `*cancel` becomes true (nullptr: never cancelled). `cancel` must outlive the pacer.
    static Pacer system(const std::atomic<bool>* cancel = nullptr);
};

/// How a PacedFetcher sends its requests.
struct PacedFetchSettings {
    std::chrono::milliseconds requestInterval{1000}; // end of one request to start of the next
    int retries = 3;    // extra attempts after a retryable failure (negative: 0)
    long timeoutMs = 0; // per request: a stall past it is a transport error
    std::size_t maxBytes = 0;
    std::string caFile;
    ProxySettings proxy;
    std::string accept = "application/xml, text/xml;q=0.9, */*;q=0.1";

    /// A source's request_interval, retries, timeout, max_bytes, ca_file and proxy.
    static PacedFetchSettings of(const SourceConfig& config);
};

class PacedFetcher {
public:
    /// The outcome of one fetch(): a 2xx response, or why not.
    struct Fetched {
        std::optional<HttpResponse> response; // a 2xx answer
        std::string error;                    // else why not (after retries), naming the URL
        bool cancelled = false;
    };

    /// `http` must outlive the fetcher.
    PacedFetcher(HttpClient& http, Pacer pacer, PacedFetchSettings settings);

    /// GETs `url`: waits until requestInterval after the end of the previous request (also
    /// across polls: the fetcher lives as long as its source), then retries HTTP 5xx, 429 and
    /// transport errors up to `retries` times, waiting backoffBase × 2^attempt or the server's
    /// Retry-After when longer (one longer than maxRetryAfter fails at once). Other statuses
    /// fail at once. Never throws for network problems.
    Fetched fetch(const std::string& url);

    const Pacer& pacer() const { return pacer_; }

private:
    /// Waits until requestInterval after the previous request; false when cancelled.
    bool pace();

    HttpClient& http_;
    Pacer pacer_;
    PacedFetchSettings settings_;
    std::optional<std::chrono::steady_clock::time_point> lastRequestEnd_;
};

} // namespace vw
