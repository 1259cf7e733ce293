// The delivery retry schedule: pure, deterministic (the caller supplies the jitter seed).
#pragma once

#include <cstdint>
#include <optional>

namespace vw {

/// After this many failed attempts a message is dead-lettered instead of retried.
inline constexpr int kMaxDeliveryAttempts = 20;

/// First retry delay, before jitter.
inline constexpr std::int64_t kRetryBaseSeconds = 30;
/// The base delay stops doubling here (6 h).
inline constexpr std::int64_t kRetryCapSeconds = 6 * 3600;
/// Retry-After values above this (24 h) are taken as this.
inline constexpr std::int64_t kRetryAfterMaxSeconds = 24 * 3600;

/// Seconds to wait before the next attempt after `attempts` failed ones (1 = the first
/// attempt failed; values below 1 count as 1). The base doubles from 30 s up to the 6 h
/// cap; it is then scaled by a jitter factor in [0.8, 1.2] that depends only on
/// `jitterSeed`, so one message's schedule never decreases while different messages
/// spread out. A server's `retryAfter` (seconds, clamped to [0, 24 h]) is a lower bound.
std::int64_t retryDelaySeconds(int attempts, std::optional<long> retryAfter,
                               std::uint64_t jitterSeed);

} // namespace vw
