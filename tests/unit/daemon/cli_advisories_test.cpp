// `vulnwatch advisories list|show` on a store filled through the real import path.
#include "core/json_writer.h"
#include "daemon/cli.h"
#include "daemon/pipeline.h"
#include "helpers/cli.h"
#include "helpers/fixtures.h"
#include "store/store.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>

using namespace vw;

namespace {

using Result = test::CliResult;
using test::cli;

/// A store file with the project's VULDEF document, the demo RSS feed, a jvn.jp item and a
/// mail whose title tries to take over the terminal; a product matching the log4j entries.
std::string filledStore() {
    const auto dir = std::filesystem::temp_directory_path() / test::uniqueToken("cli-adv");
    std::filesystem::create_directories(dir);
    const std::string db = (dir / "vulnwatch.db").string();
    const auto source = test::sourceDir();
    REQUIRE(cli({"--db", db, "products", "add", "Example Imaging Viewer", "--cpe",
                 "cpe:/a:apache:log4j", "--owner", "psirt@example.jp"})
                .code == kExitOk);
    const Result imported =
        cli({"--db", db, "import",
             (source / "tests/data/vuldef/detail_written_for_vulnwatch.xml").string(),
             (source / "demo/feeds/jvndb_new_demo.rdf").string()});
    REQUIRE(imported.code == kExitOk);
    auto store = Store::open(db);
    Advisory item;
    item.source = "jvn";
    item.id = "JVNVU#96768815";
    item.aliases = {"CVE-2021-44228", "CVE-2021-45046"};
    item.title = "Apache Log4j に任意のコード実行の脆弱性";
    // Feed and mail text that tries to take over the terminal: an iPedia item's title (shown
    // in listings) and a mail naming two CVEs (a mention, shown under each).
    const std::string evil =
        "\x1b]0;owned\x07\x1b[2JResume Builder\nJVNDB-9999-999999  9.9  fake row";
    Advisory rss;
    rss.source = "jvn-rss";
    rss.id = "JVNDB-2024-000777";
    rss.title = evil;
    Advisory mail;
    mail.source = "mail";
    mail.id = "<evil@example.invalid>";
    mail.aliases = {"CVE-2023-0078", "CVE-2021-44228"};
    mail.title = evil;
    ParseResult batch;
    batch.records = {item};
    ingestBatch(*store, {}, "jvn-feed", batch, 2000000000);
    batch.records = {rss};
    ingestBatch(*store, {}, "jvndb-new", batch, 2000000001);
    batch.records = {mail};
    ingestBatch(*store, {}, "ipa-mail", batch, 2000000002);
    return db;
}

} // namespace

TEST_CASE("advisories show by a vulnerability id gives the cluster, by an advisory id what it "
          "covers",
          "[daemon][cli][advisories]") {
    const std::string db = filledStore();
    // With --db no config file is read, even a broken one named by --config.
    const Result r = cli({"--config", "/nonexistent/broken.conf", "--db", db, "advisories", "show",
                          "cve-2021-44228", "--json"});
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.out,
               Catch::StartsWith("{\"type\":\"vulnerability\",\"id\":\"JVNDB-2021-005429\""));
    CHECK_THAT(r.out, Catch::Contains("\"aliases\":[\"CVE-2021-44228\",\"JVNDB-2021-005429\"]"));
    CHECK_THAT(r.out,
               Catch::Contains("\"advisories\":[\"JPCERT-AT-2021-0050\",\"JVNVU#96768815\"]"));
    // Both records (VULDEF and RSS) are kept; the title comes from the VULDEF detail.
    CHECK_THAT(r.out, Catch::Contains("\"title\":{\"channel\":\"import\",\"source\":\"vuldef\""));
    CHECK_THAT(r.out, Catch::Contains("\"source\":\"jvn-rss\",\"id\":\"JVNDB-2021-005429\""));
    CHECK_THAT(r.out, Catch::Contains("\"class\":\"new\""));
    CHECK_THAT(r.out, Catch::Contains("\"product\":\"Example Imaging Viewer\""));

    const Result adv = cli({"--db", db, "advisories", "show", "JVNVU96768815", "--json"});
    REQUIRE(adv.code == kExitOk);
    CHECK_THAT(adv.out, Catch::StartsWith("{\"type\":\"advisory\",\"id\":\"JVNVU#96768815\""));
    // It covers the two it was named by (VULDEF, RSS) and the CVE its own item names.
    CHECK_THAT(adv.out, Catch::Contains("\"id\":\"JVNDB-2021-005429\""));
    CHECK_THAT(adv.out, Catch::Contains("\"id\":\"JVNDB-2021-006139\""));
    CHECK_THAT(adv.out, Catch::Contains("\"id\":\"CVE-2021-45046\""));
    CHECK_THAT(adv.out, Catch::Contains("\"channel\":\"jvn-feed\""));

    const Result text = cli({"--db", db, "advisories", "show", "JPCERT-AT-2021-0050"});
    REQUIRE(text.code == kExitOk);
    CHECK_THAT(text.out, Catch::Contains("covers 2 vulnerabilities"));

    const Result unknown = cli({"--db", db, "advisories", "show", "CVE-1999-0001"});
    CHECK(unknown.code == kExitFailure);
    CHECK_THAT(unknown.err, Catch::Contains("nothing known as CVE-1999-0001"));
    CHECK(cli({"--db", db, "advisories", "show"}).code == kExitUsage);
    CHECK(cli({"--db", db, "advisories", "show", "X", "--min-score", "5"}).code == kExitUsage);
}

TEST_CASE("advisories output neutralises control characters from feeds and mail",
          "[daemon][cli][advisories]") {
    const std::string db = filledStore();
    const std::string safe = "\\x1b]0;owned\\x07\\x1b[2JResume Builder JVNDB-9999-999999";
    for (const char* id : {"CVE-2023-0078", "JVNDB-2024-000777"}) {
        INFO(id);
        const Result shown = cli({"--db", db, "advisories", "show", id});
        REQUIRE(shown.code == kExitOk);
        CHECK(shown.out.find('\x1b') == std::string::npos);
        CHECK(shown.out.find('\x07') == std::string::npos);
        CHECK_THAT(shown.out, Catch::Contains(safe));
    }
    // Every line of the listing is one cluster: the mail's newline fakes no row.
    const Result list = cli({"--db", db, "advisories", "list"});
    REQUIRE(list.code == kExitOk);
    CHECK(list.out.find('\x1b') == std::string::npos);
    CHECK_THAT(list.out, Catch::Contains(safe));
    for (std::istringstream lines(list.out); !lines.eof();) {
        std::string line;
        std::getline(lines, line);
        if (!line.empty()) {
            CHECK_FALSE(line.rfind("JVNDB-9999", 0) == 0);
        }
    }
    // JSON escapes them as JSON does.
    const Result json = cli({"--db", db, "advisories", "show", "JVNDB-2024-000777", "--json"});
    CHECK_THAT(json.out, Catch::Contains("\\u001b]0;owned\\u0007"));
}

TEST_CASE("advisories list filters by product, score and channel", "[daemon][cli][advisories]") {
    const std::string db = filledStore();
    auto ids = [&](std::vector<std::string> extra) {
        std::vector<std::string> args = {"--db", db, "advisories", "list", "--json"};
        args.insert(args.end(), extra.begin(), extra.end());
        const Result r = cli(args);
        REQUIRE(r.code == kExitOk);
        std::vector<std::string> out;
        for (std::size_t at = r.out.find("{\"id\":\""); at != std::string::npos;
             at = r.out.find("{\"id\":\"", at + 1)) {
            const std::size_t start = at + 7;
            out.push_back(r.out.substr(start, r.out.find('"', start) - start));
        }
        std::sort(out.begin(), out.end());
        return out;
    };
    using Ids = std::vector<std::string>;
    CHECK(ids({"--product", "Example Imaging Viewer"}) ==
          Ids{"JVNDB-2021-005429", "JVNDB-2021-006139"});
    CHECK(ids({"--min-score", "9.0"}) == Ids{"JVNDB-2021-005429"});
    CHECK(ids({"--product", "Example Imaging Viewer", "--min-score", "5.9"}) ==
          Ids{"JVNDB-2021-005429", "JVNDB-2021-006139"});
    // The jvn.jp item's channel: the clusters its advisory covers.
    CHECK(ids({"--channel", "jvn-feed"}) ==
          Ids{"CVE-2021-45046", "JVNDB-2021-005429", "JVNDB-2021-006139"});
    // A mail that only mentions ids puts no cluster on its channel.
    CHECK(ids({"--channel", "ipa-mail"}).empty());
    CHECK(ids({"--channel", "jvndb-new"}) == Ids{"JVNDB-2024-000777"});
    CHECK(ids({"--channel", "nowhere"}).empty());
    CHECK(ids({"--product", "No Such Product"}).empty());
    CHECK(cli({"--db", db, "advisories", "list", "--min-score", "eleven"}).code == kExitUsage);
    CHECK(cli({"--db", db, "advisories", "list", "--min-score", "10.5"}).code == kExitUsage);
}

TEST_CASE("advisories show --json lists the covered clusters by key as advisoryDetail sorts them",
          "[daemon][cli][advisories]") {
    // The clusters are written as they are read and only their places sorted: the bytes must be
    // those of the sorted ClusterSummary list, for clusters created in an order unlike their
    // keys (JVNDB- keys, newest first, and CVE- keys).
    const auto dir = std::filesystem::temp_directory_path() / test::uniqueToken("cli-adv-order");
    std::filesystem::create_directories(dir);
    const std::string db = (dir / "vulnwatch.db").string();
    auto store = Store::open(db);
    const auto cve = [](int i) { return "CVE-2026-1000" + std::to_string(10 + i); };
    ParseResult entries;
    for (int i = 30; i >= 1; --i) {
        if (i % 3 == 0) {
            Advisory entry;
            entry.source = "vuldef";
            entry.id = "JVNDB-2026-0000" + std::to_string(10 + i);
            entry.aliases = {cve(i)};
            entry.title = "テスト製品 " + std::to_string(i) + " における \"引用\" の脆弱性";
            entry.cvss = {{"3.1", 0.1 * i, "Medium", ""}};
            entries.records.push_back(entry);
        }
    }
    ingestBatch(*store, {}, "import", entries, 2000000000);
    Advisory item; // names all thirty: the other twenty become clusters keyed by their CVE
    item.source = "jvn";
    item.id = "JVNVU#11112222";
    item.title = "複数製品における脆弱性";
    for (int i = 1; i <= 30; ++i) {
        item.aliases.push_back(cve((i * 7) % 30 + 1));
    }
    std::sort(item.aliases.begin(), item.aliases.end());
    ParseResult advisory;
    advisory.records = {item};
    ingestBatch(*store, {}, "jvn-feed", advisory, 2000000001);

    const auto id = store->advisoryOf("JVNVU#11112222");
    REQUIRE(id);
    const AdvisoryDetail d = store->advisoryDetail(*id);
    REQUIRE(d.clusters.size() == 30);
    CHECK_FALSE(std::is_sorted(d.clusters.begin(), d.clusters.end(),
                               [](const ClusterSummary& a, const ClusterSummary& b) {
                                   return a.clusterId < b.clusterId;
                               })); // so the order printed is the sort's, not the rows'
    JsonWriter expected;
    expected.beginArray();
    for (const ClusterSummary& c : d.clusters) {
        expected.beginObject().key("id").value(c.primaryId).key("key").value(c.key);
        expected.key("aliases").stringArray(c.ids).key("title").value(c.title);
        expected.key("max_score").value(c.maxScore).endObject();
    }
    expected.endArray();
    const Result r = cli({"--db", db, "advisories", "show", "JVNVU#11112222", "--json"});
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("\"clusters\":" + expected.str() + ",\"mentions\":[]}"));
    CHECK_THAT(expected.str(), Catch::Contains("\\\"引用\\\""));
    CHECK_THAT(expected.str(), Catch::Contains("\"max_score\":2.7"));
}
