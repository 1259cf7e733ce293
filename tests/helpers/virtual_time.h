// Virtual time for the paced sources (feeds/paced_fetcher.h): a Pacer whose clock only moves
// when the code under test sleeps or a request "takes" time, and an HttpClient that answers
// through a handler and records when each request was sent. No network, no real waiting.
#pragma once

#include "core/datetime.h"
#include "core/http.h"
#include "feeds/paced_fetcher.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace vw::test {

/// A virtual clock: sleep() advances it at once and is recorded.
struct VirtualTime {
    std::chrono::steady_clock::time_point now{};
    std::vector<std::chrono::milliseconds> sleeps;
    bool cancelled = false;
    // 2025-04-07T12:00:00+09:00
    std::int64_t wallSeconds = vw::daysFromCivil(2025, 4, 7) * 86400 + 3 * 3600;

    vw::Pacer pacer() {
        vw::Pacer p;
        p.now = [this] { return now; };
        p.sleep = [this](std::chrono::milliseconds d) {
            if (cancelled) {
                return false;
            }
            sleeps.push_back(d);
            now += d;
            return true;
        };
        p.wallNow = [this] {
            return std::chrono::system_clock::time_point(std::chrono::seconds(wallSeconds));
        };
        return p;
    }
};

struct Sent {
    std::string url;
    std::chrono::steady_clock::time_point at;
    long timeoutMs;
};

/// Answers each request through `handler` (url -> response); records URL and virtual time; each
/// request takes `latency` of virtual time.
class TimedHttpClient : public vw::HttpClient {
public:
    explicit TimedHttpClient(VirtualTime& time) : time_(time) {}
    std::function<vw::HttpResponse(const std::string&)> handler;
    std::vector<Sent> sent;
    std::chrono::milliseconds latency{30};

    vw::HttpResponse perform(const vw::HttpRequest& request) override {
        sent.push_back({request.url, time_.now, request.timeoutMs});
        time_.now += latency;
        return handler(request.url);
    }

private:
    VirtualTime& time_;
};

inline vw::HttpResponse reply(long status, std::string body = "",
                              std::vector<std::pair<std::string, std::string>> headers = {}) {
    vw::HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    return r;
}

inline vw::HttpResponse transportError(const std::string& url) {
    vw::HttpResponse r;
    r.error = "timeout after 60000 ms fetching " + url;
    return r;
}

/// The value of query parameter `name` in `url` (raw, not decoded), or "<absent>".
inline std::string param(const std::string& url, const std::string& name) {
    const auto q = url.find('?');
    std::size_t at = q;
    while (at != std::string::npos) {
        const std::size_t begin = at + 1;
        const std::size_t end = url.find('&', begin);
        const std::string pair = url.substr(begin, end == std::string::npos ? end : end - begin);
        const auto eq = pair.find('=');
        if (pair.substr(0, eq) == name) {
            return eq == std::string::npos ? "" : pair.substr(eq + 1);
        }
        at = end;
    }
    return "<absent>";
}

/// The real clock and sleep for loopback tests, "today" fixed at `y-m-d` 12:00 JST, backoff
/// 1 s scaled to 50 ms.
inline vw::Pacer loopbackPacer(int y = 2025, unsigned m = 4, unsigned d = 7) {
    vw::Pacer pacer = vw::Pacer::system();
    const std::int64_t seconds = vw::daysFromCivil(y, m, d) * 86400 + 3 * 3600;
    pacer.wallNow = [seconds] {
        return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
    };
    pacer.backoffBase = std::chrono::milliseconds(50);
    return pacer;
}

} // namespace vw::test
