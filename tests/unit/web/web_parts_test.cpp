// The pure parts of `vulnwatch serve` (web/): request targets, the client behind a proxy, the
// failed-auth limiter, problem details and the security headers.
#include "web/client_address.h"
#include "web/headers.h"
#include "web/problem.h"
#include "web/rate_limit.h"
#include "web/url.h"

#include <catch2/catch.hpp>

using namespace vw::web;

TEST_CASE("percent-decoding of paths and queries", "[web][url]") {
    CHECK(percentDecode("JVN%2312345678") == std::optional<std::string>("JVN#12345678"));
    CHECK(percentDecode("a+b") == std::optional<std::string>("a+b"));
    CHECK(percentDecode("a+b", true) == std::optional<std::string>("a b"));
    CHECK(percentDecode("%E8%84%86%E5%BC%B1") == std::optional<std::string>("脆弱"));
    CHECK_FALSE(percentDecode("%"));
    CHECK_FALSE(percentDecode("%4"));
    CHECK_FALSE(percentDecode("%zz"));
    CHECK_FALSE(percentDecode("a%00b")); // no NUL smuggled into an id
}

TEST_CASE("path segments under the API prefix", "[web][url]") {
    using V = std::vector<std::string>;
    CHECK(pathSegments("/api/v1", "/api/v1") == std::optional<V>(V{}));
    CHECK(pathSegments("/api/v1/", "/api/v1") == std::optional<V>(V{}));
    CHECK(pathSegments("/api/v1/cases/12/transition", "/api/v1") ==
          std::optional<V>(V{"cases", "12", "transition"}));
    CHECK(pathSegments("/api/v1/advisories/JVN%2312345678", "/api/v1") ==
          std::optional<V>(V{"advisories", "JVN#12345678"}));
    // An encoded slash stays inside its segment.
    CHECK(pathSegments("/api/v1/advisories/a%2Fb", "/api/v1") ==
          std::optional<V>(V{"advisories", "a/b"}));
    CHECK_FALSE(pathSegments("/api/v10/cases", "/api/v1"));
    CHECK_FALSE(pathSegments("/other", "/api/v1"));
    CHECK_FALSE(pathSegments("/api/v1/%zz", "/api/v1"));
}

TEST_CASE("query strings and cookies", "[web][url]") {
    using Q = std::vector<std::pair<std::string, std::string>>;
    CHECK(parseQuery("q=log4j&limit=5") == std::optional<Q>(Q{{"q", "log4j"}, {"limit", "5"}}));
    CHECK(parseQuery("q=a+b%26c&&flag") == std::optional<Q>(Q{{"q", "a b&c"}, {"flag", ""}}));
    CHECK(parseQuery("") == std::optional<Q>(Q{}));
    CHECK_FALSE(parseQuery("q=%"));
    CHECK(cookieValue("a=1; vw_session=abc; b=2", "vw_session") ==
          std::optional<std::string>("abc"));
    CHECK(cookieValue("vw_session=\"quoted\"", "vw_session") ==
          std::optional<std::string>("quoted"));
    CHECK_FALSE(cookieValue("xvw_session=abc", "vw_session"));
    CHECK_FALSE(cookieValue("", "vw_session"));
}

TEST_CASE("trusted proxies by address and CIDR block", "[web][proxy]") {
    const ProxyTrust trust({"10.0.0.1", "192.168.0.0/16", "fd00::/8"});
    CHECK(trust.trusted("10.0.0.1"));
    CHECK_FALSE(trust.trusted("10.0.0.2"));
    CHECK(trust.trusted("192.168.44.3"));
    CHECK(trust.trusted("::ffff:192.168.1.1")); // IPv4-mapped
    CHECK(trust.trusted("fd12:3456::1"));
    CHECK_FALSE(trust.trusted("fe80::1"));
    CHECK_FALSE(trust.trusted("not an address"));
    CHECK_THROWS_AS(ProxyTrust({"10.0.0.0/40"}), std::invalid_argument);
    CHECK_THROWS_AS(ProxyTrust({"proxy.example.jp"}), std::invalid_argument);
    const ProxyTrust none;
    CHECK_FALSE(none.trusted("127.0.0.1"));
}

TEST_CASE("the client behind a trusted proxy comes from X-Forwarded-For", "[web][proxy]") {
    const ProxyTrust trust({"127.0.0.1", "10.0.0.0/8"});
    // Not from a proxy: the headers are ignored.
    auto c = ProxyTrust({"10.0.0.1"}).resolve("203.0.113.5", false, "198.51.100.1", "https");
    CHECK(c.ip == "203.0.113.5");
    CHECK_FALSE(c.secure);
    // From the proxy: the nearest address that is no proxy, walking from the right.
    c = trust.resolve("127.0.0.1", false, "198.51.100.7, 203.0.113.9, 10.1.2.3", "https");
    CHECK(c.ip == "203.0.113.9");
    CHECK(c.secure);
    // A client's own forged entries left of the real one do not count.
    c = trust.resolve("127.0.0.1", false, "10.9.9.9, 203.0.113.9", "http");
    CHECK(c.ip == "203.0.113.9");
    CHECK_FALSE(c.secure);
    // Nothing forwarded: the proxy itself; garbage ends the walk at the last good hop.
    CHECK(trust.resolve("127.0.0.1", true, "", "").ip == "127.0.0.1");
    CHECK(trust.resolve("127.0.0.1", true, "", "").secure);
    CHECK(trust.resolve("127.0.0.1", false, "junk, 10.2.2.2", "").ip == "10.2.2.2");
    CHECK(trust.resolve("::ffff:127.0.0.1", false, "2001:db8::1", "").ip == "2001:db8::1");
}

TEST_CASE("failed authentications block a client for a while", "[web][limiter]") {
    FailedAuthLimiter limiter({3, 60, 120, 100});
    const std::int64_t t0 = 1'000'000;
    CHECK(limiter.blockedFor("203.0.113.9", t0) == 0);
    limiter.recordFailure("203.0.113.9", t0);
    limiter.recordFailure("203.0.113.9", t0 + 1);
    CHECK(limiter.blockedFor("203.0.113.9", t0 + 1) == 0);
    limiter.recordFailure("203.0.113.9", t0 + 2);
    CHECK(limiter.blockedFor("203.0.113.9", t0 + 2) == 120);
    CHECK(limiter.blockedFor("203.0.113.10", t0 + 2) == 0); // others are not affected
    CHECK(limiter.blockedFor("203.0.113.9", t0 + 100) == 22);
    CHECK(limiter.blockedFor("203.0.113.9", t0 + 122) == 0);
    // Failures spread wider than the window never add up to a block.
    FailedAuthLimiter slow({3, 60, 120, 100});
    for (int i = 0; i < 10; ++i) {
        slow.recordFailure("198.51.100.1", t0 + i * 61);
    }
    CHECK(slow.blockedFor("198.51.100.1", t0 + 10 * 61) == 0);
}

TEST_CASE("IPv6 clients count per /64 and memory stays bounded", "[web][limiter]") {
    CHECK(limiterKey("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64");
    CHECK(limiterKey("203.0.113.9") == "203.0.113.9");
    FailedAuthLimiter limiter({2, 60, 60, 50});
    limiter.recordFailure("2001:db8:1:2::1", 100);
    limiter.recordFailure("2001:db8:1:2::ffff", 100);
    CHECK(limiter.blockedFor("2001:db8:1:2:1234::9", 100) == 60);
    for (int i = 0; i < 500; ++i) {
        limiter.recordFailure("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256),
                              200 + i);
    }
    CHECK(limiter.tracked() <= 50);
}

TEST_CASE("problem details in Japanese unless English is preferred", "[web][problem]") {
    CHECK(preferredLang("") == Lang::Ja);
    CHECK(preferredLang("ja,en;q=0.5") == Lang::Ja);
    CHECK(preferredLang("en-US,en;q=0.9") == Lang::En);
    CHECK(preferredLang("EN") == Lang::En);
    CHECK(preferredLang("eng") == Lang::Ja);
    const HttpResponse r = problemResponse(
        Problem{422, "transition-refused", "理由", {{"missing_fields", "[\"assignee\"]"}}},
        Lang::Ja, "/api/v1/cases/1/transition");
    CHECK(r.status == 422);
    CHECK(r.contentType == "application/problem+json");
    CHECK(r.header("Content-Language") == "ja");
    CHECK(r.body == "{\"type\":\"urn:vulnwatch:problem:transition-refused\",\"title\":\"この遷移は"
                    "できません\",\"status\":422,\"detail\":\"理由\",\"instance\":\"/api/v1/cases/"
                    "1/transition\",\"missing_fields\":[\"assignee\"]}");
    CHECK(problemTitle("not-found", Lang::En) == "Not found");
}

TEST_CASE("every response gets the security headers and keeps its own", "[web][headers]") {
    HttpResponse r;
    addSecurityHeaders(r, false);
    CHECK(r.header("Content-Security-Policy") == std::string(kApiCsp));
    CHECK(r.header("X-Content-Type-Options") == "nosniff");
    CHECK(r.header("Referrer-Policy") == "no-referrer");
    CHECK(r.header("Cache-Control") == "no-store");
    CHECK(r.header("Strict-Transport-Security").empty());
    HttpResponse page;
    page.setHeader("Content-Security-Policy", std::string(kPageCsp));
    page.setHeader("Cache-Control", "private, max-age=60");
    addSecurityHeaders(page, true);
    CHECK(page.header("Content-Security-Policy") == std::string(kPageCsp));
    CHECK(page.header("Cache-Control") == "private, max-age=60");
    CHECK(page.header("Strict-Transport-Security") == "max-age=31536000");
    for (const std::string_view csp : {kApiCsp, kPageCsp}) {
        CHECK(csp.find("'unsafe-inline'") == std::string_view::npos);
        CHECK(csp.find("frame-ancestors 'none'") != std::string_view::npos);
    }
}
