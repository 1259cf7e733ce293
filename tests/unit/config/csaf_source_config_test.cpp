// The csaf source type (CSAF 2.0 advisories): url or path, keyring, defaults.
#include "config/config.h"
#include "config_test_util.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>

using namespace std::chrono_literals;
using Catch::Matchers::Contains;

namespace {

std::string errorText(const std::string& text) {
    try {
        vw::parseConfig(text, "t.conf", true);
    } catch (const vw::ConfigError& e) {
        return e.what();
    }
    return "(accepted)";
}

} // namespace

TEST_CASE("a csaf source takes a provider url and polls hourly", "[config][sources][csaf]") {
    const auto config = vw::parseConfig(
        "[source.cisa]\ntype = csaf\nurl = https://x.jp/.well-known/csaf/provider-metadata.json\n",
        "t.conf", true);
    REQUIRE(config.sources.size() == 1);
    const vw::SourceConfig& s = config.sources[0];
    CHECK(s.type == "csaf");
    CHECK(s.url == "https://x.jp/.well-known/csaf/provider-metadata.json");
    CHECK(s.path.empty());
    CHECK(s.interval == 1h);
    CHECK(vw::silenceLimit(s) == 24h * 60);
    const std::string printed = vw::redacted(config);
    CHECK_THAT(printed, Contains("keyring: not set (.asc signatures not checked)"));
    CHECK_THAT(printed, Contains("interval = 1h"));
    CHECK(vw::parseConfig(printed, "t.conf", true) == config);
}

TEST_CASE("a csaf source needs url or path - not both", "[config][sources][csaf]") {
    const std::string dir = std::filesystem::temp_directory_path().string();
    CHECK_THAT(errorText("[source.c]\ntype = csaf\n"),
               Contains("url: required key missing (set url or path)"));
    CHECK_THAT(
        errorText("[source.c]\ntype = csaf\nurl = https://x.jp/f.json\npath = " + dir + "\n"),
        Contains("both url (line 3) and path are set: keep one"));
    CHECK_THAT(errorText("[source.c]\ntype = csaf\nurl = ftp://x.jp/f.json\n"), Contains("url"));
    const auto config = vw::parseConfig(
        "[source.c]\ntype = csaf\npath = " + dir + "\nkeyring = " + dir + "\n", "t.conf", true);
    CHECK(config.sources.at(0).path == dir);
    CHECK(config.sources.at(0).keyring == dir);
    CHECK(vw::parseConfig(vw::redacted(config), "t.conf", true) == config);
    CHECK_THAT(errorText("[source.r]\ntype = jvn-rss\nurl = https://x.jp/r\npath = " + dir + "\n"),
               Contains("applies only to csaf sources, not to type jvn-rss"));
}
