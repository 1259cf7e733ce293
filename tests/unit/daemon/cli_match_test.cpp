// `vulnwatch match --products FILE.json ADVISORIES.jsonl`: pure matching of a registry against
// `parse` output, one JSON line per match (DESIGN.md), through the real command.
#include "helpers/cli.h"
#include "helpers/fixtures.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

using namespace vw;
using test::cli;

namespace {

std::string writeTemp(const std::string& name, const std::string& content) {
    const auto dir = std::filesystem::temp_directory_path() / test::uniqueToken("cli-match");
    std::filesystem::create_directories(dir);
    const auto path = dir / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
}

/// Two products: one with a log4j component, one naming the Linux kernel by a product CPE.
const char* const kRegistry = R"({"products":[
 {"name":"Bedside Monitor Gateway","version":"1.8","owners":["psirt@example.jp"],
  "components":[{"vendor":"apache","name":"log4j-core","version":"2.14.1",
                 "cpe":"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"}]},
 {"name":"Imaging Workstation","version":"4.0","cpes":["cpe:/o:linux:linux_kernel"]}]})";

} // namespace

TEST_CASE("match prints one line per match of parse output against a registry",
          "[daemon][cli][match]") {
    const std::string products = writeTemp("products.json", kRegistry);
    // `parse` output of the project's written documents: the demo feed (4 items) and the
    // VULDEF document (7 entries), as a user would pipe them.
    const auto source = test::sourceDir();
    const auto rss = cli({"parse", (source / "demo/feeds/jvndb_new_demo.rdf").string()});
    const auto detail =
        cli({"parse", (source / "tests/data/vuldef/detail_written_for_vulnwatch.xml").string()});
    REQUIRE(rss.code == kExitOk);
    REQUIRE(detail.code == kExitOk);
    const std::string records = writeTemp("records.jsonl", rss.out + "\n" + detail.out);

    const auto r = cli({"match", "--products", products, records});
    REQUIRE(r.code == kExitOk);
    CHECK(r.err.empty());
    std::vector<std::string> lines;
    for (std::size_t start = 0; start < r.out.size();) {
        const std::size_t end = r.out.find('\n', start);
        lines.push_back(r.out.substr(start, end - start));
        start = end == std::string::npos ? r.out.size() : end + 1;
    }
    // log4j: JVNDB-2021-005429 (RSS and VULDEF) and JVNDB-2021-006139 (VULDEF) for the gateway;
    // the kernel entry (RSS and VULDEF) for the workstation; nothing else matches.
    REQUIRE(lines.size() == 5);
    int gateway = 0;
    int workstation = 0;
    for (const auto& line : lines) {
        INFO(line);
        CHECK_THAT(line, Catch::StartsWith("{\"advisory\":\"JVNDB-"));
        if (line.find("\"product\":\"Bedside Monitor Gateway\"") != std::string::npos) {
            ++gateway;
            CHECK_THAT(line, Catch::Contains("\"version\":\"1.8\""));
            CHECK_THAT(line, Catch::Contains("\"component\":\"log4j-core\""));
            CHECK((line.find("JVNDB-2021-005429") != std::string::npos ||
                   line.find("JVNDB-2021-006139") != std::string::npos));
        } else {
            ++workstation;
            CHECK_THAT(line, Catch::Contains("\"product\":\"Imaging Workstation\""));
            CHECK_THAT(line, Catch::Contains("\"advisory\":\"JVNDB-2022-017708\""));
        }
        CHECK_THAT(line, Catch::Contains("\"confidence\":"));
        // The VULDEF entries state affected versions (compared: cpe-version), the RSS items
        // do not (cpe-product, needs review).
        CHECK_THAT(line, Catch::Contains("\"method\":\"cpe-version\",") ||
                             Catch::Contains("\"method\":\"cpe-product\","));
        CHECK_THAT(line, Catch::Contains("\"verdict\":\"affected\"}") ||
                             Catch::Contains("\"verdict\":\"needs-review\"}"));
        CHECK_THAT(line, Catch::Contains("\"reason\":\""));
    }
    CHECK(gateway == 3);
    CHECK(workstation == 2);

    // A registry without CPEs matches nothing.
    const std::string none = writeTemp("none.json", R"({"products":[{"name":"Nothing"}]})");
    const auto empty = cli({"match", "--products", none, records});
    CHECK(empty.code == kExitOk);
    CHECK(empty.out.empty());
}

TEST_CASE("match reports a bad line by file and line number and goes on", "[daemon][cli][match]") {
    const std::string products = writeTemp("products.json", kRegistry);
    const auto source = test::sourceDir();
    const auto detail =
        cli({"parse", (source / "tests/data/vuldef/detail_written_for_vulnwatch.xml").string()});
    REQUIRE(detail.code == kExitOk);
    const std::string firstLine = detail.out.substr(0, detail.out.find('\n'));
    const std::string records =
        writeTemp("records.jsonl", "not json\n\n" + firstLine + "\n{\"source\":1}\n");
    const auto r = cli({"match", "--products", products, records});
    CHECK(r.code == kExitFailure);
    CHECK_THAT(r.err, Catch::Contains(records + ":1:"));
    CHECK_THAT(r.err, Catch::Contains(records + ":4:"));
    // The good record on line 3 (JVNDB-2021-005429, log4j) still matched.
    CHECK_THAT(r.out, Catch::Contains("\"advisory\":\"JVNDB-2021-005429\""));

    CHECK(cli({"match", records}).code == kExitUsage);                // no --products
    CHECK(cli({"match", "--products", products}).code == kExitUsage); // no records file
    const std::string broken = writeTemp("broken.json", "{\"products\":[{}]}");
    CHECK(cli({"match", "--products", broken, records}).code != kExitOk);
    CHECK(cli({"match", "--products", "/nonexistent/p.json", records}).code == kExitFailure);
}

TEST_CASE("match --cpe-map turns a purl-only component into a CPE match", "[daemon][cli][match]") {
    const std::string products = writeTemp("shaded.json", R"({"products":[{"name":"Server",
 "versions":[{"version":"5.0","components":[{"name":"shaded-logging","version":"2.14.1",
 "purl":"pkg:maven/com.example/shaded-logging@2.14.1"}]}]}]})");
    const auto source = test::sourceDir();
    const auto detail =
        cli({"parse", (source / "tests/data/vuldef/detail_written_for_vulnwatch.xml").string()});
    REQUIRE(detail.code == kExitOk);
    const std::string records = writeTemp("records.jsonl", detail.out);
    // Without the map the name "shaded-logging" names nothing JVN knows.
    auto r = cli({"match", "--products", products, records});
    CHECK(r.code == kExitOk);
    CHECK(r.out.empty());
    const std::string map =
        writeTemp("cpe_map.txt", "# written for this test\n"
                                 "pkg:maven/com.example/shaded-logging = apache:log4j\n");
    r = cli({"match", "--products", products, "--cpe-map", map, records});
    CHECK(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains(R"("advisory":"JVNDB-2021-005429")"));
    CHECK_THAT(r.out, Catch::Contains("mapped by cpe_map line 2"));
    CHECK_THAT(r.out, Catch::Contains(R"("method":"cpe-version")"));
    const std::string bad = writeTemp("bad_map.txt", "no equals sign\n");
    r = cli({"match", "--products", products, "--cpe-map", bad, records});
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err, Catch::Contains("bad_map.txt:1:"));
}
