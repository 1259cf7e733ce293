#include "daemon/cli.h"
#include "daemon/run.h"
#include "helpers/cli.h"
#include "helpers/vuldef_stream.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

using namespace vw;

namespace {

using Result = test::CliResult;
using test::cli;

std::string tempPath(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() /
               ("vw-cli-" + std::to_string(::getpid()) + "-" +
                std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::filesystem::create_directories(dir);
    return (dir / name).string();
}

} // namespace

TEST_CASE("usage errors exit 2 with a hint", "[daemon][cli]") {
    CHECK(cli({}).code == kExitUsage);
    auto r = cli({"frobnicate"});
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err, Catch::Contains("unknown command 'frobnicate'"));
    CHECK_THAT(r.err, Catch::Contains("--help"));
    CHECK(cli({"--db"}).code == kExitUsage);
    CHECK(cli({"parse"}).code == kExitUsage);
    CHECK(cli({"parse", "--format", "pdf", "x"}).code == kExitUsage);
    CHECK(cli({"poll"}).code == kExitUsage);
    CHECK(cli({"--help"}).code == kExitOk);
    CHECK_THAT(cli({"--help"}).out, Catch::Contains("poll --once"));
}

TEST_CASE("a missing config file is a config error", "[daemon][cli]") {
    auto r = cli({"--config", "/nonexistent/vulnwatch.conf", "config", "check"});
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err, Catch::Contains("/nonexistent/vulnwatch.conf"));
}

TEST_CASE("products add, list, export and remove work on a store file", "[daemon][cli]") {
    const std::string db = tempPath("products.db");
    auto r = cli({"--db", db, "products", "add", "Example Viewer", "--version", "3.2", "--owner",
                  "psirt@example.jp", "--cpe", "cpe:/a:apache:log4j", "--keyword", "Log4j"});
    REQUIRE(r.code == kExitOk);
    r = cli({"--db", db, "products", "export"});
    CHECK(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("\"name\":\"Example Viewer\""));
    CHECK_THAT(r.out, Catch::Contains("cpe:/a:apache:log4j"));
    r = cli({"--db", db, "products", "list"});
    CHECK_THAT(r.out, Catch::Contains("Example Viewer  <psirt@example.jp>"));
    CHECK_THAT(r.out, Catch::Contains("    version 3.2  0 components"));
    CHECK(cli({"--db", db, "products", "add", "Bad", "--cpe", "not a cpe"}).code == kExitUsage);
    CHECK(cli({"--db", db, "products", "add", "Bad", "--owner", "nobody"}).code == kExitUsage);
    CHECK(cli({"--db", db, "products", "remove", "Example Viewer"}).code == kExitOk);
    CHECK(cli({"--db", db, "products", "remove", "Example Viewer"}).code == kExitFailure);
}

TEST_CASE("parse reports an unreadable document as a failure without output", "[daemon][cli]") {
    const std::string file = tempPath("broken.rdf");
    std::ofstream(file) << "<rdf:RDF><item>";
    auto r = cli({"parse", file});
    CHECK(r.code == kExitFailure);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains(file));
}

TEST_CASE("parse streams a VULDEF document but prints nothing when it breaks part-way",
          "[daemon][cli]") {
    // Synthetic VULDEF written for this test: 3000 entries (more than one 1 MiB read), then
    // either the proper end or a cut inside an entry.
    const std::string body = vw::test::syntheticVuldefHead(3000, 300);
    const std::string whole = tempPath("whole.xml");
    std::ofstream(whole) << body << "</VULDEF-Document>\n";
    auto r = cli({"parse", whole});
    CHECK(r.code == kExitOk);
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 3000);
    CHECK_THAT(r.out, Catch::Contains("\"id\":\"JVNDB-2024-003000\""));

    const std::string cut = tempPath("cut.xml");
    std::ofstream(cut) << body << "<Vulinfo><VulinfoID>JVNDB-2024-003001</VulinfoID><Vuli";
    r = cli({"parse", cut});
    CHECK(r.code == kExitFailure);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains("truncated"));
}

TEST_CASE("Wakeup returns at once on stop and reports reloads once", "[daemon][run]") {
    Wakeup w;
    const auto far = std::chrono::steady_clock::now() + std::chrono::hours(1);
    w.requestReload();
    CHECK(w.waitUntil(far) == Wakeup::Event::Reload);
    CHECK(w.waitUntil(std::chrono::steady_clock::now() + std::chrono::milliseconds(10)) ==
          Wakeup::Event::Timeout);
    std::thread stopper([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        w.requestStop();
    });
    const auto start = std::chrono::steady_clock::now();
    CHECK(w.waitUntil(far) == Wakeup::Event::Stop);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    stopper.join();
    CHECK(w.stopRequested());
}
