// The per-client limit on failed API authentication (a wrong or revoked bearer token, an
// unknown or expired session cookie): after `maxFailures` failures within `window` seconds a
// client is refused (429, Retry-After) for `block` seconds without its credentials being looked
// at. IPv6 clients count per /64. Thread-safe; memory bounded by `maxTracked` clients. The
// login page's own limit is separate (docs/web.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace vw::web {

class FailedAuthLimiter {
public:
    struct Settings {
        int maxFailures = 10;
        std::int64_t window = 600; // seconds
        std::int64_t block = 600;  // seconds
        std::size_t maxTracked = 10000;
    };
    FailedAuthLimiter() = default;
    explicit FailedAuthLimiter(Settings settings) : settings_(settings) {}

    /// Seconds `clientIp` must still wait before its credentials are looked at again (0: none).
    std::int64_t blockedFor(const std::string& clientIp, std::int64_t now);
    /// Records a failed attempt of `clientIp`.
    void recordFailure(const std::string& clientIp, std::int64_t now);
    /// How many clients are tracked (for tests).
    std::size_t tracked();

    const Settings& settings() const { return settings_; }

private:
    struct Entry {
        std::int64_t windowStart = 0;
        int failures = 0;
        std::int64_t blockedUntil = 0;
    };
    /// Drops entries whose window and block are over; then, if still full, the oldest.
    void prune(std::int64_t now);

    Settings settings_;
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_; // guarded by mutex_
};

/// The key a client counts under: its address, or for IPv6 its /64 ("2001:db8:1:2::/64").
std::string limiterKey(const std::string& clientIp);

} // namespace vw::web
