// Access to the real fixture files in shared/fixtures (see DEVELOPERS.md): never copied into
// the project. When the folder is absent a test says so loudly; under CI=true it fails.
#pragma once

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace vw::test {

/// The real fixtures folder: $VULNWATCH_FIXTURES_DIR when set (so the suite can be pointed at
/// another folder without reconfiguring, as tests/fixture_rule_test.sh does), else the folder
/// CMake was configured with.
inline std::filesystem::path fixturesDir() {
    const char* fromEnv = std::getenv("VULNWATCH_FIXTURES_DIR");
    return std::filesystem::path(fromEnv != nullptr && *fromEnv != '\0' ? fromEnv
                                                                        : VULNWATCH_FIXTURES_DIR);
}

inline std::filesystem::path sourceDir() {
    return std::filesystem::path(VULNWATCH_SOURCE_DIR);
}

inline bool underCi() {
    const char* ci = std::getenv("CI");
    return ci != nullptr && std::string(ci) == "true";
}

inline std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        FAIL("cannot read " << path.string());
    }
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

/// A required environment variable set by scripts/test-servers.sh; a missing one fails the
/// test (servers are started by the test scripts, so absence is an error, never a skip).
inline std::string serverEnv(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
        FAIL(name << " is not set: run the tests through scripts/test.sh, which starts the "
                     "loopback test servers");
    }
    return value;
}

/// A token no other test run or parallel test uses (pid, a counter, the clock), for names,
/// Message-IDs and addresses on the shared loopback servers.
inline std::string uniqueToken(const std::string& label) {
    static std::atomic<int> counter{0};
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    return "vwtest-" + label + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) +
           "-" + std::to_string(now);
}

/// Records that the running test skipped for want of its real fixtures: one line on stderr
/// that ctest's SKIP_REGULAR_EXPRESSION ("FIXTURES MISSING") turns into a skip, and one line
/// appended to $VULNWATCH_SKIP_LOG, which scripts/test.sh counts at the end.
inline void reportFixturesMissing(const std::string& test) {
    const std::string line = "FIXTURES MISSING: " + test +
                             " did not run: " + fixturesDir().string() +
                             " is absent (point VULNWATCH_FIXTURES_DIR at shared/fixtures)";
    std::fprintf(stderr, "%s\n", line.c_str());
    if (const char* log = std::getenv("VULNWATCH_SKIP_LOG"); log != nullptr && *log != '\0') {
        std::ofstream(log, std::ios::app) << "catch2\t" << test << '\n';
    }
}

} // namespace vw::test

/// Put at the top of a test that reads shared/fixtures.
#define VW_REQUIRE_FIXTURES()                                                                      \
    do {                                                                                           \
        if (!std::filesystem::is_directory(::vw::test::fixturesDir() / "jvn")) {                   \
            if (::vw::test::underCi()) {                                                           \
                FAIL("fixture folder missing: " << ::vw::test::fixturesDir().string());            \
            }                                                                                      \
            ::vw::test::reportFixturesMissing(Catch::getResultCapture().getCurrentTestName());     \
            WARN("FIXTURES MISSING: " << ::vw::test::fixturesDir().string()                        \
                                      << " is absent; this test did not run");                     \
            return;                                                                                \
        }                                                                                          \
    } while (false)
