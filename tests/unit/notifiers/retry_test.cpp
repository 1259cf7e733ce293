#include "notifiers/retry.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <set>

TEST_CASE("retry delays double from about 30 s up to the 6 h cap", "[notifiers]") {
    for (std::uint64_t seed : {0ull, 1ull, 42ull, 0xFFFFFFFFFFFFFFFFull}) {
        std::int64_t previous = 0;
        for (int attempts = 1; attempts <= vw::kMaxDeliveryAttempts; ++attempts) {
            const std::int64_t delay = vw::retryDelaySeconds(attempts, std::nullopt, seed);
            CHECK(delay >= previous); // one message's schedule never shrinks
            previous = delay;

            std::int64_t base = 30;
            for (int i = 1; i < attempts && base < vw::kRetryCapSeconds; ++i) {
                base *= 2;
            }
            base = std::min<std::int64_t>(base, vw::kRetryCapSeconds);
            CHECK(delay >= base * 8 / 10);
            CHECK(delay <= base * 12 / 10 + 1);
        }
        // Past the cap the delay stays put.
        CHECK(vw::retryDelaySeconds(15, std::nullopt, seed) ==
              vw::retryDelaySeconds(vw::kMaxDeliveryAttempts, std::nullopt, seed));
        CHECK(vw::retryDelaySeconds(vw::kMaxDeliveryAttempts, std::nullopt, seed) <=
              vw::kRetryCapSeconds * 12 / 10);
    }
}

TEST_CASE("retry jitter is deterministic, within 20 percent and spread over seeds", "[notifiers]") {
    CHECK(vw::retryDelaySeconds(3, std::nullopt, 7) == vw::retryDelaySeconds(3, std::nullopt, 7));
    std::set<std::int64_t> seen;
    std::int64_t lowest = 1'000'000;
    std::int64_t highest = 0;
    for (std::uint64_t seed = 0; seed < 2000; ++seed) {
        const std::int64_t delay = vw::retryDelaySeconds(1, std::nullopt, seed);
        REQUIRE(delay >= 24);
        REQUIRE(delay <= 36);
        seen.insert(delay);
        lowest = std::min(lowest, delay);
        highest = std::max(highest, delay);
    }
    // Consecutive seeds (outbox ids) must not all land on the same delay.
    CHECK(seen.size() >= 10);
    CHECK(lowest <= 25);
    CHECK(highest >= 35);
}

TEST_CASE("retry honours Retry-After as a lower bound", "[notifiers]") {
    const std::int64_t plain = vw::retryDelaySeconds(1, std::nullopt, 9);
    CHECK(vw::retryDelaySeconds(1, 600L, 9) == 600);
    CHECK(vw::retryDelaySeconds(1, 1L, 9) == plain); // smaller than the backoff: backoff wins
    CHECK(vw::retryDelaySeconds(1, -5L, 9) == plain);
    CHECK(vw::retryDelaySeconds(1, 10L * 24 * 3600, 9) == vw::kRetryAfterMaxSeconds);
    CHECK(vw::retryDelaySeconds(12, 60L, 9) == vw::retryDelaySeconds(12, std::nullopt, 9));
}

TEST_CASE("attempt counts below one are treated as the first attempt", "[notifiers]") {
    CHECK(vw::retryDelaySeconds(0, std::nullopt, 3) == vw::retryDelaySeconds(1, std::nullopt, 3));
    CHECK(vw::retryDelaySeconds(-4, std::nullopt, 3) == vw::retryDelaySeconds(1, std::nullopt, 3));
    CHECK(vw::kMaxDeliveryAttempts == 20);
}
