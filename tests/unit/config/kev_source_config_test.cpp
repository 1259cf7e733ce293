// The kev source type (CISA's KEV catalog): defaults, the keys it takes and refuses.
#include "config/config.h"
#include "config_test_util.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using vw::test::errorOf;

namespace {

vw::SourceConfig kevSource(const std::string& text) {
    const auto config = vw::parseConfig(text, "t.conf", true);
    REQUIRE(config.sources.size() == 1);
    return config.sources[0];
}

} // namespace

TEST_CASE("a kev source needs only its type and polls CISA daily", "[config][sources][kev]") {
    const auto s = kevSource("[source.cisa-kev]\ntype = kev\n");
    CHECK(s.type == "kev");
    CHECK(s.url ==
          "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json");
    CHECK(s.interval == 24h);
    CHECK(vw::silenceLimit(s) == 24h * 30);
    // config check prints the filled-in values, and they read back the same
    const auto config = vw::parseConfig("[source.cisa-kev]\ntype = kev\n", "t.conf", true);
    const std::string printed = vw::redacted(config);
    CHECK_THAT(printed, Contains("type = kev"));
    CHECK_THAT(printed, Contains("interval = 1d"));
    CHECK(vw::parseConfig(printed, "t.conf", true) == config);
}

TEST_CASE("a kev source takes its own url and interval", "[config][sources][kev]") {
    const auto s = kevSource("[source.k]\ntype = kev\nurl = http://127.0.0.1:8080/kev.json\n"
                             "interval = 6h\nca_file = /dev/null\ntimeout = 2m\n");
    CHECK(s.url == "http://127.0.0.1:8080/kev.json");
    CHECK(s.interval == 6h);
    CHECK(s.timeout == 120s);
}

TEST_CASE("a kev source refuses a bad url and keys of other types", "[config][sources][kev]") {
    auto error = errorOf("[source.k]\ntype = kev\nurl = ftp://x.jp/kev.json\n");
    CHECK(error.line() == 3);
    CHECK(error.key() == "url");
    error = errorOf("[source.k]\ntype = kev\nlang = en\n");
    CHECK(error.line() == 3);
    CHECK_THAT(std::string(error.what()), Contains("not to type kev"));
    error = errorOf("[source.k]\ntype = kev\nrequest_interval = 1s\n");
    CHECK(error.key() == "request_interval");
}
