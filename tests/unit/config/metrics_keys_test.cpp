// [daemon] metrics_textfile and [web] metrics (docs/configuration.md, docs/operations.md
// "Monitoring").
#include "config_test_util.h"

using namespace vw;
using vw::test::errorOf;
using vw::test::TempDir;

TEST_CASE("metrics are off and no textfile is written by default", "[config][metrics]") {
    const Config c = parseConfig("[daemon]\n", "t.conf");
    CHECK_FALSE(c.web.metrics);
    CHECK(c.metricsTextfile.empty());
    CHECK_THAT(redacted(c), Catch::Contains("metrics = off\n"));
}

TEST_CASE("[web] metrics takes on or off", "[config][metrics]") {
    CHECK(parseConfig("[web]\nmetrics = on\n", "t.conf").web.metrics);
    CHECK_FALSE(parseConfig("[web]\nmetrics = off\n", "t.conf").web.metrics);
    CHECK(parseConfig("[web]\nmetrics = yes\n", "t.conf").web.metrics);
    const ConfigError e = errorOf("[web]\nmetrics = maybe\n");
    CHECK_THAT(std::string(e.what()), Catch::Contains("t.conf:2"));
    CHECK_THAT(std::string(e.what()), Catch::Contains("neither on nor off"));
    const Config c = parseConfig("[web]\nmetrics = on\n", "t.conf");
    CHECK(parseConfig(redacted(c), "again.conf").web.metrics);
}

TEST_CASE("[daemon] metrics_textfile is a prom file in an existing directory",
          "[config][metrics]") {
    TempDir dir;
    const std::string path = (dir.path() / "vulnwatch.prom").string();
    const Config c = parseConfig("[daemon]\nmetrics_textfile = " + path + "\n", "t.conf");
    CHECK(c.metricsTextfile == path);
    CHECK_THAT(redacted(c), Catch::Contains("metrics_textfile = " + path + "\n"));
    CHECK(parseConfig(redacted(c), "again.conf").metricsTextfile == path);

    const ConfigError wrongName =
        errorOf("[daemon]\nmetrics_textfile = " + (dir.path() / "m.txt").string() + "\n");
    CHECK_THAT(std::string(wrongName.what()), Catch::Contains("t.conf:2"));
    CHECK_THAT(std::string(wrongName.what()), Catch::Contains(".prom"));
    const ConfigError noDir =
        errorOf("[daemon]\nmetrics_textfile = /nonexistent-vw-dir/vulnwatch.prom\n");
    CHECK_THAT(std::string(noDir.what()), Catch::Contains("/nonexistent-vw-dir"));
    // Without reading files (config check --no-secrets) the directory is not looked at.
    CHECK(parseConfig("[daemon]\nmetrics_textfile = /nonexistent-vw-dir/vulnwatch.prom\n", "t.conf",
                      false)
              .metricsTextfile == "/nonexistent-vw-dir/vulnwatch.prom");
}
