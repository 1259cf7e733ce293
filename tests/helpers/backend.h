// Which store backend the tests run on: SQLite, or PostgreSQL when scripts/test.sh's second
// pass sets VULNWATCH_TEST_PG_URL (Store::open then opens a PostgreSQL schema for each file
// path; docs/testing.md). A test about SQLite itself (its file, WAL, PRAGMAs, the backup file)
// starts with VW_SQLITE_ONLY("why"): on PostgreSQL it prints "SKIPPED ON POSTGRESQL", which
// ctest counts as skipped, and checks nothing.
#pragma once

#include <catch2/catch.hpp>
#include <cstdlib>
#include <iostream>
#include <string>

namespace vw::test {

inline bool onPostgres() {
    const char* url = std::getenv("VULNWATCH_TEST_PG_URL");
    return url != nullptr && *url != '\0';
}

/// The PostgreSQL test server's URL for tests that talk to PostgreSQL in both passes, or ""
/// (then such a test says so and checks nothing; under CI=true it fails: scripts/test.sh always
/// starts the server).
inline std::string postgresServerUrl() {
    for (const char* name : {"VULNWATCH_TEST_PG_URL", "TS_PG_URL"}) {
        const char* value = std::getenv(name);
        if (value != nullptr && *value != '\0') {
            return value;
        }
    }
    const char* ci = std::getenv("CI");
    if (ci != nullptr && std::string(ci) == "true") {
        FAIL("TS_PG_URL is not set: start the test servers (scripts/test-servers.sh)");
    }
    WARN("PostgreSQL test server not running (TS_PG_URL unset): live checks skipped");
    return "";
}

} // namespace vw::test

#define VW_SQLITE_ONLY(why)                                                                        \
    do {                                                                                           \
        if (::vw::test::onPostgres()) {                                                            \
            std::cout << "SKIPPED ON POSTGRESQL: " << (why) << std::endl;                          \
            return;                                                                                \
        }                                                                                          \
    } while (false)
