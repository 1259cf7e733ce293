// `backup` and `restore` copy a SQLite file: on a PostgreSQL store they refuse before touching
// anything, in Japanese and English, and name what to use instead (docs/operations.md).
#include "helpers/cli.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

using vw::test::cli;

TEST_CASE("backup and restore refuse a PostgreSQL store and name pg_dump",
          "[daemon][cli][backup]") {
    // Nothing listens there: the refusal comes before any connection.
    const std::string url = "postgresql://vulnwatch@127.0.0.1:1/vulnwatch";
    const std::string file = vw::test::tempFile("backup.db");
    for (const char* command : {"backup", "restore"}) {
        INFO(command);
        const auto r = cli({"--db", url, command, file});
        CHECK(r.code == vw::kExitFailure);
        CHECK(r.out.empty());
        CHECK_THAT(r.err, Catch::StartsWith(std::string("vulnwatch: ") + command +
                                            " は SQLite のストアのためのものです"));
        CHECK_THAT(r.err, Catch::Contains("pg_dump") && Catch::Contains("pg_restore"));
        CHECK_THAT(r.err, Catch::Contains(std::string(" / ") + command + " is for a SQLite store"));
        CHECK_FALSE(std::filesystem::exists(file));              // no backup written
        CHECK_FALSE(std::filesystem::exists(file + ".partial")); // nor begun
    }
}
