// Config hygiene (issue 15 part 6): secret files others may read are warned of (refused by
// `config check --strict`), absurd durations are refused with the allowed range.
#include "config/config.h"
#include "config_test_util.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <sys/stat.h>

using Catch::Matchers::Contains;
using vw::test::TempDir;

namespace {

std::string hook(const std::string& line) {
    return "[notifier.w]\ntype = webhook\nurl = https://chat.example.jp/hook\n" + line + "\n";
}

} // namespace

TEST_CASE("A secret file every user may read gives a warning naming it and its mode",
          "[config][hygiene]") {
    TempDir dir;
    const auto key = dir.write("hook.key", "hmac key\n");
    const auto conf = dir.write("vw.conf", hook("secret_file = " + key.string()));
    ::chmod(key.c_str(), 0644);
    const vw::Config loose = vw::loadConfig(conf.string());
    REQUIRE(loose.warnings.items.size() == 1);
    CHECK_THAT(loose.warnings.items[0], Contains(key.string()));
    CHECK_THAT(loose.warnings.items[0], Contains("mode 0644"));
    CHECK_THAT(loose.warnings.items[0], Contains("secret_file"));
    CHECK(loose.warnings.items[0].find("hmac key") == std::string::npos);
    ::chmod(key.c_str(), 0600);
    CHECK(vw::loadConfig(conf.string()).warnings.items.empty());
    // Group-readable by the reader's own group (the service's, when it runs as vulnwatch): fine.
    ::chmod(key.c_str(), 0640);
    CHECK(vw::loadConfig(conf.string()).warnings.items.empty());
    // Warnings are not part of the value: a reload with only a new warning changes nothing.
    ::chmod(key.c_str(), 0644);
    CHECK(vw::loadConfig(conf.string()) == loose);
}

TEST_CASE("Durations far beyond any use are refused with the allowed range", "[config][hygiene]") {
    const auto error = [](const std::string& text) {
        try {
            vw::parseConfig(text, "t.conf");
        } catch (const vw::ConfigError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    const std::string tenYears = error(hook("timeout = 3650d"));
    CHECK_THAT(tenYears, Contains("longer than the maximum of 10m"));
    CHECK_THAT(tenYears, Contains("allowed: 1s to 10m"));
    CHECK_THAT(tenYears, Contains("timeout"));
    CHECK_THAT(error("[source.a]\ntype = jvn-rss\nurl = https://x.example.jp/a.rdf\n"
                     "interval = 30d\n"),
               Contains("maximum of 7d"));
    CHECK_THAT(error("[source.a]\ntype = jvn-rss\nurl = https://x.example.jp/a.rdf\n"
                     "alert_when_silent = 400d\n"),
               Contains("maximum of"));
    CHECK(error(hook("timeout = 10m")).empty());
    CHECK(error("[source.a]\ntype = jvn-rss\nurl = https://x.example.jp/a.rdf\ninterval = 7d\n"
                "timeout = 6h\n")
              .empty());
}
