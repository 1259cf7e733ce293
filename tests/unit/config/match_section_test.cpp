// [match] cpe_map: the mapping file is read with the config, so a bad file is a config error
// (a reload keeps the previous config and map) and `config check` shows it.
#include "config/cpe_map.h"
#include "config_test_util.h"

using namespace vw;
using vw::test::errorOf;
using vw::test::TempDir;

TEST_CASE("[match] cpe_map is read with the config", "[config][match]") {
    TempDir dir;
    const auto map = dir.write("cpe_map.txt", "# written for this test\n"
                                              "pkg:maven/org.apache.logging.log4j/log4j-core = "
                                              "apache:log4j\n"
                                              "shaded-logging = apache:log4j\n");
    const Config config =
        loadConfig(dir.write("vulnwatch.conf", "[match]\ncpe_map = cpe_map.txt\n").string());
    CHECK(config.match.cpeMapPath == map.string());
    REQUIRE(config.match.cpeMap);
    CHECK(config.match.cpeMap->size() == 2);
    Component c;
    c.name = "Shaded_Logging";
    const auto found = config.match.cpeMap->lookup(c);
    REQUIRE(found);
    CHECK(found->first == "apache");
    CHECK(found->second == "log4j");
    CHECK_THAT(redacted(config),
               Catch::Contains("[match]\n; 2 mappings\ncpe_map = " + map.string() + "\n"));
    // What config check prints reads back as the same config.
    const auto again = dir.write("again.conf", redacted(config));
    CHECK(loadConfig(again.string()).match.cpeMapPath == map.string());

    // Without [match] there is no map.
    CHECK_FALSE(parseConfig("[daemon]\n", "t.conf").match.cpeMap);
}

TEST_CASE("a bad cpe_map is a config error naming both files and the line",
          "[config][match][errors]") {
    TempDir dir;
    dir.write("bad.txt", "log4j-core = apache:log4j\nno equals sign here\n");
    const auto config = dir.write("vulnwatch.conf", "[match]\ncpe_map = bad.txt\n");
    try {
        loadConfig(config.string());
        FAIL("expected a ConfigError");
    } catch (const ConfigError& e) {
        const std::string what = e.what();
        CHECK_THAT(what, Catch::Contains(config.string() + ":2: [match] cpe_map:"));
        CHECK_THAT(what, Catch::Contains("bad.txt:2:"));
    }
    const auto missing = errorOf("[match]\ncpe_map = /nonexistent/map.txt\n");
    CHECK(missing.key() == "cpe_map");
    CHECK_THAT(std::string(missing.what()), Catch::Contains("/nonexistent/map.txt"));
    CHECK(errorOf("[match]\ncpe_maps = x\n").key() == "cpe_maps");
}
