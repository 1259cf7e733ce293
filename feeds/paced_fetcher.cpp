#include "feeds/paced_fetcher.h"

#include <algorithm>
#include <cstdint>
#include <thread>
#include <utility>

namespace vw {

namespace {

using std::chrono::milliseconds;

bool isRetryable(const HttpResponse& response) {
    return !response.ok() || response.status == 429 || response.status >= 500;
}

std::string describe(const HttpResponse& response) {
    if (!response.ok()) {
        return response.error;
    }
    return "HTTP status " + std::to_string(response.status);
}

/// Retry-After as a wait from `now`; nullopt when absent or unreadable.
std::optional<milliseconds> retryAfter(const HttpResponse& response,
                                       std::chrono::system_clock::time_point now) {
    const auto seconds = parseRetryAfter(
        response.header("retry-after"),
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
    if (!seconds) {
        return std::nullopt;
    }
    return milliseconds(static_cast<std::int64_t>(*seconds) * 1000);
}

} // namespace

Pacer Pacer::system(const std::atomic<bool>* cancel) {
    Pacer pacer;
    pacer.now = [] { return std::chrono::steady_clock::now(); };
    pacer.wallNow = [] { return std::chrono::system_clock::now(); };
    pacer.sleep = [cancel](milliseconds duration) {
        const auto until = std::chrono::steady_clock::now() + duration;
        for (;;) {
            if (cancel != nullptr && cancel->load()) {
                return false;
            }
            const auto now = std::chrono::steady_clock::now();
            if (now >= until) {
                return true;
            }
            std::this_thread::sleep_for(
                std::min<std::chrono::steady_clock::duration>(until - now, milliseconds(50)));
        }
    };
    return pacer;
}

PacedFetchSettings PacedFetchSettings::of(const SourceConfig& config) {
    PacedFetchSettings settings;
    settings.requestInterval = config.requestInterval;
    settings.retries = config.retries;
    settings.timeoutMs =
        static_cast<long>(std::chrono::duration_cast<milliseconds>(config.timeout).count());
    settings.maxBytes = config.maxBytes;
    settings.caFile = config.caFile;
    settings.proxy = config.proxy;
    return settings;
}

PacedFetcher::PacedFetcher(HttpClient& http, Pacer pacer, PacedFetchSettings settings)
    : http_(http), pacer_(std::move(pacer)), settings_(std::move(settings)) {
    settings_.retries = std::max(0, settings_.retries);
}

bool PacedFetcher::pace() {
    if (!lastRequestEnd_) {
        return true;
    }
    const auto due = *lastRequestEnd_ + settings_.requestInterval;
    const auto now = pacer_.now();
    if (now >= due) {
        return true;
    }
    // round up so that the wait is never shorter than the interval
    const auto wait = std::chrono::ceil<milliseconds>(due - now);
    return pacer_.sleep(wait);
}

PacedFetcher::Fetched PacedFetcher::fetch(const std::string& url) {
    Fetched fetched;
    for (int attempt = 0;; ++attempt) {
        if (!pace()) {
            fetched.cancelled = true;
            fetched.error = "cancelled";
            return fetched;
        }
        HttpRequest request;
        request.url = url;
        request.timeoutMs = settings_.timeoutMs;
        request.maxBytes = settings_.maxBytes;
        request.caFile = settings_.caFile;
        request.proxy = settings_.proxy;
        request.headers.emplace_back("Accept", settings_.accept);
        HttpResponse response = http_.perform(request);
        lastRequestEnd_ = pacer_.now();
        if (response.ok() && response.status >= 200 && response.status <= 299) {
            fetched.response = std::move(response);
            return fetched;
        }
        std::string cause = describe(response);
        if (cause.find(url) == std::string::npos) {
            cause = "fetching " + url + " failed: " + cause;
        }
        if (!isRetryable(response)) {
            fetched.error = std::move(cause);
            return fetched;
        }
        if (attempt >= settings_.retries) {
            fetched.error = std::move(cause) + " (" + std::to_string(attempt + 1) +
                            (attempt == 0 ? " attempt)" : " attempts)");
            return fetched;
        }
        milliseconds wait = pacer_.backoffBase * (std::int64_t{1} << std::min(attempt, 20));
        if (const auto asked = retryAfter(response, pacer_.wallNow())) {
            if (*asked > pacer_.maxRetryAfter) {
                fetched.error = std::move(cause) + "; the server asks to retry after " +
                                std::to_string(asked->count() / 1000) + " s, longer than " +
                                std::to_string(pacer_.maxRetryAfter.count() / 1000) + " s";
                return fetched;
            }
            wait = std::max(wait, *asked);
        }
        if (!pacer_.sleep(wait)) {
            fetched.cancelled = true;
            fetched.error = "cancelled";
            return fetched;
        }
    }
}

} // namespace vw
