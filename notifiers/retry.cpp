#include "notifiers/retry.h"

#include <algorithm>
#include <cmath>

namespace vw {

namespace {

/// SplitMix64 finalizer: spreads nearby seeds (consecutive outbox ids) over the whole range.
std::uint64_t mix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

} // namespace

std::int64_t retryDelaySeconds(int attempts, std::optional<long> retryAfter,
                               std::uint64_t jitterSeed) {
    const int n = std::max(attempts, 1);
    std::int64_t base = kRetryBaseSeconds;
    for (int i = 1; i < n && base < kRetryCapSeconds; ++i) {
        base *= 2;
    }
    base = std::min(base, kRetryCapSeconds);

    // 53 random bits -> [0, 1) -> factor in [0.8, 1.2].
    const double unit = static_cast<double>(mix(jitterSeed) >> 11) * 0x1.0p-53;
    const double factor = 0.8 + 0.4 * unit;
    auto delay = static_cast<std::int64_t>(std::llround(static_cast<double>(base) * factor));

    if (retryAfter) {
        const std::int64_t floor = std::clamp<std::int64_t>(*retryAfter, 0, kRetryAfterMaxSeconds);
        delay = std::max(delay, floor);
    }
    return delay;
}

} // namespace vw
