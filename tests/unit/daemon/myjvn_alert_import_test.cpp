// MyJVN alert lists (getAlertList responses) through the commands: `parse` (format detection and
// --format myjvn-alert) and `import`, on an alert list written for the project
// (helpers/alert_list.h), so this runs on a bare clone.
#include "daemon/cli.h"
#include "daemon/import.h"
#include "helpers/alert_list.h"
#include "helpers/cli.h"
#include "store/store.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

using namespace vw;
namespace fs = std::filesystem;

namespace {

using Result = test::CliResult;
using test::cli;

/// Writes `content` to a fresh temporary file and returns its path.
std::string tempFile(const std::string& name, const std::string& content) {
    const fs::path dir =
        fs::temp_directory_path() /
        ("vw-alert-" + std::to_string(::getpid()) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(dir);
    const fs::path path = dir / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
}

const std::string kLog4jJson = R"({"source":"myjvn-alert","id":"JPCERT-AT-2021-0050",)"
                               R"("aliases":["CVE-2021-44228","CVE-2021-45046","JVNVU#96768815"],)";

} // namespace

TEST_CASE("parse reads a MyJVN alert list, detected or named", "[daemon][myjvn-alert]") {
    const std::string path =
        tempFile("alerts.xml", test::alertList(test::noMatchEntry() + test::log4jAlertEntry(),
                                               test::alertListStatus(1, 1, 1)));
    for (const auto& args : {std::vector<std::string>{"parse", path},
                             std::vector<std::string>{"parse", "--format", "myjvn-alert", path}}) {
        const Result r = cli(args);
        INFO(r.err);
        CHECK(r.code == kExitOk);
        CHECK(r.out.starts_with(kLog4jJson));
        CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1); // the placeholder is no record
        CHECK(r.err.empty());
    }
    fs::remove_all(fs::path(path).parent_path());
}

TEST_CASE("parse of an alert list with retCd=1 fails with the API's message",
          "[daemon][myjvn-alert]") {
    const std::string path = tempFile(
        "error.xml",
        test::alertList("", test::alertListStatus(0, 0, 0, 1, "AL0703019", "datePublished不正")));
    const Result r = cli({"parse", path});
    CHECK(r.code == kExitFailure);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains("AL0703019") && Catch::Contains("datePublished不正"));
    fs::remove_all(fs::path(path).parent_path());
}

TEST_CASE("import stores the alert and its advisory", "[daemon][myjvn-alert]") {
    const std::string path = tempFile(
        "alerts.xml", test::alertList(test::log4jAlertEntry(), test::alertListStatus(1, 1, 1)));
    auto store = Store::inMemory();
    const ImportStats s = importFile(*store, {}, path, "auto", "import");
    INFO(s.error);
    CHECK(s.complete());
    CHECK(s.format == "myjvn-alert");
    CHECK(s.records == 1);
    CHECK(s.newRecords == 1);
    CHECK(store->advisoryOf("JPCERT-AT-2021-0050").has_value());
    // a second import of the same file stores nothing new
    const ImportStats again = importFile(*store, {}, path, "myjvn-alert", "import");
    CHECK(again.complete());
    CHECK(again.records == 1);
    CHECK(again.newRecords == 0);
    CHECK(again.changed == 0);
    fs::remove_all(fs::path(path).parent_path());
}
