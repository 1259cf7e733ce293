#include "core/datetime.h"

#include <catch2/catch.hpp>
#include <string>

using vw::DateTime;
using vw::formatIsoDateTime;
using vw::parseIsoDateTime;

TEST_CASE("daysFromCivil matches known day numbers", "[core][datetime]") {
    CHECK(vw::daysFromCivil(1970, 1, 1) == 0);
    CHECK(vw::daysFromCivil(1970, 1, 2) == 1);
    CHECK(vw::daysFromCivil(1969, 12, 31) == -1);
    CHECK(vw::daysFromCivil(2000, 1, 1) == 10957);
    CHECK(vw::daysFromCivil(2000, 3, 1) == 11017); // 2000 is a leap year: Feb has 29 days
    CHECK(vw::daysFromCivil(1900, 3, 1) - vw::daysFromCivil(1900, 2, 28) == 1); // 1900 is not
    CHECK(vw::daysFromCivil(2024, 3, 1) - vw::daysFromCivil(2024, 2, 28) == 2);
    CHECK(vw::daysFromCivil(1600, 1, 1) == -135140);
}

TEST_CASE("JVN item dates without seconds parse to the known epoch", "[core][datetime]") {
    const auto value = parseIsoDateTime("2023-11-02T11:57+09:00");
    REQUIRE(value);
    CHECK(value->epoch == 1698893820);
    CHECK(value->offsetMinutes == 540);
    CHECK(formatIsoDateTime(*value) == "2023-11-02T11:57:00+09:00");
}

TEST_CASE("Dates with seconds and the offset forms parse", "[core][datetime]") {
    SECTION("seconds with a colon offset") {
        const auto value = parseIsoDateTime("2023-11-02T11:57:00+09:00");
        REQUIRE(value);
        CHECK(value->epoch == 1698893820);
    }
    SECTION("Z is UTC and prints as +00:00") {
        const auto value = parseIsoDateTime("2021-12-10T00:00:00Z");
        REQUIRE(value);
        CHECK(value->epoch == 1639094400);
        CHECK(value->offsetMinutes == 0);
        CHECK(formatIsoDateTime(*value) == "2021-12-10T00:00:00+00:00");
    }
    SECTION("offset without colon") {
        const auto value = parseIsoDateTime("2023-11-02T11:57:00+0900");
        REQUIRE(value);
        CHECK(value->epoch == 1698893820);
        CHECK(value->offsetMinutes == 540);
    }
    SECTION("negative offset with minutes") {
        const auto value = parseIsoDateTime("2023-11-01T23:27:00-03:30");
        REQUIRE(value);
        CHECK(value->epoch == 1698893820);
        CHECK(value->offsetMinutes == -210);
        CHECK(formatIsoDateTime(*value) == "2023-11-01T23:27:00-03:30");
    }
    SECTION("fractional seconds are dropped") {
        const auto value = parseIsoDateTime("2023-11-02T11:57:00.987+09:00");
        REQUIRE(value);
        CHECK(value->epoch == 1698893820);
    }
    SECTION("a space instead of T") {
        const auto value = parseIsoDateTime("2023-11-02 11:57:00+09:00");
        REQUIRE(value);
        CHECK(value->epoch == 1698893820);
    }
    SECTION("surrounding whitespace is ignored") {
        const auto value = parseIsoDateTime("  \t2023-11-02T11:57+09:00\r\n");
        REQUIRE(value);
        CHECK(value->epoch == 1698893820);
    }
}

TEST_CASE("Values without an offset take the default offset", "[core][datetime]") {
    SECTION("bare date at the JVN default of +09:00") {
        const auto value = parseIsoDateTime("2023-11-02");
        REQUIRE(value);
        CHECK(value->epoch == 1698850800);
        CHECK(value->offsetMinutes == 540);
        CHECK(formatIsoDateTime(*value) == "2023-11-02T00:00:00+09:00");
    }
    SECTION("bare date with an explicit default of UTC") {
        const auto value = parseIsoDateTime("1970-01-01", 0);
        REQUIRE(value);
        CHECK(value->epoch == 0);
        CHECK(formatIsoDateTime(*value) == "1970-01-01T00:00:00+00:00");
    }
    SECTION("date and time without offset") {
        const auto value = parseIsoDateTime("2023-11-02T11:57:30");
        REQUIRE(value);
        CHECK(value->epoch == 1698893850);
        CHECK(value->offsetMinutes == 540);
    }
}

TEST_CASE("Leap days are accepted only in leap years", "[core][datetime]") {
    CHECK(parseIsoDateTime("2024-02-29T12:00:00Z"));
    CHECK(parseIsoDateTime("2000-02-29T12:00:00Z"));
    CHECK_FALSE(parseIsoDateTime("2023-02-29T12:00:00Z"));
    CHECK_FALSE(parseIsoDateTime("1900-02-29T12:00:00Z"));
    const auto leap = parseIsoDateTime("2024-02-29T00:00:00Z");
    REQUIRE(leap);
    CHECK(leap->epoch == 1709164800);
    CHECK(formatIsoDateTime(DateTime{leap->epoch + 86400, 0}) == "2024-03-01T00:00:00+00:00");
}

TEST_CASE("Invalid fields and trailing garbage are rejected", "[core][datetime]") {
    const char* const invalid[] = {
        "",
        "   ",
        "2023-13-01T00:00:00Z",       // month 13
        "2023-00-10T00:00:00Z",       // month 0
        "2023-02-30T00:00:00Z",       // Feb 30
        "2023-04-31",                 // April has 30 days
        "2023-01-00",                 // day 0
        "2023-11-02T25:00:00Z",       // hour 25
        "2023-11-02T24:00:00Z",       // hour 24
        "2023-11-02T11:60:00Z",       // minute 60
        "2023-11-02T11:57:61Z",       // second 61
        "2023-11-02T11:57:00+09:00x", // trailing garbage
        "2023-11-02T11:57:00+09:00 garbage",
        "2023-11-02T11:57:00+9:00",  // one-digit offset hour
        "2023-11-02T11:57:00+24:00", // offset out of range
        "2023-11-02T11:57:00+09:60",
        "2023-11-02T11:57:00.", // dot without digits
        "2023-11-02T11",        // no minutes
        "2023-11-02T1:57",
        "2023-11-2",
        "23-11-02",
        "2023/11/02",
        "2023-11-02X11:57",
        "2023-11-02T",
        "Thu, 02 Nov 2023 11:57:00 +0900",
    };
    for (const char* text : invalid) {
        INFO("input: \"" << text << "\"");
        CHECK_FALSE(parseIsoDateTime(text));
    }
}

TEST_CASE("Formatting keeps the stored offset", "[core][datetime]") {
    CHECK(formatIsoDateTime(DateTime{0, 0}) == "1970-01-01T00:00:00+00:00");
    CHECK(formatIsoDateTime(DateTime{0, 540}) == "1970-01-01T09:00:00+09:00");
    CHECK(formatIsoDateTime(DateTime{0, -300}) == "1969-12-31T19:00:00-05:00");
    CHECK(formatIsoDateTime(DateTime{-1, 0}) == "1969-12-31T23:59:59+00:00");
    CHECK(formatIsoDateTime(DateTime{1698893820, 540}) == "2023-11-02T11:57:00+09:00");
    CHECK(formatIsoDateTime(DateTime{1698893820, 0}) == "2023-11-02T02:57:00+00:00");
    CHECK(formatIsoDateTime(DateTime{951782400, 0}) == "2000-02-29T00:00:00+00:00");
    CHECK(formatIsoDateTime(DateTime{4102444799, 0}) == "2099-12-31T23:59:59+00:00");
    CHECK(formatIsoDateTime(DateTime{253402300800, 0}) == "10000-01-01T00:00:00+00:00");
}

TEST_CASE("Parse and format round-trip over many instants", "[core][datetime]") {
    const int offsets[] = {0, 540, -480, 330, -210, 345};
    for (std::int64_t epoch = -2208988800; epoch < 4102444800; epoch += 7777777) {
        for (const int offset : offsets) {
            const DateTime original{epoch, offset};
            const std::string text = formatIsoDateTime(original);
            const auto parsed = parseIsoDateTime(text);
            INFO(text);
            REQUIRE(parsed);
            CHECK(*parsed == original);
        }
    }
}

TEST_CASE("Equal instants with different offsets compare unequal as values", "[core][datetime]") {
    const auto tokyo = parseIsoDateTime("2023-11-02T11:57:00+09:00");
    const auto utc = parseIsoDateTime("2023-11-02T02:57:00Z");
    REQUIRE(tokyo);
    REQUIRE(utc);
    CHECK(tokyo->epoch == utc->epoch);
    CHECK_FALSE(*tokyo == *utc);
}
