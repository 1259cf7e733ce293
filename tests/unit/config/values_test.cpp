// Durations and sizes: the value syntaxes shared by several keys.
#include "config/config.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <stdexcept>

using namespace std::chrono_literals;

TEST_CASE("parseDuration accepts s, m, h, d and bare seconds", "[config][duration]") {
    CHECK(vw::parseDuration("90s") == 90s);
    CHECK(vw::parseDuration("15m") == 15min);
    CHECK(vw::parseDuration("2h") == 2h);
    CHECK(vw::parseDuration("1d") == 24h);
    CHECK(vw::parseDuration("45") == 45s);
    CHECK(vw::parseDuration("3650d") == std::chrono::seconds(3650LL * 86400LL));
}

TEST_CASE("parseDuration rejects zero, negative, garbage and huge values", "[config][duration]") {
    for (const char* bad :
         {"0", "0s", "0m", "-5m", "-1", "", "m", "15 m", "15M", "1.5h", "15mm", "1w", "abc", " 15m",
          "15m ", "+15m", "3651d", "99999999999999999999999s"}) {
        INFO("value: '" << bad << "'");
        CHECK_THROWS_AS(vw::parseDuration(bad), std::invalid_argument);
    }
}

TEST_CASE("formatDuration picks the largest exact unit", "[config][duration]") {
    CHECK(vw::formatDuration(90s) == "90s");
    CHECK(vw::formatDuration(900s) == "15m");
    CHECK(vw::formatDuration(7200s) == "2h");
    CHECK(vw::formatDuration(86400s) == "1d");
    CHECK(vw::formatDuration(90000s) == "25h");
    CHECK(vw::formatDuration(61s) == "61s");
    for (const char* text : {"90s", "15m", "2h", "1d", "61s", "36h"}) {
        CHECK(vw::formatDuration(vw::parseDuration(text)) == text);
    }
}

TEST_CASE("parseSize accepts bytes and K, M, G suffixes", "[config][size]") {
    CHECK(vw::parseSize("1000") == 1000u);
    CHECK(vw::parseSize("512K") == 512u * 1024u);
    CHECK(vw::parseSize("512k") == 512u * 1024u);
    CHECK(vw::parseSize("64M") == 64u * 1024u * 1024u);
    CHECK(vw::parseSize("1G") == 1024u * 1024u * 1024u);
    CHECK(vw::parseSize("1g") == 1024u * 1024u * 1024u);
}

TEST_CASE("parseSize rejects zero and garbage", "[config][size]") {
    for (const char* bad : {"0", "0M", "", "M", "64 M", "64MB", "1T", "-1", "1.5M", "lots",
                            "99999999999999999999999"}) {
        INFO("value: '" << bad << "'");
        CHECK_THROWS_AS(vw::parseSize(bad), std::invalid_argument);
    }
}

TEST_CASE("formatSize picks the largest exact suffix", "[config][size]") {
    CHECK(vw::formatSize(134217728u) == "128M");
    CHECK(vw::formatSize(1024u * 1024u * 1024u) == "1G");
    CHECK(vw::formatSize(512u * 1024u) == "512K");
    CHECK(vw::formatSize(1000u) == "1000");
    CHECK(vw::formatSize(1536u * 1024u) == "1536K");
}
