// Which store backend the tests run on: SQLite, or PostgreSQL when scripts/test.sh's second
// pass sets VULNWATCH_TEST_PG_URL (Store::open then opens a PostgreSQL schema for each file
// path; docs/testing.md). A test about SQLite itself (its file, WAL, PRAGMAs, the backup file)
// starts with VW_SQLITE_ONLY("why"): on PostgreSQL it prints "SKIPPED ON POSTGRESQL", which
// ctest counts as skipped, and checks nothing.
#pragma once

#include <cstdlib>
#include <iostream>

namespace vw::test {

inline bool onPostgres() {
    const char* url = std::getenv("VULNWATCH_TEST_PG_URL");
    return url != nullptr && *url != '\0';
}

} // namespace vw::test

#define VW_SQLITE_ONLY(why)                                                                        \
    do {                                                                                           \
        if (::vw::test::onPostgres()) {                                                            \
            std::cout << "SKIPPED ON POSTGRESQL: " << (why) << std::endl;                          \
            return;                                                                                \
        }                                                                                          \
    } while (false)
