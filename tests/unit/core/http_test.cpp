#include "core/http.h"

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

Headers read(const std::vector<std::string>& lines) {
    Headers headers;
    for (const auto& line : lines) {
        vw::addHeaderLine(headers, line);
    }
    return headers;
}

} // namespace

TEST_CASE("Retry-After parsing accepts delta seconds only", "[core][http]") {
    CHECK(vw::parseRetryAfter("30") == std::optional<long>(30));
    CHECK(vw::parseRetryAfter(" 5 ") == std::optional<long>(5));
    CHECK(vw::parseRetryAfter("0") == std::optional<long>(0));
    CHECK_FALSE(vw::parseRetryAfter("").has_value());
    CHECK_FALSE(vw::parseRetryAfter("   ").has_value());
    CHECK_FALSE(vw::parseRetryAfter("-1").has_value());
    CHECK_FALSE(vw::parseRetryAfter("+1").has_value());
    CHECK_FALSE(vw::parseRetryAfter("1.5").has_value());
    CHECK_FALSE(vw::parseRetryAfter("Fri, 31 Dec 1999 23:59:59 GMT").has_value());
    CHECK_FALSE(vw::parseRetryAfter("99999999999999").has_value());
}

TEST_CASE("Retry-After as an HTTP date counts from now in all three forms", "[core][http]") {
    const std::int64_t now = 1795903200; // 2026-11-28T22:00:00Z
    CHECK(vw::parseRetryAfter("Sat, 28 Nov 2026 22:02:00 GMT", now) == std::optional<long>(120));
    CHECK(vw::parseRetryAfter("Saturday, 28-Nov-26 22:00:30 GMT", now) == std::optional<long>(30));
    CHECK(vw::parseRetryAfter("Sat Nov 28 22:01:00 2026", now) == std::optional<long>(60));
    CHECK(vw::parseRetryAfter("Sat Nov  28 22:01:00 2026", now) == std::optional<long>(60));
    CHECK(vw::parseRetryAfter("Sun, 29 Nov 2026 22:00:00 GMT", now) == std::optional<long>(86400));
    CHECK(vw::parseRetryAfter("Fri, 31 Dec 1999 23:59:59 GMT", now) == std::optional<long>(0));
    // a two-digit year more than 50 years ahead is the past century (RFC 9110 5.6.7)
    CHECK(vw::parseRetryAfter("Friday, 31-Dec-99 23:59:59 GMT", now) == std::optional<long>(0));
    CHECK(vw::parseRetryAfter("45", now) == std::optional<long>(45));
}

TEST_CASE("Retry-After refuses what only looks like a date", "[core][http]") {
    const std::int64_t now = 1795903200;
    CHECK_FALSE(vw::parseRetryAfter("tomorrow", now).has_value());
    CHECK_FALSE(vw::parseRetryAfter("Sat, 28 Nov 2026 22:02:00 JST", now).has_value());
    CHECK_FALSE(vw::parseRetryAfter("Sat, 28 Foo 2026 22:02:00 GMT", now).has_value());
    CHECK_FALSE(vw::parseRetryAfter("Sat, 32 Nov 2026 22:02:00 GMT", now).has_value());
    CHECK_FALSE(vw::parseRetryAfter("Sat, 28 Nov 2026 24:00:00 GMT", now).has_value());
    CHECK_FALSE(vw::parseRetryAfter("Sat, 28 Nov 2026 22:02 GMT", now).has_value());
    CHECK_FALSE(vw::parseRetryAfter("Xyz, 28 Nov 2026 22:02:00 GMT", now).has_value());
    CHECK_FALSE(vw::parseRetryAfter("Sat, 28 Nov 2026 22:02:00 GMT extra", now).has_value());
    CHECK_FALSE(vw::parseRetryAfter("Sat, 28 Nov 20266 22:02:00 GMT", now).has_value());
}

TEST_CASE("Response header lines are read as the HTTP clients keep them", "[core][http]") {
    const Headers headers =
        read({"HTTP/1.1 200 OK\r\n", "Content-Type:  text/xml \r\n", "ETag: \"abc\"\r\n",
              "X-Long: one\r\n", "\ttwo\r\n", ": nameless\r\n", "no colon\r\n", "\r\n"});
    REQUIRE(headers.size() == 3);
    CHECK(headers[0] == std::pair<std::string, std::string>("content-type", "text/xml"));
    CHECK(headers[1] == std::pair<std::string, std::string>("etag", "\"abc\""));
    CHECK(headers[2] == std::pair<std::string, std::string>("x-long", "one two"));
}

TEST_CASE("A status line after a redirect drops the earlier response's headers", "[core][http]") {
    const Headers headers = read({"HTTP/1.1 301 Moved\r\n", "Location: /b\r\n", "\r\n",
                                  "HTTP/1.1 200 OK\r\n", "Retry-After: 5\r\n", "\r\n"});
    REQUIRE(headers.size() == 1);
    CHECK(headers[0].first == "retry-after");
    vw::HttpResponse response;
    response.headers = headers;
    CHECK(response.header("retry-after") == "5");
    CHECK(response.header("location").empty());
}

TEST_CASE("A folded line before any header is ignored", "[core][http]") {
    CHECK(read({" folded\r\n"}).empty());
}

TEST_CASE("A folded line continuing an empty value adds no leading space", "[core][http]") {
    // found by fuzz_config: "X-A:" then " on" read as " on"
    const Headers headers = read({"X-A:\n", " on\n"});
    REQUIRE(headers.size() == 1);
    CHECK(headers[0].second == "on");
}
