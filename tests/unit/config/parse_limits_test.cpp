// [daemon] max_field_bytes and max_record_bytes (issue 16 part 5): the parse limits, their
// defaults, their minimums, the dump, and loadConfig() setting them for the process.
#include "config/config.h"
#include "core/parse_limits.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

using namespace vw;

TEST_CASE("the parse limits default to 1M and 8M and can be set", "[config][limits]") {
    CHECK(parseConfig("", "t.conf").limits == ParseLimits{1u << 20, 8u << 20});
    const Config config =
        parseConfig("[daemon]\nmax_field_bytes = 2M\nmax_record_bytes = 16M\n", "t.conf");
    CHECK(config.limits.maxFieldBytes == 2u << 20);
    CHECK(config.limits.maxRecordBytes == 16u << 20);
    const std::string dump = redacted(config);
    CHECK_THAT(dump, Catch::Contains("max_field_bytes = 2M\n"));
    CHECK_THAT(dump, Catch::Contains("max_record_bytes = 16M\n"));
}

TEST_CASE("parse limits below their minimum are refused", "[config][limits]") {
    CHECK_THROWS_WITH(parseConfig("[daemon]\nmax_field_bytes = 100\n", "t.conf"),
                      Catch::Contains("max_field_bytes") &&
                          Catch::Contains("smaller than the minimum of 1K"));
    CHECK_THROWS_WITH(parseConfig("[daemon]\nmax_record_bytes = 1K\n", "t.conf"),
                      Catch::Contains("smaller than the minimum of 64K"));
    CHECK_THROWS_WITH(parseConfig("[daemon]\nmax_record_bytes = lots\n", "t.conf"),
                      Catch::Contains("is not a size"));
}

TEST_CASE("loading a configuration sets the process's parse limits", "[config][limits]") {
    const ParseLimits saved = parseLimits();
    const auto path = std::filesystem::temp_directory_path() / "vw-parse-limits-test.conf";
    std::ofstream(path) << "[daemon]\nmax_field_bytes = 4K\nmax_record_bytes = 128K\n";
    loadConfig(path.string(), false);
    CHECK(parseLimits() == ParseLimits{4096, 128 * 1024});
    setParseLimits(saved);
    std::filesystem::remove(path);
}
