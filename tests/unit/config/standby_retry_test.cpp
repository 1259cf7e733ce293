// [daemon] standby_retry (issue 17 part 3): how often a standby daemon on a PostgreSQL store
// tries the active daemon's advisory lock. Its default, its range, the dump.
#include "config/config.h"
#include "config_test_util.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

using namespace std::chrono_literals;
using vw::parseConfig;
using vw::test::errorOf;

TEST_CASE("standby_retry defaults to 5s and takes durations down to 100ms", "[config][standby]") {
    CHECK(parseConfig("", "t.conf").standbyRetry == 5s);
    CHECK(parseConfig("[daemon]\nstandby_retry = 500ms\n", "t.conf").standbyRetry == 500ms);
    CHECK(parseConfig("[daemon]\nstandby_retry = 2m\n", "t.conf").standbyRetry == 2min);
    CHECK(parseConfig("[daemon]\nstandby_retry = 100ms\n", "t.conf").standbyRetry == 100ms);
    CHECK(parseConfig("[daemon]\nstandby_retry = 5m\n", "t.conf").standbyRetry == 5min);
    CHECK_THAT(vw::redacted(parseConfig("", "t.conf")), Catch::Contains("standby_retry = 5s\n"));
    CHECK_THAT(vw::redacted(parseConfig("[daemon]\nstandby_retry = 1500ms\n", "t.conf")),
               Catch::Contains("standby_retry = 1500ms\n"));
}

TEST_CASE("standby_retry outside 100ms to 5m or not a duration is refused", "[config][standby]") {
    const auto shorter = errorOf("[daemon]\nstandby_retry = 50ms\n");
    CHECK(shorter.section() == "daemon");
    CHECK(shorter.key() == "standby_retry");
    CHECK(shorter.line() == 2);
    CHECK_THAT(std::string(shorter.what()), Catch::Contains("shorter than the minimum of 100ms"));
    CHECK_THAT(std::string(errorOf("[daemon]\nstandby_retry = 6m\n").what()),
               Catch::Contains("longer than the maximum of 5m") && Catch::Contains("100ms〜5m"));
    CHECK_THAT(std::string(errorOf("[daemon]\nstandby_retry = often\n").what()),
               Catch::Contains("is not a duration"));
}
