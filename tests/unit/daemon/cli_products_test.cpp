// `vulnwatch products …` and `matches list` through the real command: products with versions,
// removal that keeps history, the registry JSON in both forms.
#include "helpers/cli.h"
#include "helpers/fixtures.h"
#include "store/store.h"

#include <catch2/catch.hpp>

using namespace vw;
using test::cli;
using test::tempFile;

TEST_CASE("products add registers versions, each listed with its components",
          "[daemon][cli][products]") {
    const std::string db = tempFile("versions.db");
    REQUIRE(cli({"--db", db, "products", "add", "Bedside Monitor Gateway", "--version", "1.8",
                 "--owner", "psirt@example.jp"})
                .code == kExitOk);
    REQUIRE(cli({"--db", db, "products", "add", "Bedside Monitor Gateway", "--version", "1.9",
                 "--version-owner", "gw19@example.jp"})
                .code == kExitOk);
    auto r = cli({"--db", db, "products", "list"});
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("Bedside Monitor Gateway  <psirt@example.jp>"));
    CHECK_THAT(r.out, Catch::Contains("    version 1.8  0 components\n"));
    CHECK_THAT(r.out, Catch::Contains("    version 1.9  0 components  <gw19@example.jp>\n"));

    // Options not given keep what is registered: the product's owner stayed.
    auto store = Store::open(db);
    const auto products = store->products();
    REQUIRE(products.size() == 2);
    CHECK(products[0].owners == std::vector<std::string>{"psirt@example.jp"});
    CHECK(products[1].owners == std::vector<std::string>{"gw19@example.jp"});

    CHECK(cli({"--db", db, "products", "add", "X", "--version-owner", "a@example.jp"}).code ==
          kExitUsage);
}

TEST_CASE("products remove keeps the history, export and list show it with --all",
          "[daemon][cli][products]") {
    const std::string db = tempFile("remove.db");
    for (const char* version : {"1.7", "1.8"}) {
        REQUIRE(cli({"--db", db, "products", "add", "Gateway", "--version", version}).code ==
                kExitOk);
    }
    auto r = cli({"--db", db, "products", "remove", "Gateway", "--version", "1.7"});
    CHECK(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("version '1.7' removed"));
    r = cli({"--db", db, "products", "remove", "Gateway", "--version", "1.7"});
    CHECK(r.code == kExitFailure);
    CHECK_THAT(r.err, Catch::Contains("has no version '1.7'"));

    r = cli({"--db", db, "products", "list"});
    CHECK_THAT(r.out, !Catch::Contains("version 1.7"));
    r = cli({"--db", db, "products", "list", "--all"});
    CHECK_THAT(r.out, Catch::Contains("version 1.7  0 components  (removed)"));
    r = cli({"--db", db, "products", "export", "--all"});
    CHECK_THAT(r.out, Catch::Contains(R"({"version":"1.7","removed":true})"));

    CHECK(cli({"--db", db, "products", "remove", "Gateway"}).code == kExitOk);
    CHECK(cli({"--db", db, "products", "list"}).out.empty());
    CHECK_THAT(cli({"--db", db, "products", "list", "--all"}).out,
               Catch::Contains("Gateway  (removed)"));
}

TEST_CASE("products import takes both registry forms and export gives the versions form",
          "[daemon][cli][products]") {
    const std::string db = tempFile("import.db");
    const std::string file = tempFile("registry.json", R"({"products":[
 {"name":"Example Viewer","version":"3.2","owners":["psirt@example.jp"],
  "components":[{"name":"log4j-core","version":"2.14.1","cpe":"cpe:/a:apache:log4j:2.14.1"}]},
 {"name":"Bedside Monitor Gateway","owners":["qa@example.jp"],"versions":[
  {"version":"1.8","components":[{"name":"zlib","version":"1.2.11",
    "purl":"pkg:generic/zlib@1.2.11","supplier":"zlib.net"}]},
  {"version":"1.9","owners":["gw19@example.jp"]}]}]})");
    auto r = cli({"--db", db, "products", "import", file});
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("2 products imported"));
    r = cli({"--db", db, "products", "export"});
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains(R"("versions":[{"version":"3.2","components":[)"));
    CHECK_THAT(r.out, Catch::Contains(R"("supplier":"zlib.net")"));
    CHECK_THAT(r.out, Catch::Contains(R"({"version":"1.9","owners":["gw19@example.jp"]})"));

    // What export wrote imports again into an empty store unchanged.
    const std::string second = tempFile("second.db");
    const std::string exported = tempFile("exported.json", r.out);
    REQUIRE(cli({"--db", second, "products", "import", exported}).code == kExitOk);
    CHECK(cli({"--db", second, "products", "export"}).out == r.out);

    const std::string bad = tempFile("bad.json", R"({"products":[{"name":"A","versions":[1]}]})");
    r = cli({"--db", db, "products", "import", bad});
    CHECK(r.code != kExitOk);
    CHECK_THAT(r.err, Catch::Contains("products[0].versions[0]"));
}

namespace {

/// A CycloneDX 1.5 SBOM written for this test: one firmware with log4j-core at `log4j`.
std::string gatewaySbom(const std::string& log4j) {
    return R"({"bomFormat":"CycloneDX","specVersion":"1.5","version":1,
 "metadata":{"component":{"type":"device","name":"Bedside Monitor Gateway"}},
 "components":[{"type":"library","name":"log4j-core","version":")" +
           log4j + R"(","purl":"pkg:maven/org.apache.logging.log4j/log4j-core@)" + log4j +
           R"(","cpe":"cpe:2.3:a:apache:log4j:)" + log4j + R"(:*:*:*:*:*:*:*"},
  {"type":"library","name":"zlib","version":"1.2.11","purl":"pkg:generic/zlib@1.2.11"}]})";
}

} // namespace

TEST_CASE("products import-sbom reports changes and importing twice changes nothing",
          "[daemon][cli][products][sbom]") {
    const std::string db = tempFile("sbom.db");
    const std::string v18 = tempFile("gateway-1.8.cdx.json", gatewaySbom("2.14.1"));
    const std::string v19 = tempFile("gateway-1.9.cdx.json", gatewaySbom("2.17.1"));
    auto r = cli({"--db", db, "products", "import-sbom", v18, "--product",
                  "Bedside Monitor Gateway", "--version", "1.8"});
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("CycloneDX 1.5 JSON, 2 components (1 with a CPE, 2 with a "
                                      "purl)"));
    CHECK_THAT(r.out, Catch::Contains("version '1.8': new, 2 components added"));

    r = cli({"--db", db, "products", "import-sbom", v18, "--product", "Bedside Monitor Gateway",
             "--version", "1.8"});
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.out,
               Catch::Contains("0 added, 0 removed, 0 changed, 2 unchanged (nothing to do)"));

    r = cli({"--db", db, "products", "import-sbom", v19, "--product", "Bedside Monitor Gateway",
             "--version", "1.9", "--json"});
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains(R"("compared_with":"1.8")"));
    CHECK_THAT(r.out,
               Catch::Contains(R"("changed":[{"before":{"name":"log4j-core","version":"2.14.1")"));
    CHECK_THAT(r.out, Catch::Contains(R"("after":{"name":"log4j-core","version":"2.17.1")"));
    CHECK_THAT(r.out, Catch::Contains(R"("unchanged":1)"));

    auto store = Store::open(db);
    const auto products = store->products();
    REQUIRE(products.size() == 2);
    CHECK(products[1].components.at(0).cpes ==
          std::vector<std::string>{"cpe:2.3:a:apache:log4j:2.17.1:*:*:*:*:*:*:*"});
    // Events: one per import that changed something.
    auto q = store->db().prepare("SELECT count(*) FROM event_log WHERE text LIKE 'imported SBOM%'");
    REQUIRE(q.step());
    CHECK(q.integer(0) == 2);
}

TEST_CASE("a bad SBOM gets a clear error and changes nothing", "[daemon][cli][products][sbom]") {
    const std::string db = tempFile("bad-sbom.db");
    const std::string good = tempFile("good.cdx.json", gatewaySbom("2.14.1"));
    REQUIRE(cli({"--db", db, "products", "import-sbom", good, "--product", "P", "--version", "1"})
                .code == kExitOk);
    struct Bad {
        const char* name;
        std::string content;
        const char* message;
    };
    const Bad bad[] = {
        {"not-json.txt", "hello", "not JSON, XML or SPDX tag-value"},
        {"old.cdx.json", R"({"bomFormat":"CycloneDX","specVersion":"1.2","components":[]})",
         "CycloneDX specVersion 1.2 is not supported"},
        {"deep.json", std::string(100000, '['), "nesting deeper than"},
        {"cut.cdx.json", gatewaySbom("2.14.1").substr(0, 120), "nothing was imported"},
    };
    for (const Bad& b : bad) {
        INFO(b.name);
        const auto r = cli({"--db", db, "products", "import-sbom", tempFile(b.name, b.content),
                            "--product", "P", "--version", "1"});
        CHECK(r.code == kExitFailure);
        CHECK_THAT(r.err, Catch::Contains(b.message));
        CHECK_THAT(r.err, Catch::Contains("nothing was imported"));
    }
    auto store = Store::open(db);
    REQUIRE(store->products().size() == 1);
    CHECK(store->products()[0].components.size() == 2);
    CHECK(cli({"--db", db, "products", "import-sbom", good, "--product", "P"}).code == kExitUsage);
    CHECK(cli({"--db", db, "products", "import-sbom", good, "--product", "P", "--version", "1",
               "--format", "swid"})
              .code == kExitUsage);
}

TEST_CASE("one advisory, three versions of a product from SBOMs, two affected",
          "[daemon][cli][products][sbom][version]") {
    const std::string db = tempFile("fanout.db");
    for (const auto& [version, log4j] :
         {std::pair{"1.7", "2.14.0"}, std::pair{"1.8", "2.14.1"}, std::pair{"1.9", "2.17.1"}}) {
        REQUIRE(
            cli({"--db", db, "products", "import-sbom", tempFile("gw.cdx.json", gatewaySbom(log4j)),
                 "--product", "Gateway", "--version", version})
                .code == kExitOk);
    }
    // The project's written VULDEF document: JVNDB-2021-005429 states "2.0-beta9 から 2.14.1
    // まで", JVNDB-2021-006139 "2.0-alpha1 から 2.16.0 まで".
    const auto detail = test::sourceDir() / "tests/data/vuldef/detail_written_for_vulnwatch.xml";
    REQUIRE(cli({"--db", db, "import", detail.string()}).code == kExitOk);
    auto r = cli({"--db", db, "matches", "list", "--product", "Gateway"});
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("JVNDB-2021-005429    Gateway 1.7 (log4j-core) 100% "
                                      "cpe-version affected new"));
    CHECK_THAT(r.out, Catch::Contains("JVNDB-2021-005429    Gateway 1.8 (log4j-core) 100% "
                                      "cpe-version affected new"));
    CHECK_THAT(r.out, !Catch::Contains("Gateway 1.9"));
    // --all shows the evaluation that 1.9 is not affected, with its reason.
    r = cli({"--db", db, "matches", "list", "--product", "Gateway", "--all", "--json"});
    CHECK_THAT(
        r.out,
        Catch::Contains(
            R"("version":"1.9","component":"log4j-core","confidence":100,"method":"cpe-version")"));
    CHECK_THAT(r.out,
               Catch::Contains(R"(version \"2.17.1\" is outside \"2.0-beta9 から 2.14.1 まで\")"));
    CHECK_THAT(r.out, Catch::Contains(R"("verdict":"not-affected")"));

    // Removing 1.7 keeps its matches readable.
    REQUIRE(cli({"--db", db, "products", "remove", "Gateway", "--version", "1.7"}).code == kExitOk);
    CHECK_THAT(cli({"--db", db, "matches", "list", "--product", "Gateway"}).out,
               Catch::Contains("Gateway 1.7 (log4j-core)"));
}

TEST_CASE("a product added later is matched by name and by keyword through the indexes",
          "[daemon][cli][products][name][keyword]") {
    const std::string db = tempFile("rematch-names.db");
    // Stored first: the written VULDEF document and an IPA mail about Log4j (no CPE).
    const auto source = test::sourceDir();
    REQUIRE(cli({"--db", db, "import",
                 (source / "tests/data/vuldef/detail_written_for_vulnwatch.xml").string()})
                .code == kExitOk);
    const std::string mail = tempFile(
        "log4j.eml",
        "From: IPA <isec-info@ipa.go.jp>\r\n"
        "To: list@example.jp\r\n"
        "Subject: =?UTF-8?B?QXBhY2hlIExvZzRqIOOBruiEhuW8seaAp+WvvuetluOBq+OBpOOBhOOBpg==?=\r\n"
        "Message-ID: <log4j-written-for-vulnwatch@example.jp>\r\n"
        "Date: Sat, 11 Dec 2021 10:00:00 +0900\r\n"
        "Content-Type: text/plain; charset=UTF-8\r\n\r\n"
        "CVE-2021-44228\r\n");
    REQUIRE(cli({"--db", db, "import", "--format", "mail", mail}).code == kExitOk);

    // A Maven SBOM component without CPE: matched by name, its version compared.
    const std::string sbom =
        tempFile("server.cdx.json",
                 R"({"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[
 {"type":"library","name":"log4j-core","version":"2.14.1",
  "purl":"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}]})");
    auto r = cli({"--db", db, "products", "import-sbom", sbom, "--product", "Imaging Server",
                  "--version", "5.0"});
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("stored advisories match"));
    r = cli({"--db", db, "matches", "list", "--product", "Imaging Server", "--json"});
    CHECK_THAT(r.out, Catch::Contains(R"("advisory":"JVNDB-2021-005429")"));
    CHECK_THAT(r.out, Catch::Contains(R"("method":"name")"));
    CHECK_THAT(r.out, Catch::Contains(R"("verdict":"affected")"));

    // A keyword added later finds the mail (its subject says "Apache Log4j の脆弱性対策について").
    REQUIRE(cli({"--db", db, "products", "add", "Viewer", "--keyword", "Log4j"}).code == kExitOk);
    r = cli({"--db", db, "matches", "list", "--product", "Viewer", "--json"});
    CHECK_THAT(r.out, Catch::Contains(R"("method":"keyword")"));
    CHECK_THAT(r.out, Catch::Contains(R"("component":"keyword Log4j")"));
    CHECK_THAT(r.out, Catch::Contains(R"("verdict":"needs-review")"));
}

namespace {

/// An SPDX 2.2 JSON document as Yocto's create-spdx writes one per recipe (written for this
/// test): it describes the recipe and lists nothing else.
std::string yoctoRecipe(const std::string& name, const std::string& version) {
    return R"({"spdxVersion":"SPDX-2.2","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT",
 "name":"recipe-)" +
           name + R"(","documentNamespace":"http://spdx.org/spdxdocs/recipe-)" + name +
           R"(-written-for-vulnwatch","creationInfo":{"created":"2026-11-01T00:00:00Z",
 "creators":["Tool: OpenEmbedded Core create-spdx.bbclass"]},
 "documentDescribes":["SPDXRef-Recipe-)" +
           name + R"("],"packages":[{"SPDXID":"SPDXRef-Recipe-)" + name + R"(","name":")" + name +
           R"(","versionInfo":")" + version +
           R"(","downloadLocation":"NOASSERTION","externalRefs":[{"referenceCategory":"SECURITY",
 "referenceType":"http://spdx.org/rdf/references/cpe23Type","referenceLocator":"cpe:2.3:*:*:)" +
           name + ":" + version + R"(:*:*:*:*:*:*:*"}]}]})";
}

} // namespace

TEST_CASE("import-sbom takes several documents, and a Yocto recipe document's subject",
          "[daemon][cli][products][sbom]") {
    const std::string db = tempFile("yocto.db");
    const std::string shadow = tempFile("recipe-shadow.spdx.json", yoctoRecipe("shadow", "4.14.2"));
    const std::string openssl =
        tempFile("recipe-openssl.spdx.json", yoctoRecipe("openssl", "3.2.3"));
    auto r = cli({"--db", db, "products", "import-sbom", shadow, openssl, shadow, "--product",
                  "Yocto image", "--version", "2.0"});
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.err, Catch::Contains("note: the document lists only what it describes; taken "
                                      "as 1 component"));
    CHECK_THAT(r.out, Catch::Contains("3 files: SPDX 2.2 JSON, 2 components (2 with a CPE"));
    auto store = Store::open(db);
    const auto products = store->products();
    REQUIRE(products.size() == 1);
    REQUIRE(products[0].components.size() == 2);
    CHECK(products[0].components[0].name == "shadow");
    CHECK(products[0].components[1].cpes ==
          std::vector<std::string>{"cpe:2.3:*:*:openssl:3.2.3:*:*:*:*:*:*:*"});
}

TEST_CASE("import-sbom reads every real SBOM fixture", "[daemon][cli][products][sbom]") {
    VW_REQUIRE_FIXTURES();
    const std::string db = tempFile("fixtures.db");
    for (const auto& entry : std::filesystem::directory_iterator(test::fixturesDir() / "sbom")) {
        if (entry.path().filename() == "SOURCES.md") {
            continue;
        }
        INFO(entry.path());
        const auto r = cli({"--db", db, "products", "import-sbom", entry.path().string(),
                            "--product", entry.path().filename().string(), "--version", "1"});
        CHECK(r.code == kExitOk);
        CHECK_THAT(r.out, Catch::Contains("new, "));
    }
    // The Yocto recipe document gives its recipe: shadow 4.14.2 with its `*` vendor CPE.
    auto store = Store::open(db);
    for (const auto& p : store->products()) {
        if (p.name == "spdx22_yocto-oe-create-spdx_recipe-shadow.spdx.json") {
            REQUIRE(p.components.size() == 1);
            CHECK(p.components[0].name == "shadow");
            CHECK(p.components[0].version == "4.14.2");
        }
    }
}

TEST_CASE("advisories show puts the verdict first and --product skips evaluated misses",
          "[daemon][cli][products][version]") {
    const std::string db = tempFile("show.db");
    for (const auto& [version, log4j] : {std::pair{"1.8", "2.14.1"}, std::pair{"1.9", "2.17.1"}}) {
        REQUIRE(
            cli({"--db", db, "products", "import-sbom", tempFile("gw.cdx.json", gatewaySbom(log4j)),
                 "--product", "Gateway", "--version", version})
                .code == kExitOk);
    }
    const auto detail = test::sourceDir() / "tests/data/vuldef/detail_written_for_vulnwatch.xml";
    REQUIRE(cli({"--db", db, "import", detail.string()}).code == kExitOk);
    auto r = cli({"--db", db, "advisories", "show", "JVNDB-2021-005429"});
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("  affects: Gateway 1.8 (log4j-core), 100% cpe-version"));
    CHECK_THAT(r.out,
               Catch::Contains("  not affected: Gateway 1.9 (log4j-core), 100% cpe-version"));
    // Only 1.9 registered: the log4j entries are not this product's.
    REQUIRE(cli({"--db", db, "products", "remove", "Gateway", "--version", "1.8"}).code == kExitOk);
    r = cli({"--db", db, "advisories", "list", "--product", "Gateway"});
    CHECK_THAT(r.out, Catch::Contains("JVNDB-2021-005429")); // 1.8's matches stay readable
}

TEST_CASE("export --all imports back with the removed versions still removed, and an SBOM "
          "for a new version is compared with the newest version not removed",
          "[daemon][cli][products][sbom]") {
    const std::string db = tempFile("removed.db");
    for (const auto& [version, log4j] : {std::pair{"1.8", "2.14.1"}, std::pair{"1.9", "2.17.1"}}) {
        REQUIRE(
            cli({"--db", db, "products", "import-sbom", tempFile("gw.cdx.json", gatewaySbom(log4j)),
                 "--product", "Gateway", "--version", version})
                .code == kExitOk);
    }
    REQUIRE(cli({"--db", db, "products", "remove", "Gateway", "--version", "1.9"}).code == kExitOk);
    auto r =
        cli({"--db", db, "products", "import-sbom", tempFile("gw.cdx.json", gatewaySbom("2.20.0")),
             "--product", "Gateway", "--version", "2.0"});
    CHECK_THAT(r.out, Catch::Contains("compared with version '1.8'"));
    CHECK_THAT(r.out, Catch::Contains("  ~ log4j-core: version 2.14.1 -> 2.20.0, purl "));

    const std::string exported =
        tempFile("all.json", cli({"--db", db, "products", "export", "--all"}).out);
    const std::string second = tempFile("second.db");
    REQUIRE(cli({"--db", second, "products", "import", exported}).code == kExitOk);
    auto store = Store::open(second);
    const auto products = store->products();
    REQUIRE(products.size() == 2); // 1.8 and 2.0; 1.9 stays removed
    CHECK(products[0].version == "1.8");
    CHECK(products[1].version == "2.0");
    CHECK(cli({"--db", second, "products", "export", "--all"}).out ==
          cli({"--db", db, "products", "export", "--all"}).out);
}

TEST_CASE("a keyword that can never match is reported", "[daemon][cli][products][keyword]") {
    const auto r = cli({"--db", tempFile("kw.db"), "products", "add", "X", "--keyword", "qt",
                        "--keyword", "Log4j"});
    CHECK(r.code == kExitOk);
    CHECK_THAT(r.err, Catch::Contains("--keyword 'qt' will never match: shorter than 3"));
    CHECK_THAT(r.err, !Catch::Contains("'Log4j'"));
}

TEST_CASE("a re-match reads the VULDEF detail before the RSS item and names split by vendor",
          "[daemon][cli][products][version]") {
    const std::string db = tempFile("order.db");
    const std::string config =
        tempFile("vulnwatch.conf",
                 "[store]\npath = " + db +
                     "\n\n[notifier.chat]\ntype = webhook\nurl = http://127.0.0.1:9/hook\n");
    const auto source = test::sourceDir();
    REQUIRE(cli({"--config", config, "import", (source / "demo/feeds/jvndb_new_demo.rdf").string(),
                 (source / "tests/data/vuldef/detail_written_for_vulnwatch.xml").string()})
                .code == kExitOk);
    // Gateway 1.9 ships log4j 2.17.1: the detail rules it out, so the RSS item (no versions)
    // must not send a "needs review" message about it.
    auto r = cli({"--config", config, "products", "import-sbom",
                  tempFile("gw.cdx.json", gatewaySbom("2.17.1")), "--product", "Gateway",
                  "--version", "1.9"});
    REQUIRE(r.code == kExitOk);
    auto store = Store::open(db);
    CHECK(store->outboxCounts().pending == 0);
    for (const auto& m : store->matches("Gateway")) {
        CHECK(m.match.verdict == "not-affected");
    }
    // A component known only by a name with the vendor in front ("Apache Log4j", no purl, no
    // CPE) is found among the stored records too (CPE apache:log4j).
    const std::string sbom =
        tempFile("named.cdx.json", R"({"bomFormat":"CycloneDX","specVersion":"1.5","version":1,
 "components":[{"type":"library","name":"Apache Log4j","version":"2.14.1"}]})");
    r = cli({"--config", config, "products", "import-sbom", sbom, "--product", "Viewer",
             "--version", "3.2"});
    REQUIRE(r.code == kExitOk);
    bool found = false;
    for (const auto& m : store->matches("Viewer")) {
        found = found || (m.match.advisory == "JVNDB-2021-005429" && m.match.method == "name" &&
                          m.match.verdict == "affected");
    }
    CHECK(found);
}

TEST_CASE("import applies the configured cpe_map and says what it re-evaluated",
          "[daemon][cli][products][cpe-map]") {
    const std::string db = tempFile("import-map.db");
    const std::string map = tempFile("cpe_map.txt", "# written for this test\n"
                                                    "pkg:maven/com.example/shaded-logging = "
                                                    "apache:log4j\n");
    const std::string config = tempFile(
        "vulnwatch.conf", "[store]\npath = " + db + "\n\n[match]\ncpe_map = " + map + "\n");
    const std::string registry = tempFile("shaded.json", R"({"products":[{"name":"Server",
 "versions":[{"version":"5.0","components":[{"name":"shaded-logging","version":"2.14.1",
 "purl":"pkg:maven/com.example/shaded-logging@2.14.1"}]}]}]})");
    REQUIRE(cli({"--config", config, "products", "import", registry}).code == kExitOk);
    const auto source = test::sourceDir();
    // The RSS item first (needs review), then the detail: re-evaluated, and said so.
    auto r =
        cli({"--config", config, "import", (source / "demo/feeds/jvndb_new_demo.rdf").string()});
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("1 new matches"));
    r = cli({"--config", config, "import",
             (source / "tests/data/vuldef/detail_written_for_vulnwatch.xml").string()});
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("1 re-evaluated"));
    auto store = Store::open(db);
    bool mapped = false;
    for (const auto& m : store->matches("Server")) {
        mapped = mapped || (m.match.advisory == "JVNDB-2021-005429" &&
                            m.match.method == "cpe-version" && m.match.verdict == "affected" &&
                            m.match.reason.find("mapped by cpe_map line 2") != std::string::npos);
    }
    CHECK(mapped);
}
