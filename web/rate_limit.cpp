#include "web/rate_limit.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cstring>
#include <sys/socket.h>

namespace vw::web {

std::string limiterKey(const std::string& clientIp) {
    unsigned char bytes[16];
    if (clientIp.find(':') != std::string::npos &&
        inet_pton(AF_INET6, clientIp.c_str(), bytes) == 1) {
        std::memset(bytes + 8, 0, 8);
        char buffer[INET6_ADDRSTRLEN] = {};
        inet_ntop(AF_INET6, bytes, buffer, sizeof buffer);
        return std::string(buffer) + "/64";
    }
    return clientIp;
}

std::int64_t FailedAuthLimiter::blockedFor(const std::string& clientIp, std::int64_t now) {
    const std::lock_guard<std::mutex> lock(mutex_);
    const auto it = entries_.find(limiterKey(clientIp));
    if (it == entries_.end() || it->second.blockedUntil <= now) {
        return 0;
    }
    return it->second.blockedUntil - now;
}

void FailedAuthLimiter::recordFailure(const std::string& clientIp, std::int64_t now) {
    const std::lock_guard<std::mutex> lock(mutex_);
    const std::string key = limiterKey(clientIp);
    if (entries_.find(key) == entries_.end() && entries_.size() >= settings_.maxTracked) {
        prune(now);
    }
    Entry& e = entries_[key];
    if (e.failures == 0 || now - e.windowStart >= settings_.window) {
        e.windowStart = now;
        e.failures = 0;
    }
    ++e.failures;
    if (e.failures >= settings_.maxFailures) {
        e.blockedUntil = now + settings_.block;
        e.failures = 0; // a new window starts after the block
        e.windowStart = e.blockedUntil;
    }
}

std::size_t FailedAuthLimiter::tracked() {
    const std::lock_guard<std::mutex> lock(mutex_);
    return entries_.size();
}

void FailedAuthLimiter::prune(std::int64_t now) {
    for (auto it = entries_.begin(); it != entries_.end();) {
        const bool windowOver = now - it->second.windowStart >= settings_.window;
        if (windowOver && it->second.blockedUntil <= now) {
            it = entries_.erase(it);
        } else {
            ++it;
        }
    }
    while (entries_.size() >= settings_.maxTracked) {
        // Still full (many clients failing at once): forget the one whose window began first.
        const auto oldest =
            std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
                return a.second.windowStart < b.second.windowStart;
            });
        entries_.erase(oldest);
    }
}

} // namespace vw::web
